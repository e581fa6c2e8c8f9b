// The tasks' obstacles (DeepGSB's definitions), the barrier against the hard indicator, and the
// barrier's hand-written gradient against central differences, in Double.
import XCTest
import NCLSupport
@testable import MeanFieldCore

final class ObstacleTests: XCTestCase {
  /// Points on either side of each boundary, placed from DeepGSB's formulas by hand.
  func testObstaclesAreDeepGSBs() {
    let gmm = CrowdTask.make(.gmm), neck = CrowdTask.make(.vNeck), tunnel = CrowdTask.make(.sTunnel)
    // Discs of radius 1.5 at (6, 6), (6, -6), (-6, -6).
    for (x, y, inside) in [(6.0, 6.0, true), (7.49, 6, true), (7.51, 6, false), (6, -4.51, true), (-6, -7.4, true), (-6, 6, false), (0, 0, false)] {
      XCTAssertEqual(gmm.insideObstacle(x, y), inside, "gmm (\(x), \(y))")
    }
    // 5 x^2 - y^2 < -0.36: the neck at x = 0 is |y| < 0.6; at x = 3 the wall starts at |y| = sqrt(45.36) = 6.735.
    for (x, y, inside) in [(0.0, 0.0, false), (0, 0.59, false), (0, 0.61, true), (0, -3, true), (3, 6.8, true), (3, -6.6, false), (7, 0, false), (-7, 1, false)] {
      XCTAssertEqual(neck.insideObstacle(x, y), inside, "v-neck (\(x), \(y))")
    }
    // 20 (x - 5)^2 + (y - 6)^2 < 90 and 20 (x + 5)^2 + (y + 6)^2 < 90.
    for (x, y, inside) in [(5.0, 6.0, true), (5, 15.4, true), (5, 15.6, false), (7.0, 6, true), (7.2, 6, false), (-5, -6, true), (-5, 3.4, true), (-5, 3.6, false), (0, 0, false), (-11, -1, false), (11, 1, false)] {
      XCTAssertEqual(tunnel.insideObstacle(x, y), inside, "s-tunnel (\(x), \(y))")
    }
    XCTAssertTrue(CrowdTask.make(.opinion).obstacles.isEmpty)
    // The default barrier margins leave the V-neck's passage open: its centre lies farther from the
    // walls (signed distance 0.36) than the margin plus three barrier widths.
    XCTAssertEqual(neck.obstacles[0].signedDistance(0, 0), 0.36, accuracy: 1e-12)
    XCTAssertLessThan(neck.barrierMargin + 3 * 0.1, neck.obstacles[0].signedDistance(0, 0) + 0.05)
    XCTAssertEqual(tunnel.barrierMargin, 0.5)
    XCTAssertEqual(gmm.barrierMargin, 0.5)
    // The GMM's discs block three of its modes' straight paths: a stronger barrier; its eight-mode
    // target gets the multimodal marginal weight.
    XCTAssertEqual(gmm.obstacleWeight, 6000)
    XCTAssertEqual(neck.obstacleWeight, 1500)
    XCTAssertTrue(gmm.hasMultimodalTarget)
    XCTAssertFalse(neck.hasMultimodalTarget || tunnel.hasMultimodalTarget || CrowdTask.make(.opinion).hasMultimodalTarget)
    // estimator=task: the score function in the plane, the pathwise gradient in d = 100.
    XCTAssertTrue(gmm.prefersScoreFunction && neck.prefersScoreFunction && CrowdTask.make(.opinion).prefersScoreFunction)
    XCTAssertFalse(CrowdTask.make(.opinionHigh).prefersScoreFunction)
  }

