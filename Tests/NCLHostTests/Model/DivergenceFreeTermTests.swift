// The divergence-free term's velocity is div(rho M) / rho for its own antisymmetric M, in both forms.
import XCTest
import NCLHost
import Foundation

final class DivergenceFreeTermTests: XCTestCase {
  typealias T = Tensor<Double>

  /// b = rho * velocity against sum_j d_j (rho M_ij) by central differences of rho M, with M
  /// from `matrix(t:x:)` (antisymmetric), for the low-rank form (fewer planes than pairs at D = 5)
  /// and the dense one: the velocity's divergence and score terms are those of that M.
  func testVelocityIsTheDivergenceOfRhoM() {
    for (dimension, form) in [(2, DivergenceFreeForm.default), (3, .default), (5, .default), (5, .lowRank(planes: 2)), (4, .dense)] {
      let model = ModelTestSupport.model(dimension: dimension, divergenceFree: true, divergenceFreeForm: form)
      let term = model.divergenceFree!
      let (times, points) = ModelTestSupport.randomPoints(3, dimension: dimension, seed: 31)
      let h = 1e-5
      for (t, x) in zip(times, points) {
        let label = "D=\(dimension) \(form) t=\(t)"
        let fields = model.fields(t: T(t), x: T(shape: [1, dimension], scalars: x), differentiable: false)
        let b = (fields.divergenceFreeVelocity * fields.logDensity.exp().reshaped([1, 1])).scalars
        // rho M at x +- h e_j, rows 2j and 2j + 1.
        var rows: [[Double]] = []
        for j in 0..<dimension {
          for sign in [1.0, -1.0] { var y = x; y[j] += sign * h; rows.append(y) }
        }
        let shifted = T(shape: [rows.count, dimension], scalars: rows.flatMap { $0 })
        let m = term.matrix(t: T(shape: [1, 1], scalars: [t]), x: shifted)
        XCTAssertLessThan((m + m.transposed()).abs().scalars.max()!, 1e-12, "\(label): M not antisymmetric")
        let rho = model.logDensity(t: T(t), x: shifted).exp().scalars
        let rhoM = m.scalars
        var scale = 0.0
        for i in 0..<dimension {
          var expected = 0.0
          for j in 0..<dimension {
            let plus = rho[2 * j] * rhoM[(2 * j) * dimension * dimension + i * dimension + j]
            let minus = rho[2 * j + 1] * rhoM[(2 * j + 1) * dimension * dimension + i * dimension + j]
            expected += (plus - minus) / (2 * h)
          }
          XCTAssertEqual(b[i], expected, accuracy: 1e-6 * max(abs(expected), 1e-3), "\(label), i=\(i)")
          scale += abs(expected)
        }
        XCTAssertGreaterThan(scale, 1e-4, "\(label): b vanishes, the test has no power")
      }
    }
  }

  /// Configurations saved before the low-rank form existed keep the dense M they were trained with;
  /// new ones get the low-rank default.
  func testConfigurationWithoutFormDecodesAsDense() throws {
    var configuration = ModelConfiguration(dimension: 3)
    configuration.divergenceFreeHiddenSizes = [8]
    configuration.divergenceFreeForm = nil
    let json = String(decoding: try JSONEncoder().encode(configuration), as: UTF8.self)
    XCTAssertFalse(json.contains("divergenceFreeForm"))
    let decoded = try JSONDecoder().decode(ModelConfiguration.self, from: Data(json.utf8))
    XCTAssertEqual(try NCLModel<Double>(configuration: decoded, seed: 1).divergenceFree?.form, .dense)
    configuration.divergenceFreeForm = .default
    let model = try NCLModel<Double>(configuration: configuration, seed: 1)
    XCTAssertEqual(model.divergenceFree?.form, .lowRank(planes: 4))
    // D = 3: three planes (every pair), a full time-only matrix per basis function.
    XCTAssertEqual(model.divergenceFree?.network.biases.last?.shape, [3])
    XCTAssertEqual(model.divergenceFree?.timeMatrices?.shape, [ModelConfiguration(dimension: 3).timeFrequencies * 2 + 2, 3, 3])
    configuration.divergenceFreeForm = .lowRank(planes: 0)
    XCTAssertThrowsError(try configuration.validate())
  }
}
