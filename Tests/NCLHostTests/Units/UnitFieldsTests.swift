// The model's fields in a problem's units: the identities hold there too, by finite differences in Double.
import XCTest
@testable import NCLHost
@testable import NCLModel

final class UnitFieldsTests: XCTestCase {
  typealias T = Tensor<Double>

  /// A horizon of [2, 7] days and a data map that shifts and stretches each coordinate differently.
  static func units(dimension: Int, noise: NoiseSchedule = .zero) -> ProblemUnits {
    ProblemUnits(horizon: 2...7, shift: [1, -3, 0.5].prefix(dimension).map { $0 }, scale: [0.5, 4, 2].prefix(dimension).map { $0 }, noise: noise)
  }

  func fields(_ units: ProblemUnits, _ model: NCLModel<Double>, _ rows: [(t: Double, x: [Double])]) -> UnitFields<Double> {
    let t = T(shape: [rows.count, 1], scalars: rows.map(\.t))
    let x = T(shape: [rows.count, model.dimension], scalars: rows.flatMap(\.x))
    return units.fields(of: model, t: t, x: x, differentiable: false)
  }

  /// d_tau rho + div(rho u_g) - (g^2 / 2) Lap rho, all in data units, is tiny next to d_tau rho.
  func testFokkerPlanckHoldsInTheProblemsUnits() {
    for (dimension, g) in [(1, 0.0), (2, 0.0), (2, 1.3), (3, 0.7)] {
      let model = ModelTestSupport.model(dimension: dimension, seed: 4)
      let units = Self.units(dimension: dimension, noise: .constant(g))
      var generator = SeededGenerator(seed: 9)
      let h = 1e-4, l = 1e-3
      var largestRate = 0.0
      for _ in 0..<4 {
        let tau = 2.5 + 4 * generator.nextUniform()
        let z = (0..<dimension).map { _ in generator.nextNormal() }
        let x = zip(z, zip(units.shift, units.scale)).map { $1.0 + $1.1 * $0 }
        var rows = [(tau + h, x), (tau - h, x), (tau, x)]
        for i in 0..<dimension {
          for step in [h, -h, units.scale[i] * l, -units.scale[i] * l] {
            var shifted = x
            shifted[i] += step
            rows.append((tau, shifted))
          }
        }
        let f = fields(units, model, rows)
        let rho = f.logDensity.exp().scalars
        let flux = (f.drift(noise: units.noise) * f.logDensity.exp().reshaped([rows.count, 1])).scalars
        let dtRho = (rho[0] - rho[1]) / (2 * h)
        var divergence = 0.0, laplacian = 0.0
        for i in 0..<dimension {
          let r = 3 + 4 * i, step = units.scale[i] * l
          divergence += (flux[r * dimension + i] - flux[(r + 1) * dimension + i]) / (2 * h)
          laplacian += (rho[r + 2] - 2 * rho[2] + rho[r + 3]) / (step * step)
        }
        let residual = dtRho + divergence - 0.5 * g * g * laplacian
        XCTAssertLessThan(abs(residual), 1e-4 * abs(dtRho) + 1e-12, "D=\(dimension), g=\(g): d_tau rho \(dtRho), residual \(residual)")
        largestRate = max(largestRate, abs(dtRho / rho[2]))
      }
      XCTAssertGreaterThan(largestRate, 0.01, "D=\(dimension): the density barely moves; the test has no power")
    }
  }

  /// rho in data units integrates to 1 over the data's own coordinates (D = 1, quadrature).
  func testDensityInDataUnitsIsNormalized() {
    let model = ModelTestSupport.model(dimension: 1, seed: 2)
    let units = ProblemUnits(horizon: 2...7, shift: [10], scale: [3])
    let n = 4000, low = 10 - 3 * 40.0, high = 10 + 3 * 40.0, dx = (high - low) / Double(n)
    for tau in [2.0, 4.5, 7.0] {
      let rows = (0..<n).map { (t: tau, x: [low + (Double($0) + 0.5) * dx]) }
      let mass = fields(units, model, rows).logDensity.exp().scalars.reduce(0, +) * dx
      XCTAssertEqual(mass, 1, accuracy: 1e-3, "tau = \(tau)")
    }
  }

