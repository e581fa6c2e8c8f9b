// Continuity and Fokker-Planck residuals of every flux construction, by finite differences in Double.
import XCTest
import NCLHost

final class FluxIdentityTests: XCTestCase {
  typealias Support = ModelTestSupport

  static let constructions: [(String, FluxConstruction)] = [
    ("telescoping", .telescoping(tau: 1)), ("telescoping tau 2.5", .telescoping(tau: 2.5)),
    ("naive", .naive), ("knothe-rosenblatt", .knotheRosenblatt), ("factorized", .factorized),
  ]

  /// |d_t rho + div(rho u)| must be 1e4 times smaller than |d_t rho| at random points.
  func assertContinuity(_ model: NCLModel<Double>, noise: NoiseSchedule = .zero, label: String) {
    let (t, x) = Support.randomPoints(6, dimension: model.dimension, seed: 11)
    let terms = Support.fokkerPlanckTerms(model, t: t, x: x, noise: noise)
    let g2 = noise(0.5) * noise(0.5)  // only constant schedules are used here
    var largestRate = 0.0
    for (p, term) in terms.enumerated() {
      let residual = term.dtRho + term.divergence - g2 * term.halfLaplacian
      largestRate = max(largestRate, abs(term.dtRho / term.rho))
      XCTAssertLessThan(abs(residual), 1e-4 * abs(term.dtRho) + 1e-12,
                        "\(label), D=\(model.dimension), point \(p): d_t rho \(term.dtRho), residual \(residual)")
    }
    // The identity is only informative if the density actually moves: |d_t log rho| is not small.
    XCTAssertGreaterThan(largestRate, 0.05, "\(label), D=\(model.dimension): density barely moves; the test has no power")
  }

  func testContinuityForEveryConstructionAndDimension() {
    for (label, flux) in Self.constructions {
      for dimension in [1, 2, 3, 5] {
        assertContinuity(Support.model(dimension: dimension, flux: flux), label: label)
      }
    }
  }

  func testContinuityWithDivergenceFreeTerm() {
    for dimension in [2, 3] {
      assertContinuity(Support.model(dimension: dimension, divergenceFree: true), label: "telescoping + div-free")
    }
    assertContinuity(Support.model(dimension: 5, flux: .knotheRosenblatt, divergenceFree: true), label: "knothe-rosenblatt + div-free")
  }

  func testFokkerPlanckForPositiveNoise() {
    for (label, flux) in Self.constructions {
      for dimension in [1, 2, 3] {
        assertContinuity(Support.model(dimension: dimension, flux: flux), noise: .constant(0.8), label: "\(label), g=0.8")
      }
    }
  }

  func testDriftChangesWithNoiseButNotTheDensity() {
    let model = Support.model(dimension: 2)
    let (t, x) = Support.randomPoints(4, dimension: 2, seed: 3)
    let rows = Array(zip(t, x)).map { (t: $0.0, x: $0.1) }
    let plain = Support.evaluate(model, rows) { $0.drift(noise: .zero) }
    let noisy = Support.evaluate(model, rows) { $0.drift(noise: .constant(1)) }
    let score = Support.evaluate(model, rows) { $0.score }
    for i in 0..<plain.count {
      XCTAssertEqual(noisy.scalars[i], plain.scalars[i] + 0.5 * score.scalars[i], accuracy: 1e-12)
    }
  }
}

/// Fields at one time shared by the batch (the conditioner's blocked path) equal the fields at
/// that time repeated per row (its dense path), for every construction.
final class SharedTimeFieldTests: XCTestCase {
  func testSharedTimeGivesThePerRowFields() {
    let cases = FluxIdentityTests.constructions.map { ($0.0, $0.1, false) } + [("div-free", .default, true)]
    for (label, flux, divergenceFree) in cases {
      for dimension in [1, 2, 3] where !(divergenceFree && dimension == 1) {
        let model = ModelTestSupport.model(dimension: dimension, flux: flux, divergenceFree: divergenceFree)
        var g = SeededGenerator(seed: 12)
        let x = Tensor<Double>.randomNormal([7, dimension], using: &g)
        let shared = model.fields(t: Tensor(0.4), x: x, differentiable: false)
        let perRow = model.fields(t: Tensor(repeating: 0.4, shape: [7, 1]), x: x, differentiable: false)
        let pairs: [(String, Tensor<Double>, Tensor<Double>)] = [
          ("log density", shared.logDensity, perRow.logDensity),
          ("d_t log rho", shared.timeDerivativeOfLogDensity, perRow.timeDerivativeOfLogDensity),
          ("score", shared.score, perRow.score),
          ("velocity", shared.velocity, perRow.velocity),
          ("drift", shared.drift(noise: .constant(0.7)), perRow.drift(noise: .constant(0.7))),
        ]
        for (name, a, b) in pairs {
          XCTAssertEqual(a.shape, b.shape, "\(label) D=\(dimension) \(name)")
          let error = zip(a.scalars, b.scalars).map { abs($0 - $1) / max(1, abs($1)) }.max()!
          XCTAssertLessThan(error, 1e-12, "\(label) D=\(dimension) \(name)")
        }
      }
    }
  }
}