  /// The barrier is width ln 2 on the boundary, above it exactly where the indicator is 1, decreasing
  /// along the outward normal, vanishing a few widths outside and growing like the depth inside;
  /// the signed distance has slope |grad q| / sqrt(|grad q|^2 + 1) across the boundary.
  func testBarrierAgainstIndicator() {
    let width = 0.1
    let disc = Obstacle.disc(center: (6, 6), radius: 1.5)
    XCTAssertEqual(disc.barrier(7.5, 6, width: width), width * log(2), accuracy: 1e-12)
    XCTAssertEqual(disc.signedDistance(7.5 + 1e-4, 6) / 1e-4, 3 / 10.0.squareRoot(), accuracy: 1e-3)
    var random = SeededGenerator(seed: 3)
    for task in [CrowdTask.make(.gmm), .make(.vNeck), .make(.sTunnel)] {
      for _ in 0..<400 {
        let x = 30 * random.nextUniform() - 15, y = 30 * random.nextUniform() - 15
        for o in task.obstacles {
          let b = o.barrier(x, y, width: width)
          XCTAssertEqual(b > width * log(2), o.contains(x, y), "\(task.kind) (\(x), \(y)): barrier \(b)")
          let d = o.signedDistance(x, y)
          if d > 5 * width { XCTAssertLessThan(b, width * exp(-4.9)) }
          if d < -5 * width { XCTAssertEqual(b, -d, accuracy: 0.01 * -d) }
        }
      }
    }
    // The margin moves the barrier's level set width ln 2 from the boundary (d = 0) out to d = margin.
    let margin = 0.3
    for (x, y) in [(7.5, 6.0), (6, 7.9), (4.0, 5), (6.3, 4.2)] {
      let d = disc.signedDistance(x, y)
      XCTAssertEqual(disc.barrier(x, y, width: width, margin: margin),
                     width * log1p(exp((margin - d) / width)), accuracy: 1e-12)
    }
    var (inner, outer) = (7.5, 9.0)  // bisection for the point outside the disc with d = margin
    for _ in 0..<60 { let mid = (inner + outer) / 2; if disc.signedDistance(mid, 6) < margin { inner = mid } else { outer = mid } }
    XCTAssertGreaterThan(inner, 7.6)
    XCTAssertEqual(disc.barrier(inner, 6, width: width, margin: margin), width * log(2), accuracy: 1e-9)
    XCTAssertGreaterThan(disc.barrier(7.5, 6, width: width, margin: margin), 2.9 * width)
    var previous = Double.infinity
    for k in 0..<40 {
      let b = disc.barrier(6 + 1.0 + 0.025 * Double(k), 6, width: width)
      XCTAssertLessThan(b, previous)
      previous = b
    }
  }

  /// The VJP of the barrier function (what the pathwise gradient uses) against central differences.
  func testBarrierGradientByFiniteDifferences() {
    var random = SeededGenerator(seed: 11)
    for task in [CrowdTask.make(.gmm), .make(.vNeck), .make(.sTunnel)] {
      let barrier = ObstacleBarrier(obstacles: task.obstacles, width: 0.3, margin: 0.2)
      // Points near the obstacles' boundaries and centres, where the barrier varies most.
      var points: [Double] = []
      for o in task.obstacles {
        for _ in 0..<10 {
          points += [o.center.0 + 3 * random.nextNormal(), o.center.1 + 3 * random.nextNormal()]
        }
      }
      let n = points.count / 2
      let v = (0..<n).map { _ in random.nextNormal() }
      let analytic = barrier.vectorJacobianProduct(points, v)
      let h = 1e-6
      for k in 0..<points.count {
        var plus = points, minus = points
        plus[k] += h
        minus[k] -= h
        let numeric = zip(zip(barrier.values(plus), barrier.values(minus)), v).reduce(0) { $0 + ($1.0.0 - $1.0.1) / (2 * h) * $1.1 }
        XCTAssertEqual(analytic[k], numeric, accuracy: 1e-5 * max(1, abs(numeric)), "\(task.kind) coordinate \(k)")
      }
    }
  }

