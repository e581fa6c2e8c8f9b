// The toy distributions: names, their laws' scales, determinism, and the numbers a point draws.
import XCTest
import NCLSupport

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
      "8gaussians", "2gaussians", "pinwheel", "moons", "circles", "checkerboard", "swissroll", "ncl-8gaussians", "ncl-pinwheel",
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
