// The mode-share constraint: its dual step, its likelihood weights, its importance-weighted and
// quadrature shares, and that the closed loop cancels a constant pull on the weights.
import XCTest
import NCLSupport
@testable import MeanFieldCore

final class ModeShareConstraintTests: XCTestCase {
  let ring = GaussianMixture.ring(count: 8, radius: 16, std: 1)

  /// A mode short of mass gains multiplier, one with too much loses it; the multipliers stay
  /// centred, and a huge violation moves its multiplier by at most the rate (before centring).
  func testDualStep() {
    let w = [Double](repeating: 0.125, count: 8)
    var errors = [Double](repeating: 0, count: 8)
    errors[0] = -0.01
    errors[1] = 0.01
    let mu = ModeShareConstraint.updated([Double](repeating: 0, count: 8), shareErrors: errors, targetShares: w, rate: 0.1)
    XCTAssertEqual(mu[0], 0.1 * 0.08, accuracy: 1e-12)
    XCTAssertEqual(mu[1], -0.1 * 0.08, accuracy: 1e-12)
    XCTAssertEqual(mu.reduce(0, +), 0, accuracy: 1e-12)
    errors[0] = -0.12
    errors[1] = 0.5
    let clamped = ModeShareConstraint.updated([Double](repeating: 0, count: 8), shareErrors: errors, targetShares: w, rate: 0.1)
    XCTAssertEqual(clamped[0] - clamped[2], 0.1 * 0.96, accuracy: 1e-12)
    XCTAssertEqual(clamped[1] - clamped[2], -0.1, accuracy: 1e-12)
    // A mode that stays empty (a broken-down model) cannot wind its multiplier up without bound.
    var wound = [Double](repeating: 0, count: 8)
    errors = [Double](repeating: 0.125 / 7, count: 8)
    errors[3] = -0.125
    for _ in 0..<10_000 { wound = ModeShareConstraint.updated(wound, shareErrors: errors, targetShares: w, rate: 0.01) }
    XCTAssertEqual(wound[3], ModeShareConstraint.multiplierBound, accuracy: 1e-12)
    XCTAssertTrue(wound.allSatisfy { abs($0) <= ModeShareConstraint.multiplierBound })
  }

  /// The likelihood's weights average to 1 over p1 (the soft constraint's scale is unchanged) and
  /// favour the modes whose multipliers are up.
  func testFactorsAverageToOneOverP1() {
    let c = ModeShareConstraint(target: ring, rate: 0.5)
    var random = SeededGenerator(seed: 3)
    let points = ring.sample(800, using: &random, stratified: true)
    let cells = ring.nearestComponents(points)
    // A law with mode 0 short and mode 4 over: one step moves the multipliers.
    var weights = [Double](repeating: 1, count: 8)
    weights[0] = 0.8
    weights[4] = 1.2
    let model = GaussianMixture(zip(ring.components, weights).map { .init(weight: $1, mean: $0.mean, std: $0.std) })
    c.update(points: points, cells: cells, logDensity: (0..<800).map { model.logDensity([points[2 * $0], points[2 * $0 + 1]]) })
    XCTAssertGreaterThan(c.multipliers[0], 0)
    XCTAssertLessThan(c.multipliers[4], 0)
    let f = c.factors(cells: Array(0..<8))
    XCTAssertEqual(zip(f, ring.components).reduce(0) { $0 + $1.0 * $1.1.weight }, 1, accuracy: 1e-12)
    XCTAssertGreaterThan(f[0], 1)
    XCTAssertLessThan(f[4], 1)
  }

