// The mean-field terms of the loss against the model's own exact density: their values against
// quadrature of rho_t over a grid, and their gradients (both estimators) against central
// differences of that quadrature along a fixed direction in parameter space.
import XCTest
import Foundation
import NCLSupport
import NCLHost
import _NCLTestSupport

final class MeanFieldTermTests: XCTestCase {
  /// V-neck's horizon and data map (T = 2, scale (4, 1.5)) with every other term switched off.
  static func settings(_ term: String, estimator: String) -> [(key: String, value: String)] {
    [("task", "v-neck"), ("model_size", "small"), ("batch", "2048"), ("estimator", estimator), ("control_weight", "0"),
     ("obstacle_weight", "0"), ("marginal_weight", "1e-6"), ("entropy_weight", term == "entropy" ? "1" : "0"),
     ("congestion_weight", term == "congestion" ? "1" : "0")]
  }

  /// T int_0^1 int rho log rho (entropy) or int rho^2 (congestion) in data units, by the midpoint
  /// rule on the model's coordinates: 8 times, a 160 x 160 grid on [-10, 10]^2 (the small model's
  /// mass outside is negligible at this precision; the test also checks the grid's total mass).
  static func quadrature(_ model: NCLModel<Float>, units: ProblemUnits, term: String) -> (value: Double, mass: Double) {
    let cells = 160, half = 10.0, h = 2 * half / Double(cells), times = 8
    var points: [Float] = []
    for a in 0..<cells { for b in 0..<cells { points += [Float(-half + (Double(a) + 0.5) * h), Float(-half + (Double(b) + 0.5) * h)] } }
    let x = Tensor<Float>(shape: [cells * cells, 2], scalars: points)
    let logScale = units.logScaleSum
    var value = 0.0, mass = 0.0
    for k in 0..<times {
      let t = Tensor<Float>(repeating: Float((Double(k) + 0.5) / Double(times)), shape: [1, 1])
      let logRho = model.detached().logDensity(t: t, x: x).scalars.map(Double.init)
      for l in logRho {
        let rho = exp(l), cell = rho * h * h
        mass += cell / Double(times)
        // In data units rho_data = rho_model / prod(scale): log rho shifts by -logScale, rho^2 integrates to int rho^2 / prod(scale).
        value += (term == "entropy" ? cell * (l - logScale) : cell * rho / exp(logScale)) / Double(times)
      }
    }
    return (units.horizonLength * value, mass)
  }

  func objective(_ settings: [(key: String, value: String)]) throws -> PluginObjective {
    let library = try MeanFieldPluginTests.library.get()
    return try PluginObjective(library: library, values: library.descriptor.resolve(settings))
  }

  /// The reported term against quadrature (within 4 standard errors of 2048 samples), and the
  /// loss gradient along a fixed unit direction v against (Q(theta + e v) - Q(theta - e v)) / 2e,
  /// averaged over independent batches (within 4 standard errors of that mean and 5 %).
  func check(term: String, estimator: String) throws {
    let o = try objective(Self.settings(term, estimator: estimator))
    let model = try NCLModel<Float>(configuration: o.problem.model, seed: 3)
    let exact = Self.quadrature(model, units: o.units, term: term)
    XCTAssertEqual(exact.mass, 1, accuracy: 2e-3, "grid mass")
    var random = SeededGenerator(seed: 9)
    let direction = model.parameters.map { p in (0..<p.count).map { _ in Float(random.nextNormal()) } }
    let norm = Float(direction.flatMap { $0 }.reduce(0) { $0 + Double($1 * $1) }.squareRoot())
    var values: [Double] = [], slopes: [Double] = []
    var generator = SeededGenerator(seed: 21)
    for _ in 0..<4 {
      let (loss, terms) = try o.loss(model: model, step: 1, generator: &generator)
      values.append(terms[term]!)
      let g = gradient(of: [loss], wrt: model.parameters)
      slopes.append(zip(g, direction).reduce(0.0) { s, pair in
        s + zip(pair.0.scalars, pair.1).reduce(0.0) { $0 + Double($1.0 * $1.1 / norm) }
      })
    }
    func meanAndError(_ v: [Double]) -> (Double, Double) {
      let m = v.reduce(0, +) / Double(v.count)
      let variance = v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)
      return (m, (variance / Double(v.count)).squareRoot())
    }
    let (value, valueError) = meanAndError(values)
    XCTAssertEqual(value, exact.value, accuracy: 4 * valueError + 0.01 * abs(exact.value), "\(term) \(estimator): value")
    let epsilon: Float = 1e-2
    func shifted(_ sign: Float) -> NCLModel<Float> {
      var copy = model
      copy.parameters = zip(model.parameters, direction).map { p, v in
        Tensor<Float>(shape: p.shape, scalars: zip(p.scalars, v).map { $0 + sign * epsilon * $1 / norm })
      }
      return copy
    }
    let numeric = (Self.quadrature(shifted(1), units: o.units, term: term).value
                   - Self.quadrature(shifted(-1), units: o.units, term: term).value) / (2 * Double(epsilon))
    let (slope, slopeError) = meanAndError(slopes)
    print("MeanField \(term) \(estimator): value \(value) +- \(valueError) vs \(exact.value); slope \(slope) +- \(slopeError) vs \(numeric)")
    XCTAssertEqual(slope, numeric, accuracy: 4 * slopeError + 0.05 * abs(numeric), "\(term) \(estimator): directional derivative")
  }

  func testEntropyPathwise() throws { try check(term: "entropy", estimator: "reparameterized") }
  func testEntropyScoreFunction() throws { try check(term: "entropy", estimator: "score") }
  func testCongestionPathwise() throws { try check(term: "congestion", estimator: "reparameterized") }
}
