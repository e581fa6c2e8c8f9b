// The exact answers behind the SOC benchmarks, in Double, against closed forms, finite differences,
// Monte Carlo of the optimal SDE and grid refinement.
import XCTest
import Foundation
import NCLSupport
@testable import SOCCore

final class ExactSolutionTests: XCTestCase {
  // MARK: - Linear algebra

  func testMatrixExponentialAndSquareRoot() {
    let theta = 1.3
    let rotation = Matrix(rows: 2, columns: 2, values: [0, -theta, theta, 0]).exponential
    let expected = [cos(theta), -sin(theta), sin(theta), cos(theta)]
    for (a, b) in zip(rotation.values, expected) { XCTAssertEqual(a, b, accuracy: 1e-13) }
    var random = SeededGenerator(seed: 3)
    let a = Matrix(rows: 4, columns: 4, values: random.normals(16, std: 2))
    let product = a.exponential * (-1 * a).exponential
    XCTAssertLessThan((product - .identity(4)).norm, 1e-10, "exp(A) exp(-A) = I")
    for (a, b) in zip(Matrix.diagonal([0.5, -2]).exponential.values, [Foundation.exp(0.5), 0, 0, Foundation.exp(-2.0)]) { XCTAssertEqual(a, b, accuracy: 1e-14) }
    let s = a * a.transposed + .identity(4)
    let root = s.symmetricSquareRoot
    XCTAssertLessThan((root * root - s).norm, 1e-10 * s.norm)
    XCTAssertLessThan((s * s.inverse! - .identity(4)).norm, 1e-12)
  }

  /// Gaussian W2 against closed forms: commuting covariances, sum (sqrt a - sqrt b)^2; in 2-D,
  /// tr sqrt(M) = sqrt(tr M + 2 sqrt(det M)) for M = S1^1/2 S2 S1^1/2.
  func testGaussianW2ClosedForms() {
    let w = gaussianW2Squared(mean1: [1, 0], covariance1: .diagonal([4, 1]), mean2: [0, 2], covariance2: .diagonal([1, 9]))
    XCTAssertEqual(w, 1 + 4 + 1 + 4, accuracy: 1e-12)
    let s1 = Matrix(rows: 2, columns: 2, values: [2, 0.5, 0.5, 1]), s2 = Matrix(rows: 2, columns: 2, values: [1, -0.3, -0.3, 0.5])
    let r = s1.symmetricSquareRoot, m = r * s2 * r
    let det = m[0, 0] * m[1, 1] - m[0, 1] * m[1, 0]
    let crossTrace = (m.trace + 2 * det.squareRoot()).squareRoot()
    XCTAssertEqual(gaussianW2Squared(mean1: [0, 0], covariance1: s1, mean2: [0, 0], covariance2: s2),
                   s1.trace + s2.trace - 2 * crossTrace, accuracy: 1e-12)
    let (mean, covariance) = meanAndCovariance([0, 0, 2, 0, 0, 2, 2, 2], dimension: 2)
    XCTAssertEqual(mean, [1, 1])
    XCTAssertEqual(covariance.values, [4.0 / 3, 0, 0, 4.0 / 3])
  }

  // MARK: - Quadratic OU

  /// Scalar Riccati f' = 2 s^2 f^2 - 2 a f - p, f(T) = q, in closed form: with r1 > r2 the roots of
  /// 2 s^2 r^2 - 2 a r - p, (f - r1)/(f - r2) = C exp(2 s^2 (r1 - r2) t).
  func testRiccatiAgainstTheClosedForm() {
    for (a, p, q, s) in [(1.0, 1.0, 0.5, 1.0), (0.2, 0.2, 0.1, 1.0), (-0.7, 0.3, 2.0, 0.6)] {
      let d = 3
      let solution = RiccatiSolution(a: .identity(d, scale: a), sigma: .identity(d, scale: s), p: .identity(d, scale: p),
                                     q: .identity(d, scale: q), lambda: 1, horizon: 1)
      let disc = (4 * a * a + 8 * s * s * p).squareRoot()
      let r1 = (2 * a + disc) / (4 * s * s), r2 = (2 * a - disc) / (4 * s * s), k = 2 * s * s * (r1 - r2)
      let c = (q - r1) / (q - r2) / exp(k * 1)
      for t in [0.0, 0.3, 0.77, 1.0] {
        let e = c * exp(k * t), exact = (r1 - e * r2) / (1 - e)
        let f = solution.riccati(at: t)
        XCTAssertEqual(f[1, 1], exact, accuracy: 1e-8 * max(1, abs(exact)), "a=\(a) p=\(p) q=\(q) s=\(s) t=\(t)")
        XCTAssertEqual(f[0, 1], 0, accuracy: 1e-12)
        XCTAssertEqual(solution.control(t: t, x: [1, -2, 0.5])[1], -2 * s * exact * -2, accuracy: 1e-7)
      }
    }
  }