  /// The transport scale E|X1 - X0|^2 / (2 sigma^2 T) of independent draws against Monte Carlo, and
  /// the marginal weight it gives by default (a set weight is kept; the floor for tasks whose laws barely differ).
  func testTransportScaleAndDefaultMarginalWeight() {
    var random = SeededGenerator(seed: 17)
    for (kind, sigma) in [(TaskKind.gmm, 1.0), (.vNeck, 1), (.sTunnel, 1), (.sTunnel, 0.5), (.opinion, 0.1)] {
      let task = CrowdTask.make(kind), n = 200_000
      let x0 = task.initial.sample(n, using: &random), x1 = task.target.sample(n, using: &random)
      let meanSquare = zip(x0, x1).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(n)
      let scale = task.transportScale(sigma: sigma)
      XCTAssertEqual(scale, meanSquare / (2 * sigma * sigma * task.horizon), accuracy: 0.01 * scale, "\(kind) sigma \(sigma)")
      let factor = kind == .gmm ? Settings.multimodalMarginalFactor : Settings.marginalFactor
      XCTAssertEqual(Settings.marginalWeight(requested: -1, task: task, sigma: sigma), max(50, factor * scale), accuracy: 1e-9)
      XCTAssertEqual(Settings.marginalWeight(requested: 3, task: task, sigma: sigma), 3)
    }
    XCTAssertEqual(CrowdTask.make(.gmm).transportScale(sigma: 1), 130, accuracy: 1e-9)  // (2 + 256 + 2) / 2
    XCTAssertEqual(Settings.marginalWeight(requested: -1, task: .make(.opinion), sigma: 100), 50)
  }

  /// The stratified W2's counts: proportional to the shares (largest remainders), summing to the total.
  func testApportion() {
    XCTAssertEqual(Evaluation.apportion(10, shares: [1, 1, 1]), [4, 3, 3])
    XCTAssertEqual(Evaluation.apportion(2000, shares: [Double](repeating: 0.125, count: 8)), [Int](repeating: 250, count: 8))
    let shares = [0.31, 0.0004, 0.2, 0.4896, 0.0]
    let counts = Evaluation.apportion(2000, shares: shares)
    XCTAssertEqual(counts.reduce(0, +), 2000)
    for (c, s) in zip(counts, shares) { XCTAssertEqual(Double(c), 2000 * s, accuracy: 1) }
  }

  /// The polarizing drift against its formula for points at one time (the kernel weights all 1):
  /// b_i = s m(t) sign(<x_i, xi>) B / sqrt|B|, B = mean_j sign(<x_j, xi>) x_j / sqrt|x_j|; m switches
  /// the drift off at T; xi_t are unit vectors.
  func testOpinionDriftFormula() {
    let drift = OpinionDrift(dimension: 3, horizon: 3, strength: 6)
    XCTAssertEqual(drift.steps, 300)
    for k in [0, 150, 299] {
      let xi = drift.directions[(3 * k)..<(3 * k + 3)]
      XCTAssertEqual(xi.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-12)
    }
    XCTAssertEqual(drift.multiplier(0), 1, accuracy: 1e-6)
    XCTAssertLessThan(drift.multiplier(3), 1e-19)
    var random = SeededGenerator(seed: 5)
    let n = 7, t = 1.234
    let x = (0..<(n * 3)).map { _ in random.nextNormal() }
    let b = drift.drift(x: x, t: [Double](repeating: t, count: n), bandwidth: 0.1)
    let xi = Array(drift.direction(at: t))
    func sign(_ j: Int) -> Double { (0..<3).reduce(0) { $0 + x[3 * j + $1] * xi[$1] } >= 0 ? 1 : -1 }
    var mean = [0.0, 0, 0]
    for j in 0..<n {
      let norm = (0..<3).reduce(0) { $0 + x[3 * j + $1] * x[3 * j + $1] }.squareRoot()
      for k in 0..<3 { mean[k] += sign(j) * x[3 * j + k] / norm.squareRoot() / Double(n) }
    }
    let size = mean.reduce(0) { $0 + $1 * $1 }.squareRoot()
    for i in 0..<n {
      for k in 0..<3 {
        XCTAssertEqual(b[3 * i + k], 6 * drift.multiplier(t) * sign(i) * mean[k] / size.squareRoot(), accuracy: 1e-12)
      }
    }
  }
}