  /// (1/n) sum_{cell k} rho / p1 on a stratified batch of p1: exactly the cells' shares (1/8) when
  /// rho = p1, and within Monte Carlo error of rho's weights for a reweighted ring.
  func testImportanceShares() {
    var random = SeededGenerator(seed: 4)
    let n = 40_000, points = ring.sample(n, using: &random, stratified: true), cells = ring.nearestComponents(points)
    let exact = ModeShareConstraint.importanceShares(ring, points: points, cells: cells,
                                                       logDensity: (0..<n).map { ring.logDensity([points[2 * $0], points[2 * $0 + 1]]) })
    for s in exact { XCTAssertEqual(s, 0.125, accuracy: 1e-9) }
    let weights = (0..<8).map { 1 + 0.05 * Double($0) }, total = weights.reduce(0, +)
    let model = GaussianMixture(zip(ring.components, weights).map { .init(weight: $1, mean: $0.mean, std: $0.std) })
    let shares = ModeShareConstraint.importanceShares(ring, points: points, cells: cells,
                                                        logDensity: (0..<n).map { model.logDensity([points[2 * $0], points[2 * $0 + 1]]) })
    for (s, w) in zip(shares, weights) { XCTAssertEqual(s, w / total, accuracy: 1e-6) }
  }

  /// The quadrature on the task's grid integrates a known density over the cells: p1 itself gives
  /// its weights, a reweighted ring its new weights, both to 1e-6; the grid is for 2-D targets only.
  func testQuadratureShares() throws {
    let grid = try XCTUnwrap(ModeShareQuadrature(target: ring, perAxis: CrowdTask.make(.gmm).modeShareGrid))
    XCTAssertEqual(grid.count, 200 * 200)
    func logDensity(_ law: GaussianMixture, on grid: ModeShareQuadrature) -> [Double] {
      (0..<grid.count).map { law.logDensity([grid.points[2 * $0], grid.points[2 * $0 + 1]]) }
    }
    for s in grid.shares(logDensity: logDensity(ring, on: grid)) { XCTAssertEqual(s, 0.125, accuracy: 1e-6) }
    let weights = (0..<8).map { 1 + 0.05 * Double($0) }, total = weights.reduce(0, +)
    let model = GaussianMixture(zip(ring.components, weights).map { .init(weight: $1, mean: $0.mean, std: $0.std) })
    for (s, w) in zip(grid.shares(logDensity: logDensity(model, on: grid)), weights) { XCTAssertEqual(s, w / total, accuracy: 1e-6) }
    // A coarse grid is visibly worse (its nodes 2.2 units apart), so the test can fail.
    let coarse = try XCTUnwrap(ModeShareQuadrature(target: ring, perAxis: 20))
    let coarseShares = coarse.shares(logDensity: logDensity(ring, on: coarse))
    XCTAssertGreaterThan(coarseShares.map { abs($0 - 0.125) }.max()!, 1e-6)
    XCTAssertNil(ModeShareQuadrature(target: GaussianMixture(mean: [0, 0, 0], std: [1, 1, 1]), perAxis: 50))
  }

  /// The closed loop: a "model" whose weights follow the likelihood's reweighted law but with a
  /// constant pull (some modes cost more to reach) ends, after enough dual steps, with p1's weights.
  func testDualAscentCancelsAConstantPull() {
    let w = [Double](repeating: 0.125, count: 8), pull = (0..<8).map { 1 + 0.02 * sin(Double($0)) }
    var mu = [Double](repeating: 0, count: 8)
    func shares(_ mu: [Double]) -> [Double] {
      let raw = (0..<8).map { w[$0] * exp(mu[$0]) * pull[$0] }, total = raw.reduce(0, +)
      return raw.map { $0 / total }
    }
    let before = zip(shares(mu), w).map { abs($0 - $1) }.max()!
    for _ in 0..<5000 { mu = ModeShareConstraint.updated(mu, shareErrors: zip(shares(mu), w).map { $0 - $1 }, targetShares: w, rate: 0.01) }
    let after = zip(shares(mu), w).map { abs($0 - $1) }.max()!
    XCTAssertGreaterThan(before, 1e-3)
    XCTAssertLessThan(after, 1e-6)
  }
}
