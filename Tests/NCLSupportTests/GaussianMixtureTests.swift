// GaussianMixture (sampling, exact log-density) and Assignment's discrete W2.
import XCTest
@testable import NCLSupport

final class GaussianMixtureTests: XCTestCase {
  /// DeepGSB's ring: samples at radius about 16 with the mixture's moments; the density integrates
  /// to 1 (midpoint rule) and agrees with the one-Gaussian closed form.
  func testRingSamplesAndDensity() {
    let ring = GaussianMixture.ring(count: 8, radius: 16, std: 1)
    var random = SeededGenerator(seed: 1)
    let points = ring.sample(4000, using: &random)
    var radius = 0.0, meanX = 0.0
    for i in 0..<4000 {
      radius += (points[2 * i] * points[2 * i] + points[2 * i + 1] * points[2 * i + 1]).squareRoot() / 4000
      meanX += points[2 * i] / 4000
    }
    XCTAssertEqual(radius, 16, accuracy: 0.1)
    XCTAssertEqual(meanX, 0, accuracy: 0.5)
    var mass = 0.0
    let h = 0.25
    for a in 0..<168 { for b in 0..<168 {
      mass += exp(ring.logDensity([-21 + (Double(a) + 0.5) * h, -21 + (Double(b) + 0.5) * h])) * h * h
    } }
    XCTAssertEqual(mass, 1, accuracy: 1e-4)
    let one = GaussianMixture(mean: [1, -2], std: [0.5, 2])
    XCTAssertEqual(one.logDensity([1.5, 0]), -0.5 - 0.5 * 1 - log(0.5) - log(2) - log(2 * Double.pi), accuracy: 1e-12)
  }

  /// A stratified draw gives each component count x w_k points to within one (a plain draw's counts
  /// are multinomial), with the same law within a component; nearestComponents finds the cells.
  func testStratifiedSamplingAndCells() {
    let ring = GaussianMixture.ring(count: 8, radius: 16, std: 1)
    let law = GaussianMixture(ring.components.enumerated().map { .init(weight: 1 + Double($0.offset), mean: $0.element.mean, std: $0.element.std) })
    var random = SeededGenerator(seed: 5)
    let n = 3600, points = law.sample(n, using: &random, stratified: true)
    var counts = [Int](repeating: 0, count: 8)
    for k in law.nearestComponents(points) { counts[k] += 1 }
    for (count, c) in zip(counts, law.components) { XCTAssertEqual(Double(count), Double(n) * c.weight, accuracy: 1) }
    var plain = SeededGenerator(seed: 5)
    var plainCounts = [Int](repeating: 0, count: 8)
    for k in law.nearestComponents(law.sample(n, using: &plain)) { plainCounts[k] += 1 }
    XCTAssertGreaterThan(zip(plainCounts, law.components).map { abs(Double($0) - Double(n) * $1.weight) }.max()!, 1)
    // Within a component: unit variance about its mean.
    var spread = 0.0
    for (i, k) in law.nearestComponents(points).enumerated() {
      spread += (pow(points[2 * i] - law.components[k].mean[0], 2) + pow(points[2 * i + 1] - law.components[k].mean[1], 2)) / Double(2 * n)
    }
    XCTAssertEqual(spread, 1, accuracy: 0.05)
    XCTAssertEqual(law.nearestComponents([15, 1, 0, 15.5, -11, -11.5]), [0, 2, 5])
  }

  /// A translate of a point set is at discrete W2 distance |shift| exactly (the identity matching
  /// is optimal); a permutation of it at distance 0.
  func testAssignmentW2OfTranslates() {
    var random = SeededGenerator(seed: 2)
    let a = (0..<120).map { _ in random.nextNormal() }
    let shifted = (0..<120).map { a[$0] + ($0 % 2 == 0 ? 0.3 : -0.4) }
    XCTAssertEqual(Assignment.wasserstein(a, shifted, dimension: 2, p: 2), 0.5, accuracy: 1e-12)
    var permuted: [Double] = []
    for i in (0..<60).reversed() { permuted += [a[2 * i], a[2 * i + 1]] }
    XCTAssertEqual(Assignment.wasserstein(a, permuted, dimension: 2, p: 2), 0, accuracy: 1e-12)
  }
}