  /// The score, velocity and time derivative are those of the mapped density, by central differences.
  func testScoreAndRatesAreDerivativesInDataUnits() {
    let model = ModelTestSupport.model(dimension: 2, seed: 5)
    let units = Self.units(dimension: 2)
    let x = [1.4, -2.0], tau = 4.2, h = 1e-5
    let rows = [(t: tau, x: x), (tau, [x[0] + h, x[1]]), (tau, [x[0] - h, x[1]]), (tau, [x[0], x[1] + h]), (tau, [x[0], x[1] - h]),
                (tau + h, x), (tau - h, x)]
    let f = fields(units, model, rows)
    let logRho = f.logDensity.scalars, score = f.score.scalars
    XCTAssertEqual(score[0], (logRho[1] - logRho[2]) / (2 * h), accuracy: 1e-6 * max(1, abs(score[0])))
    XCTAssertEqual(score[1], (logRho[3] - logRho[4]) / (2 * h), accuracy: 1e-6 * max(1, abs(score[1])))
    XCTAssertEqual(f.timeDerivativeOfLogDensity.scalars[0], (logRho[5] - logRho[6]) / (2 * h), accuracy: 1e-6)
    // The model's own density at the mapped point, corrected by the map's log-determinant.
    let z = T(shape: [1, 2], scalars: [(x[0] - 1) / 0.5, (x[1] + 3) / 4])
    let own = model.fields(t: T(shape: [1, 1], scalars: [(tau - 2) / 5]), x: z, differentiable: false).logDensity.scalars[0]
    XCTAssertEqual(logRho[0], own - log(0.5) - log(4), accuracy: 1e-12)
  }

  func testPointsMapBothWays() {
    let units = Self.units(dimension: 3)
    let x = T(shape: [2, 3], scalars: [1, 2, 3, -4, 5.5, 0])
    let z = units.modelPoints(x)
    XCTAssertEqual(z.scalars[0], 0, accuracy: 1e-15)
    XCTAssertEqual(z.scalars[1], (2 + 3) / 4.0, accuracy: 1e-15)
    XCTAssertEqual(units.dataPoints(z).scalars, x.scalars)
    XCTAssertEqual(units.modelTime(4.5), 0.5)
    XCTAssertEqual(units.problemTime(0.5), 4.5)
  }

  func testValidationNamesTheProblem() {
    func message(_ units: ProblemUnits, dimension: Int = 2) -> String {
      do { try units.validate(dimension: dimension); return "valid" } catch { return "\(error)" }
    }
    XCTAssertEqual(message(Self.units(dimension: 2)), "valid")
    XCTAssertTrue(message(ProblemUnits(scale: [1, 0])).contains("scale[1] = 0.0 must be finite and > 0"))
    XCTAssertTrue(message(ProblemUnits(shift: [1, 2, 3])).contains("3 shift values for dimension 2"))
    XCTAssertTrue(message(ProblemUnits(shift: [.nan, 0])).contains("shift[0]"))
    XCTAssertThrowsError(try Self.units(dimension: 1).checkTime(7.5, "--time")) { error in
      XCTAssertTrue("\(error)".contains("--time 7.5 lies outside the time horizon [2.0, 7.0]"), "\(error)")
    }
    XCTAssertNoThrow(try Self.units(dimension: 1).checkTime(7, "--time"))
  }

  /// Paths in data units: backward then forward along the ODE returns to the start, and the
  /// requested times are the rows of the result.
  func testPathsStopAtTheRequestedTimes() throws {
    let model = ModelTestSupport.model(dimension: 2, seed: 6)
    let units = Self.units(dimension: 2)
    var generator = SeededGenerator(seed: 1)
    let start = units.dataPoints(model.sample(at: 0.2, count: 8, using: &generator))
    let path = try units.integratePath(of: model, from: start, times: [3, 4, 6], steps: 300, noise: .zero, using: &generator)
    XCTAssertEqual(path.shape, [3, 8, 2])
    XCTAssertEqual(Array(path.scalars[0..<16]), start.scalars)
    let middle = try units.integratePath(of: model, from: start, times: [3, 4], steps: 100, noise: .zero, using: &generator)
    for i in 0..<16 { XCTAssertEqual(path.scalars[16 + i], middle.scalars[16 + i], accuracy: 1e-9) }
    let end = T(shape: [8, 2], scalars: Array(path.scalars[32..<48]))
    let back = try units.integratePath(of: model, from: end, times: [6, 3], steps: 300, noise: .zero, using: &generator)
    for i in 0..<16 { XCTAssertEqual(back.scalars[16 + i], start.scalars[i], accuracy: 1e-5 * max(1, abs(start.scalars[i]))) }
    XCTAssertThrowsError(try units.integratePath(of: model, from: start, times: [3, 8], steps: 10, noise: .zero, using: &generator))
    XCTAssertThrowsError(try units.integratePath(of: model, from: start, times: [4, 3], steps: 10, noise: .constant(1), using: &generator))
  }
}
