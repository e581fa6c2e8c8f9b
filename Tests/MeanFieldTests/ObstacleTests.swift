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
      let barrier = ObstacleBarrier(obstacles: task.obstacles, width: 0.3)
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
