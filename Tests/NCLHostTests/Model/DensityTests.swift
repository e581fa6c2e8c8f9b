// The density is exact: normalized, with exact prefix marginals, and exact ancestral samples.
import XCTest
import NCLHost
import Foundation

final class DensityTests: XCTestCase {
  typealias T = Tensor<Double>
  typealias Support = ModelTestSupport

  /// Trapezoid rule is spectrally accurate for smooth, fast-decaying integrands.
  func testNormalizedInOneDimension() {
    let model = Support.model(dimension: 1)
    let grid = stride(from: -40.0, through: 40.0, by: 0.01).map { $0 }
    for time in [0.0, 0.37, 1.0] {
      let logRho = model.logDensity(t: T(time), x: T(shape: [grid.count, 1], scalars: grid))
      let integral = logRho.exp().scalars.reduce(0, +) * 0.01
      XCTAssertEqual(integral, 1, accuracy: 1e-6, "t = \(time)")
    }
  }

  /// On x = sinh(u) the grid reaches |x| = 200 (the logistic tails are heavy) with fine
  /// spacing near the bulk; the trapezoid rule in u stays spectrally accurate.
  func testNormalizedInTwoDimensions() {
    let u = stride(from: -6.0, through: 6.0, by: 0.03).map { $0 }
    let axis = u.map { Foundation.sinh($0) }, jacobian = u.map { Foundation.cosh($0) * 0.03 }
    let points = axis.flatMap { a in axis.flatMap { b in [a, b] } }
    let weights = jacobian.flatMap { a in jacobian.map { b in a * b } }
    for flux in [FluxConstruction.telescoping(tau: 1), .factorized] {
      let model = Support.model(dimension: 2, flux: flux, seed: 5)
      for time in [0.2, 0.9] {
        let rho = model.logDensity(t: T(time), x: T(shape: [points.count / 2, 2], scalars: points)).exp().scalars
        let integral = zip(rho, weights).map(*).reduce(0, +)
        XCTAssertEqual(integral, 1, accuracy: 1e-6, "\(flux), t = \(time)")
      }
    }
  }

  /// integral rho(x_1, x_2) dx_2 = f(x_1): the first conditional is the exact marginal.
  func testPrefixMarginalIsExact() {
    let model = Support.model(dimension: 2, seed: 9)
    let grid = stride(from: -40.0, through: 40.0, by: 0.01).map { $0 }
    for x1 in [-1.3, 0.2, 2.1] {
      let x = T(shape: [grid.count, 2], scalars: grid.flatMap { [x1, $0] })
      let fields = model.fields(t: T(0.6), x: x, differentiable: false)
      let integral = fields.logDensity.exp().scalars.reduce(0, +) * 0.01
      let marginal = Foundation.exp(fields.logConditionals.slice(alongAxis: 1, 0..<1).scalars[0])
      XCTAssertEqual(integral, marginal, accuracy: 1e-7 * max(1, marginal), "x1 = \(x1)")
    }
  }

  /// Rosenblatt transform: if x ~ rho_t, then F(x_i | x_<i) are independent U(0, 1). A
  /// Kolmogorov-Smirnov test on each coordinate, at the 1% level.
  /// One time for the batch (the first coordinate's law computed once, the conditioner's
  /// time-only units once) draws what per-row times draw: the same uniforms, the same values up to
  /// the order of floating-point sums.
  func testSharedTimeSamplesMatchPerRowTimes() {
    for dimension in [1, 2, 3] {
      let model = Support.model(dimension: dimension, seed: 6)
      var a = SeededGenerator(seed: 9), b = SeededGenerator(seed: 9)
      let shared = model.sample(at: 0.4, count: 300, using: &a)
      let perRow = model.sample(at: T(repeating: 0.4, shape: [300, 1]), using: &b)
      XCTAssertEqual(shared.shape, perRow.shape)
      for (u, v) in zip(shared.scalars, perRow.scalars) { XCTAssertEqual(u, v, accuracy: 1e-9 * max(1, abs(v)), "D = \(dimension)") }
      XCTAssertEqual(a.next(), b.next(), "D = \(dimension): the same random numbers are drawn")
    }
  }

  func testAncestralSamplesAreExact() {
    let count = 2000
    for flux in [FluxConstruction.telescoping(tau: 1), .factorized] {
      let model = Support.model(dimension: 3, flux: flux, seed: 4)
      var generator = SeededGenerator(seed: 42)
      for time in [0.0, 0.7] {
        let x = model.sample(at: time, count: count, using: &generator)
        XCTAssertEqual(x.shape, [count, 3])
        let u = model.fields(t: T(time), x: x, differentiable: false).cdf
        for i in 0..<3 {
          let column = u.slice(alongAxis: 1, i..<i + 1).scalars.sorted()
          let ks = column.enumerated().map { k, v in max(Double(k + 1) / Double(count) - v, v - Double(k) / Double(count)) }.max()!
          XCTAssertLessThan(ks, 1.63 / Double(count).squareRoot(), "\(flux), t = \(time), coordinate \(i)")
        }
      }
      // The same test rejects samples from another time: it has power.
      let wrong = model.sample(at: 0.0, count: count, using: &generator)
      let u = model.fields(t: T(1.0), x: wrong, differentiable: false).cdf.scalars
      let worst = (0..<3).map { i -> Double in
        let column = stride(from: i, to: u.count, by: 3).map { u[$0] }.sorted()
        return column.enumerated().map { k, v in max(Double(k + 1) / Double(count) - v, v - Double(k) / Double(count)) }.max()!
      }.max()!
      XCTAssertGreaterThan(worst, 1.63 / Double(count).squareRoot(), "\(flux): t=0 samples pass as t=1 samples")
    }
  }
}
