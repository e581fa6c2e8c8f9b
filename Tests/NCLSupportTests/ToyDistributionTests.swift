// The toy distributions: names, their laws' scales, determinism, and the numbers a point draws.
import XCTest
import NCLSupport
import Foundation

final class ToyDistributionTests: XCTestCase {
  /// Counts what a sampler draws (plugins draw this many from the host in advance).
  struct CountingSource: RandomSource {
    var generator = SeededGenerator(seed: 9)
    var uniforms = 0, normals = 0
    mutating func nextUniform() -> Double { uniforms += 1; return generator.nextUniform() }
    mutating func nextNormal() -> Double { normals += 1; return generator.nextNormal() }
  }

  func testNamesAreTheCommandLineChoices() {
    XCTAssertEqual(ToyDistribution.allCases.map(\.rawValue), [
      "8gaussians", "2gaussians", "pinwheel", "moons", "circles", "checkerboard", "swissroll", "ncl-8gaussians", "ncl-pinwheel", "2spirals",
    ])
  }

  func testEveryPointDrawsAtMostTheAdvertisedNumbers() {
    for toy in ToyDistribution.allCases {
      for _ in 0..<200 {
        var source = CountingSource()
        _ = toy.point(using: &source)
        XCTAssertLessThanOrEqual(source.uniforms, ToyDistribution.uniformsPerPoint, toy.rawValue)
        XCTAssertLessThanOrEqual(source.normals, ToyDistribution.normalsPerPoint, toy.rawValue)
      }
    }
  }

  func testSamplesAreReproducibleAndHaveTheirLawsScale() {
    func radii(_ toy: ToyDistribution) -> [Double] {
      var g = SeededGenerator(seed: 1)
      let xy = toy.sample(4000, using: &g)
      XCTAssertEqual(xy.count, 8000)
      return (0..<4000).map { i -> Double in
        let x = xy[2 * i], y = xy[2 * i + 1]
        return (x * x + y * y).squareRoot()
      }
    }
    func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(v.count) }
    XCTAssertEqual(mean(radii(.eightGaussians)), 2, accuracy: 0.05)
    XCTAssertEqual(mean(radii(.nclEightGaussians)), 4 / 2.828, accuracy: 0.05)
    var g = SeededGenerator(seed: 2)
    let two = ToyDistribution.twoGaussians.sample(4000, using: &g)
    XCTAssertEqual(mean((0..<4000).map { abs(two[2 * $0]) }), 1.5, accuracy: 0.05)
    XCTAssertEqual(mean((0..<4000).map { two[2 * $0 + 1] }), 0, accuracy: 0.05)
    var a = SeededGenerator(seed: 3), b = SeededGenerator(seed: 3)
    for toy in ToyDistribution.allCases {
      XCTAssertEqual(toy.sample(10, using: &a), toy.sample(10, using: &b), toy.rawValue)
    }
  }
}

final class ToyDistributionDensityTests: XCTestCase {
  /// The known densities integrate to 1 (midpoint rule on [-5, 5]^2) and give their samples' mean log-density.
  func testKnownDensitiesAreNormalizedMixtures() {
    XCTAssertEqual(ToyDistribution.allCases.filter(\.hasKnownDensity), [.eightGaussians, .twoGaussians, .nclEightGaussians])
    XCTAssertNil(ToyDistribution.moons.logDensity(0, 0))
    for law in ToyDistribution.allCases where law.hasKnownDensity {
      let cells = 500, h = 10.0 / Double(cells)
      var total = 0.0
      for i in 0..<cells {
        for j in 0..<cells {
          let a: Double = -5 + (Double(i) + 0.5) * h, b: Double = -5 + (Double(j) + 0.5) * h
          total += exp(law.logDensity(a, b)!) * h * h
        }
      }
      XCTAssertEqual(total, 1, accuracy: 1e-6, law.rawValue)
    }
    // 8 gaussians of std 0.2 hardly overlap: the entropy is that of one Gaussian plus log 8.
    var g = SeededGenerator(seed: 6)
    let x = ToyDistribution.eightGaussians.sample(20_000, using: &g)
    var total = 0.0
    for i in 0..<20_000 { total += ToyDistribution.eightGaussians.logDensity(x[2 * i], x[2 * i + 1])! }
    let entropy = -total / 20_000
    XCTAssertEqual(entropy, 1 + log(2 * .pi * 0.04) + log(8), accuracy: 0.03)
  }

  /// The two spirals: arms through the origin out to radius about pi, point-symmetric.
  func testTwoSpiralsReachTheirRadius() {
    var g = SeededGenerator(seed: 7)
    let x = ToyDistribution.twoSpirals.sample(4000, using: &g)
    var largest = 0.0, sum = 0.0
    for i in 0..<4000 {
      let a: Double = x[2 * i], b: Double = x[2 * i + 1]
      largest = max(largest, (a * a + b * b).squareRoot())
      sum += a
    }
    XCTAssertEqual(largest, 3.3, accuracy: 0.4)
    XCTAssertEqual(sum / 4000, 0, accuracy: 0.1)
  }
}
