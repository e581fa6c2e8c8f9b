// The telescoping flux vanishes at infinity; the naive flux pumps mass in along x_D.
import XCTest
import Foundation
import NCLHost
import _NCLTestSupport

final class FluxDecayTests: XCTestCase {
  typealias T = Tensor<Double>
  typealias Support = ModelTestSupport

  func flux(_ model: NCLModel<Double>, t: Double, x: [[Double]]) -> [[Double]] {
    let fields = model.fields(t: T(t), x: T(shape: [x.count, model.dimension], scalars: x.flatMap { $0 }), differentiable: false)
    let values = fields.flux.scalars
    return (0..<x.count).map { Array(values[($0 * model.dimension)..<(($0 + 1) * model.dimension)]) }
  }

  func testTelescopingFluxDecaysInEveryDirection() {
    for dimension in [2, 3] {
      let model = Support.model(dimension: dimension)
      let (times, bulk) = Support.randomPoints(8, dimension: dimension, seed: 21)
      let bulkScale = zip(times, bulk).map { flux(model, t: $0, x: [$1])[0].map(Swift.abs).max()! }.max()!
      XCTAssertGreaterThan(bulkScale, 1e-4)
      for i in 0..<dimension {
        for far in [-100.0, 100.0] {
          let moved = bulk.map { x -> [Double] in var y = x; y[i] = far; return y }
          let largest = zip(times, moved).map { flux(model, t: $0, x: [$1])[0].map(Swift.abs).max()! }.max()!
          XCTAssertLessThan(largest, 1e-8 * bulkScale, "D=\(dimension), x_\(i + 1) = \(far)")
        }
      }
    }
  }

  /// As x_D -> +inf (here 200) the naive flux tends to -d_t rho(x_<D): mass flows in from infinity.
  func testNaiveFluxDoesNotDecayAlongTheLastAxis() {
    let model = Support.model(dimension: 2, flux: .naive)
    let (times, bulk) = Support.randomPoints(8, dimension: 2, seed: 22)
    var largest = 0.0
    for (t, x) in zip(times, bulk) {
      let far = flux(model, t: t, x: [[x[0], 200]])[0]
      // d_t of the first marginal, by central differences of the model's own conditional.
      let marginal = { (s: Double) in
        Foundation.exp(model.fields(t: T(s), x: T(shape: [1, 2], scalars: [x[0], 0]), differentiable: false)
          .logConditionals.scalars[0])
      }
      let rate = (marginal(t + 1e-5) - marginal(t - 1e-5)) / 2e-5
      XCTAssertEqual(far[1], -rate, accuracy: 1e-6 * max(1, abs(rate)))
      XCTAssertEqual(far[0], 0)
      largest = max(largest, abs(far[1]))
    }
    XCTAssertGreaterThan(largest, 1e-3, "the spurious flux should be visible")
  }

  /// div b = 0 for the learned term b = rho * (b / rho), by central differences, in both forms
  /// (D = 5 has more planes than the low-rank default's 4).
  func testLearnedTermIsDivergenceFree() {
    for (dimension, form) in [2, 3, 4, 5].flatMap({ d in [DivergenceFreeForm.default, .dense].map { (d, $0) } }) {
      let model = Support.model(dimension: dimension, divergenceFree: true, divergenceFreeForm: form)
      let (times, points) = Support.randomPoints(5, dimension: dimension, seed: 23)
      let h = 1e-4
      for (t, x) in zip(times, points) {
        var rows: [[Double]] = []
        for i in 0..<dimension {
          for sign in [1.0, -1.0] { var y = x; y[i] += sign * h; rows.append(y) }
        }
        let fields = model.fields(t: T(t), x: T(shape: [rows.count, dimension], scalars: rows.flatMap { $0 }), differentiable: false)
        let b = (fields.divergenceFreeVelocity * fields.logDensity.exp().reshaped([rows.count, 1])).scalars
        var divergence = 0.0, scale = 0.0
        for i in 0..<dimension {
          let partial = (b[(2 * i) * dimension + i] - b[(2 * i + 1) * dimension + i]) / (2 * h)
          divergence += partial
          scale += abs(partial)
        }
        XCTAssertGreaterThan(scale, 1e-6, "b should not vanish (D=\(dimension), \(form))")
        XCTAssertLessThan(abs(divergence), 1e-6 * scale, "D=\(dimension), \(form), t=\(t)")
      }
    }
  }
}
