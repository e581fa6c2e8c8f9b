// The mean-field terms of the loss against the model's own exact density: their values against
// quadrature of rho_t over a grid, and their gradients (both estimators) against central
// differences of that quadrature along a fixed direction in parameter space.
import XCTest
import Foundation
import NCLSupport
import NCLHost
import _NCLTestSupport

final class MeanFieldTermTests: XCTestCase {
  /// V-neck's horizon and data map (T = 2, scale (4, 1.5)) with every other term switched off (the
  /// reverse KL too: its gradient is large enough at an untrained model to show even at weight 1e-6).
  static func settings(_ term: String, estimator: String, batch: Int = 512) -> [(key: String, value: String)] {
    [("task", "v-neck"), ("model_size", "small"), ("batch", "\(batch)"), ("estimator", estimator), ("control_weight", "0"),
     ("obstacle_weight", "0"), ("marginal_weight", "1e-6"), ("reverse_kl", term == "none" ? "true" : "false"), ("entropy_weight", term == "entropy" ? "1" : "0"),
     ("congestion_weight", term == "congestion" ? "1" : "0")]
  }

  /// T int_0^1 int rho log rho (entropy) or int rho^2 (congestion) in data units: 4-point
  /// Gauss-Legendre in time, the midpoint rule on a 160 x 160 grid on [-12, 12]^2 of the model's
  /// coordinates (the small model's
  /// mass outside is negligible at this precision; the test also checks the grid's total mass).
  static func quadrature(_ model: NCLModel<Float>, units: ProblemUnits, term: String) -> (value: Double, mass: Double) {
    let cells = 160, half = 12.0, h = 2 * half / Double(cells)
    let nodes = [(0.0694318442029737, 0.1739274225687269), (0.3300094782075719, 0.3260725774312731),
                 (0.6699905217924281, 0.3260725774312731), (0.9305681557970263, 0.1739274225687269)]
    var points: [Float] = []
    for a in 0..<cells { for b in 0..<cells { points += [Float(-half + (Double(a) + 0.5) * h), Float(-half + (Double(b) + 0.5) * h)] } }
    let x = Tensor<Float>(shape: [cells * cells, 2], scalars: points)
    let logScale = units.logScaleSum
    var value = 0.0, mass = 0.0
    for (node, weight) in nodes {
      let t = Tensor<Float>(repeating: Float(node), shape: [1, 1])
      let logRho = model.detached().logDensity(t: t, x: x).scalars.map(Double.init)
      for l in logRho {
        let rho = exp(l), cell = rho * h * h
        mass += cell * weight
        // In data units rho_data = rho_model / prod(scale): log rho shifts by -logScale, rho^2 integrates to int rho^2 / prod(scale).
        value += (term == "entropy" ? cell * (l - logScale) : cell * rho / exp(logScale)) * weight
      }
    }
    return (units.horizonLength * value, mass)
  }

  func objective(_ settings: [(key: String, value: String)]) throws -> PluginObjective {
    let library = try MeanFieldPluginTests.library.get()
    return try PluginObjective(library: library, values: library.descriptor.resolve(settings))
  }