  /// The optimal cost x0'F(0)x0 + s^2 tr F(0) + lambda int tr(sigma sigma' F), the Gaussian marginals
  /// of the optimal process and its control, against Euler-Maruyama paths of that process (pure Swift).
  func testQuadraticOptimalCostAndMarginalsAgainstMonteCarlo() {
    var problem = ControlProblem.quadratic(hard: true, dimension: 2, lambda: 1, horizon: 1, initialStd: 0.1, initialMean: nil, seed: 0)
    let exact = problem.exact!
    let simulated = Self.simulateOptimal(problem, paths: 4000, steps: 100, seed: 1)
    let optimal = exact.optimalCost(initialMean: problem.initialMean, initialStd: 0.1)
    XCTAssertEqual(simulated.cost.mean, optimal, accuracy: 4 * simulated.cost.se + 0.02 * optimal, "optimal cost")
    let (mean, covariance) = exact.marginal(t: 1)!
    let (m, s) = meanAndCovariance(simulated.final, dimension: 2)
    for k in 0..<2 {
      XCTAssertEqual(m[k], mean[k], accuracy: 0.03)
      XCTAssertEqual(s[k, k], covariance[k, k], accuracy: 0.06 * covariance[k, k])
    }
    XCTAssertEqual(problem.initialMean, [0.4, 0.6], "SOC-matching's x0 in d = 2")
    problem = ControlProblem.quadratic(hard: false, dimension: 10, lambda: 1, horizon: 1, initialStd: 0.1, initialMean: nil, seed: 0)
    XCTAssertEqual(problem.initialMean.count, 10)
  }

  // MARK: - Linear OU

  func testLinearOUAgainstTheMatrixExponentialAndMonteCarlo() {
    let problem = ControlProblem.linearOU(dimension: 4, lambda: 1, horizon: 1, initialStd: 0.1, initialMean: nil, seed: 2)
    let exact = problem.exact as! LinearOUSolution
    for t in [0.0, 0.41, 1.0] {
      let direct = ((1 - t) * exact.a.transposed).exponential * exact.omega
      let expected = (exact.sigma.transposed * direct).map { -$0 }
      for (a, b) in zip(exact.control(t: t, x: [9, 9, 9, 9]), expected) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }
    XCTAssertNotEqual(exact.sigma, .identity(4), "sigma = I + xi")
    let simulated = Self.simulateOptimal(problem, paths: 3000, steps: 100, seed: 3)
    let optimal = exact.optimalCost(initialMean: problem.initialMean, initialStd: 0.1)
    XCTAssertEqual(simulated.cost.mean, optimal, accuracy: 4 * simulated.cost.se + 0.01 * abs(optimal))
    let (mean, covariance) = exact.marginal(t: 1)!
    let (m, s) = meanAndCovariance(simulated.final, dimension: 4)
    for k in 0..<4 {
      XCTAssertEqual(m[k], mean[k], accuracy: 0.05)
      XCTAssertEqual(s[k, k], covariance[k, k], accuracy: 0.07 * covariance[k, k])
    }
  }

  // MARK: - Double well (1-D HJB)

  /// With V = a x^2 / 2 (b = -a x) and G = q x^2 the HJB solve must reproduce the scalar Riccati control.
  func testHJBReproducesRiccatiForAnOUPotential() {
    let a = 1.5, q = 0.8
    let hjb = HJB1D(potential: { a * $0 * $0 / 2 }, terminal: { q * $0 * $0 }, lambda: 1, horizon: 1, bound: 4, dx: 0.005, dt: 0.0005)
    let riccati = RiccatiSolution(a: .identity(1, scale: -a), sigma: .identity(1), p: .identity(1, scale: 0),
                                  q: .identity(1, scale: q), lambda: 1, horizon: 1)
    for t in [0.0, 0.5, 0.9] {
      for x in [-1.2, -0.3, 0.4, 1.0] {
        let exact = riccati.control(t: t, x: [x])[0]
        XCTAssertEqual(hjb.control(t: t, x: x), exact, accuracy: 2e-3 * max(abs(exact), 0.1), "t=\(t) x=\(x)")
      }
      // The value function up to the constant: V(t, x) - V(t, 0) = F(t) x^2.
      XCTAssertEqual(hjb.value(t: t, x: 1) - hjb.value(t: t, x: 0), riccati.riccati(at: t)[0, 0], accuracy: 2e-3)
    }
  }

