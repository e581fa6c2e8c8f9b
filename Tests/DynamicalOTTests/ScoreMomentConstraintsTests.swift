// The hard marginal constraints' dual step (the constrained training run is in DynamicalOTTests).
import XCTest
@testable import DynamicalOTCore

final class ScoreMomentConstraintsTests: XCTestCase {
  /// Dual ascent: mu + rate c per entry, so a violation of one sign keeps pushing its multiplier
  /// that way, a satisfied constraint (c = 0) leaves it, and opposite violations cancel.
  func testDualAscentStep() {
    let mu = [0.5, -0.2, 0]
    XCTAssertEqual(ScoreMomentConstraints.updated(mu, violations: [0, 0, 0], rate: 0.01), mu)
    let once = ScoreMomentConstraints.updated(mu, violations: [1, -2, 0.5], rate: 0.01)
    for (value, expected) in zip(once, [0.51, -0.22, 0.005]) { XCTAssertEqual(value, expected, accuracy: 1e-15) }
    let back = ScoreMomentConstraints.updated(once, violations: [-1, 2, -0.5], rate: 0.01)
    for (value, expected) in zip(back, mu) { XCTAssertEqual(value, expected, accuracy: 1e-15) }
  }

  /// D + D^2 multipliers per constrained marginal (c1, then c2), all starting at zero: the first
  /// step is the soft objective's.
  func testMultipliersStartAtZeroAndUpdatePerMarginal() {
    var constraints = ScoreMomentConstraints(rate: 0.1, moments: [([0, 0], [1, 1]), ([1, 1], [2, 2])])
    XCTAssertEqual(constraints.dimension, 2)
    XCTAssertEqual(constraints.multipliers, [[0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]])
    constraints.update(marginal: 1, violations: [1, 2, 3, 4, 5, 6])
    XCTAssertEqual(constraints.multipliers[0], [0, 0, 0, 0, 0, 0], "marginal 0 untouched")
    for (value, expected) in zip(constraints.multipliers[1], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]) { XCTAssertEqual(value, expected, accuracy: 1e-15) }
  }
}