  /// The reported term against quadrature (within 4 standard errors of the batches' mean and 1 %),
  /// and the loss gradient along a fixed unit direction v against (Q(theta + e v) - Q(theta - e v)) / 2e,
  /// averaged over 4 independent batches (within 4 standard errors of that mean and 5 %), for each estimator.
  func check(term: String, estimators: [(name: String, batch: Int)]) throws {
    let units = try objective(Self.settings(term, estimator: "score")).units
    let model = try NCLModel<Float>(configuration: try objective(Self.settings(term, estimator: "score")).problem.model, seed: 3)
    let exact = Self.quadrature(model, units: units, term: term)
    XCTAssertEqual(exact.mass, 1, accuracy: 3e-3, "grid mass")
    var random = SeededGenerator(seed: 9)
    let direction = model.parameters.map { p in (0..<p.count).map { _ in Float(random.nextNormal()) } }
    let norm = Float(direction.flatMap { $0 }.reduce(0) { $0 + Double($1 * $1) }.squareRoot())
    let epsilon: Float = 1e-2
    func shifted(_ sign: Float) -> NCLModel<Float> {
      var copy = model
      copy.parameters = zip(model.parameters, direction).map { p, v in
        Tensor<Float>(shape: p.shape, scalars: zip(p.scalars, v).map { $0 + sign * epsilon * $1 / norm })
      }
      return copy
    }
    let numeric = (Self.quadrature(shifted(1), units: units, term: term).value
                   - Self.quadrature(shifted(-1), units: units, term: term).value) / (2 * Double(epsilon))
    func meanAndError(_ v: [Double]) -> (Double, Double) {
      let m = v.reduce(0, +) / Double(v.count)
      let variance = v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)
      return (m, (variance / Double(v.count)).squareRoot())
    }
    for (estimator, batch) in estimators {
      let o = try objective(Self.settings(term, estimator: estimator, batch: batch))
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
      let (value, valueError) = meanAndError(values), (slope, slopeError) = meanAndError(slopes)
      print("MeanField \(term) \(estimator): value \(value) +- \(valueError) vs \(exact.value); slope \(slope) +- \(slopeError) vs \(numeric)")
      XCTAssertEqual(value, exact.value, accuracy: 4 * valueError + 0.01 * abs(exact.value), "\(term) \(estimator): value")
      XCTAssertEqual(slope, numeric, accuracy: 4 * slopeError + 0.05 * abs(numeric), "\(term) \(estimator): directional derivative")
    }
  }

  /// The entropy's total derivative, through the samples and through log rho at them (pathwise),
  /// and by the score function.
  func testEntropyValueAndGradient() throws {
    try check(term: "entropy", estimators: [("reparameterized", 512), ("score", 1024)])
  }

  /// KL(rho_0 || p0) as the loss reports it (the law's log-density in host operations) against
  /// quadrature with `GaussianMixture.logDensity`, on a grid wide enough for the quadratic tail of
  /// -log p0 (200 x 200 on [-16, 16]^2 in model coordinates).
  func testReverseKLValue() throws {
    let settings = Self.settings("none", estimator: "reparameterized", batch: 2048)
    let o = try objective(settings)
    let model = try NCLModel<Float>(configuration: o.problem.model, seed: 3)
    let units = o.units, s = Double(0.2).squareRoot(), law = GaussianMixture(mean: [-7, 0], std: [s, s])
    let cells = 200, half = 16.0, h = 2 * half / Double(cells)
    var points: [Float] = []
    for a in 0..<cells { for b in 0..<cells { points += [Float(-half + (Double(a) + 0.5) * h), Float(-half + (Double(b) + 0.5) * h)] } }
    let logRho = model.detached().logDensity(t: Tensor<Float>(repeating: 0, shape: [1, 1]), x: Tensor<Float>(shape: [cells * cells, 2], scalars: points)).scalars
    var kl = 0.0
    for (k, l) in logRho.enumerated() {
      let x = (0..<2).map { units.shift[$0] + units.scale[$0] * Double(points[2 * k + $0]) }
      kl += exp(Double(l)) * h * h * (Double(l) - units.logScaleSum - law.logDensity(x))
    }
    var values: [Double] = []
    var generator = SeededGenerator(seed: 4)
    for _ in 0..<3 { values.append(try o.loss(model: model, step: 1, generator: &generator).terms["reverse_kl0"]!) }
    let mean = values.reduce(0, +) / 3, spread = values.map { abs($0 - mean) }.max()!
    print("MeanField reverse KL0: \(values) vs quadrature \(kl)")
    XCTAssertEqual(mean, kl, accuracy: 3 * spread + 0.02 * kl)
  }

  func testCongestionValueAndGradient() throws {
    try check(term: "congestion", estimators: [("reparameterized", 1024)])
  }
}