  /// Refining the grid (dx and dt halved together) shrinks the change of the double well's control
  /// at first order or better, and the solution is already fine at the default grid.
  func testDoubleWellGridConvergence() {
    let points: [(Double, Double)] = [(0, 0.3), (0, -0.9), (0.5, 0.6), (0.8, 1.1), (0.95, -0.2)]
    func controls(_ dx: Double, _ dt: Double) -> [Double] {
      let s = DoubleWellSolution(kappa: [5], nu: [3], lambda: 1, horizon: 1, dx: dx, dt: dt)
      return points.map { s.control(t: $0.0, x: [$0.1])[0] }
    }
    let coarse = controls(0.02, 0.004), medium = controls(0.01, 0.002), fine = controls(0.005, 0.001)
    func distance(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).map { abs($0 - $1) }.max()! }
    let first = distance(coarse, medium), second = distance(medium, fine)
    XCTAssertLessThan(second, 0.6 * first, "refinement: \(first) then \(second)")
    let scale = fine.map(abs).max()!
    XCTAssertLessThan(second, 0.02 * scale, "the default grid is converged to about 1 %: \(second) of \(scale)")
  }

  /// The double well's optimal cost (value function averaged over the initial law) against paths of
  /// the optimal SDE driven by the HJB control, in d = 2 (one stiff coordinate, one soft).
  func testDoubleWellValueAgainstMonteCarlo() {
    let problem = ControlProblem(kind: .doubleWell, dimension: 2, horizon: 1, lambda: 1, sigma: .identity(2), sigmaScalar: 1,
                             initialMean: [0, 0], initialStd: 0.1, drift: .doubleWell([5, 1]), running: .zero,
                             terminal: .doubleWell([3, 1]), exact: DoubleWellSolution(kappa: [5, 1], nu: [3, 1], lambda: 1, horizon: 1))
    let simulated = Self.simulateOptimal(problem, paths: 2000, steps: 250, seed: 5)
    let optimal = problem.exact!.optimalCost(initialMean: [0, 0], initialStd: 0.1)
    XCTAssertEqual(simulated.cost.mean, optimal, accuracy: 4 * simulated.cost.se + 0.01 * abs(optimal))
  }

  // MARK: - Helpers

  /// Euler-Maruyama paths of the optimal SDE with the exact control (pure Swift, Double) and their costs.
  static func simulateOptimal(_ p: ControlProblem, paths n: Int, steps: Int, seed: UInt64)
    -> (cost: (mean: Double, se: Double), final: [Double])
  {
    var random = SeededGenerator(seed: seed)
    let d = p.dimension, dt = p.horizon / Double(steps), noise = (p.lambda * dt).squareRoot()
    var x = (0..<(n * d)).map { p.initialMean[$0 % d] + p.initialStd * random.nextNormal() }
    var cost = [Double](repeating: 0, count: n)
    for k in 0..<steps {
      let t = Double(k) * dt
      let b = try! p.drift(x), f = try! p.runningCost(x)
      for i in 0..<n {
        let xi = Array(x[(i * d)..<((i + 1) * d)])
        let c = p.exact!.control(t: t, x: xi)
        cost[i] += dt * (0.5 * c.reduce(0) { $0 + $1 * $1 } + f[i])
        let z = random.normals(d)
        let push = p.sigma * c, kick = p.sigma * z
        for j in 0..<d { x[i * d + j] += (b[i * d + j] + push[j]) * dt + noise * kick[j] }
      }
    }
    let g = try! p.terminalCost(x)
    for i in 0..<n { cost[i] += g[i] }
    let mean = cost.reduce(0, +) / Double(n)
    let variance = cost.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
    return ((mean, (variance / Double(n)).squareRoot()), x)
  }
}
