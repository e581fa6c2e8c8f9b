// The hard marginal constraints' dual step and row scales (the constrained training run is in DynamicalOTTests).
import XCTest
@testable import DynamicalOTCore

final class ScoreMomentConstraintsTests: XCTestCase {
  /// Dual ascent: mu + rate clamp(c, -1, 1) per entry, so a violation of one sign keeps pushing its
  /// multiplier that way, a satisfied constraint (c = 0) leaves it, opposite violations cancel, and
  /// one step moves a multiplier by at most `rate` however large the violation.
  func testDualAscentStep() {
    let mu = [0.5, -0.2, 0]
    XCTAssertEqual(ScoreMomentConstraints.updated(mu, violations: [0, 0, 0], rate: 0.01), mu)
    let once = ScoreMomentConstraints.updated(mu, violations: [0.5, -0.25, 0.75], rate: 0.01)
    for (value, expected) in zip(once, [0.505, -0.2025, 0.0075]) { XCTAssertEqual(value, expected, accuracy: 1e-15) }
    let back = ScoreMomentConstraints.updated(once, violations: [-0.5, 0.25, -0.75], rate: 0.01)
    for (value, expected) in zip(back, mu) { XCTAssertEqual(value, expected, accuracy: 1e-15) }
    let clipped = ScoreMomentConstraints.updated(mu, violations: [182, -40, 1], rate: 0.01)
    for (value, expected) in zip(clipped, [0.51, -0.21, 0.01]) { XCTAssertEqual(value, expected, accuracy: 1e-15) }
  }

  /// What a checkpoint keeps (multipliers and Fisher information, read or not) restores into a
  /// fresh instance exactly.
  func testStateRestoresIntoAFreshInstance() {
    let moments: [(mean: [Double], std: [Double])] = [([0, 0], [1, 1]), ([1, 1], [2, 2])]
    var constraints = ScoreMomentConstraints(rate: 0.1, moments: moments)
    constraints.update(marginal: 1, violations: [0.1, -0.2, 0.3, 0.4, -0.5, 0.6])
    constraints.observe(marginal: 1, meanSquaredScore: [0.7, 1.3])
    XCTAssertEqual(constraints.state.count, constraints.stateCount)
    var fresh = ScoreMomentConstraints(rate: 0.1, moments: moments)
    XCTAssertNotEqual(fresh.state, constraints.state)
    fresh.restore(constraints.state)
    XCTAssertEqual(fresh.multipliers, constraints.multipliers)
    XCTAssertNil(fresh.fisher[0], "marginal 0's Fisher information was never read")
    XCTAssertEqual(fresh.fisher[1], constraints.fisher[1])
    XCTAssertEqual(fresh.state, constraints.state)
  }

  /// D + D^2 multipliers per constrained marginal (c1, then c2), all starting at zero: the first
  /// step is the soft objective's.
  func testMultipliersStartAtZeroAndUpdatePerMarginal() {
    var constraints = ScoreMomentConstraints(rate: 0.1, moments: [([0, 0], [1, 1]), ([1, 1], [2, 2])])
    XCTAssertEqual(constraints.dimension, 2)
    XCTAssertEqual(constraints.multipliers, [[0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]])
    constraints.update(marginal: 1, violations: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    XCTAssertEqual(constraints.multipliers[0], [0, 0, 0, 0, 0, 0], "marginal 0 untouched")
    for (value, expected) in zip(constraints.multipliers[1], [0.01, 0.02, 0.03, 0.04, 0.05, 0.06]) { XCTAssertEqual(value, expected, accuracy: 1e-15) }
  }

  /// Rows are scaled by min(sigma_i, 1 / sqrt(F_i)), F_i the running mean of the squared score on
  /// the marginal: a law with narrow modes (score larger than 1 / sigma) gets smaller rows, so its
  /// violations' noise stays near 1 / sqrt(n); a model broader than the data (small F, as at
  /// initialization) never inflates them beyond the Gaussian value sigma_i.
  func testRowsScaleByTheFisherInformation() {
    var constraints = ScoreMomentConstraints(rate: 0.1, moments: [([0, 0], [3, 0.5])])
    XCTAssertEqual(constraints.rowScales(marginal: 0), [3, 0.5], "before any minibatch: sigma")
    constraints.observe(marginal: 0, meanSquaredScore: [4, 0.25])
    XCTAssertEqual(constraints.rowScales(marginal: 0), [0.5, 0.5], "1 / sqrt(4) below sigma 3; 1 / sqrt(0.25) = 2 above sigma 0.5")
    constraints.observe(marginal: 0, meanSquaredScore: [104, 0.25])
    XCTAssertEqual(constraints.fisher[0]?[0] ?? 0, 4 + ScoreMomentConstraints.fisherDecay * 100, accuracy: 1e-12, "a running mean")
    XCTAssertEqual(ScoreMomentConstraints.averaged(nil, [7], decay: 0.5), [7])
    XCTAssertEqual(ScoreMomentConstraints.averaged([1], [3], decay: 0.5), [2])
  }
}
