// The exact answers of the built-in problems: Riccati (quadratic OU), the matrix exponential
// (linear OU) and a 1-D Hamilton-Jacobi-Bellman solve through the Cole-Hopf transform (double well).
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// What a problem with a known answer provides.
protocol ExactSolution {
  /// The optimal feedback control c*(t, x) at one point.
  func control(t: Double, x: [Double]) -> [Double]
  /// The law of X_t under the optimal control when it is Gaussian (linear dynamics), else nil.
  func marginal(t: Double) -> (mean: [Double], covariance: Matrix)?
  /// E[V(0, X_0)], X_0 ~ N(mean, std^2 I): the optimal expected cost from the initial law.
  func optimalCost(initialMean: [Double], initialStd: Double) -> Double
}

/// Piecewise-linear interpolation weights on the grid t_k = k * T / n.
private func gridPosition(_ t: Double, horizon: Double, steps n: Int) -> (Int, Double) {
  let s = min(max(t / horizon, 0), 1) * Double(n)
  let k = min(Int(s), n - 1)
  return (k, s - Double(k))
}

/// The Gaussian marginals N(m(t), S(t)) of a linear SDE from N(mean, std^2 I), on the grid
/// t_k = k T / steps, integrated forward by RK4. The right-hand side depends on the time through
/// an input known on the grid (a drift matrix, a costate), taken at a step's midpoint as the mean
/// of its ends (the inputs are smooth and the grid fine).
struct GaussianPath {
  let horizon: Double
  let steps: Int
  private(set) var means: [[Double]] = []
  private(set) var covariances: [Matrix] = []

  init(horizon: Double, steps: Int) {
    (self.horizon, self.steps) = (horizon, steps)
  }

  init<Input>(
    initialMean: [Double], initialStd: Double, horizon: Double, steps: Int,
    input: (Int) -> Input, midpoint: (Input, Input) -> Input,
    rhs: (Input, [Double], Matrix) -> ([Double], Matrix)
  ) {
    self.init(horizon: horizon, steps: steps)
    let d = initialMean.count, h = horizon / Double(steps)
    var m = initialMean, s = Matrix.identity(d, scale: initialStd * initialStd)
    means = [m]
    covariances = [s]
    for i in 0..<steps {
      let u0 = input(i), u1 = input(i + 1), mid = midpoint(u0, u1)
      let (a1, b1) = rhs(u0, m, s)
      let (a2, b2) = rhs(mid, zip(m, a1).map { $0 + h / 2 * $1 }, s + (h / 2) * b1)
      let (a3, b3) = rhs(mid, zip(m, a2).map { $0 + h / 2 * $1 }, s + (h / 2) * b2)
      let (a4, b4) = rhs(u1, zip(m, a3).map { $0 + h * $1 }, s + h * b3)
      m = (0..<d).map { m[$0] + h / 6 * (a1[$0] + 2 * a2[$0] + 2 * a3[$0] + a4[$0]) }
      s = s + (h / 6) * (b1 + 2 * b2 + 2 * b3 + b4)
      means.append(m)
      covariances.append(s)
    }
  }

  /// The law at t, linear between grid points; nil before any integration.
  func marginal(t: Double) -> (mean: [Double], covariance: Matrix)? {
    guard !means.isEmpty else { return nil }
    let (k, w) = gridPosition(t, horizon: horizon, steps: steps)
    return (zip(means[k], means[k + 1]).map { (1 - w) * $0 + w * $1 }, (1 - w) * covariances[k] + w * covariances[k + 1])
  }
}

// MARK: - Quadratic OU: Riccati

/// dX = (A X + sigma c) dt + sqrt(lambda) sigma dW, cost int (|c|^2/2 + x'Px) dt + x'Qx.
/// V(t, x) = x'F(t)x + k(t) with
///   dF/dt = -A'F - FA + 2 F sigma sigma' F - P,  F(T) = Q;   dk/dt = -lambda tr(sigma sigma' F),  k(T) = 0,
/// and c*(t, x) = -sigma' grad V = -2 sigma' F(t) x.
struct RiccatiSolution: ExactSolution {
  let a, sigma, p, q: Matrix
  let lambda, horizon: Double
  let steps: Int
  /// F(t_k) and k(t_k) on the grid t_k = k T / steps (RK4 backward from T).
  let f: [Matrix]
  let offset: [Double]
  /// The optimal process's Gaussian marginals from the initial law (RK4 forward), when given.
  private(set) var path: GaussianPath

  init(a: Matrix, sigma: Matrix, p: Matrix, q: Matrix, lambda: Double, horizon: Double, steps: Int = 2000) {
    (self.a, self.sigma, self.p, self.q, self.lambda, self.horizon, self.steps) = (a, sigma, p, q, lambda, horizon, steps)
    path = GaussianPath(horizon: horizon, steps: steps)
    let r = sigma * sigma.transposed, at = a.transposed
    func rhs(_ f: Matrix) -> (Matrix, Double) {
      (2 * (f * r * f) - at * f - f * a - p, -lambda * (r * f).trace)
    }
    let h = horizon / Double(steps)
    var fs = [Matrix](repeating: q, count: steps + 1), ks = [Double](repeating: 0, count: steps + 1)
    var f = q, k = 0.0
    for i in stride(from: steps, to: 0, by: -1) {
      // Backward in time: d/ds of (F, k) at s = T - t is minus the right-hand side.
      let (f1, k1) = rhs(f)
      let (f2, k2) = rhs(f - (h / 2) * f1)
      let (f3, k3) = rhs(f - (h / 2) * f2)
      let (f4, k4) = rhs(f - h * f3)
      f = f - (h / 6) * (f1 + 2 * f2 + 2 * f3 + f4)
      k -= h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
      fs[i - 1] = f
      ks[i - 1] = k
    }
    self.f = fs
    offset = ks
  }

  func riccati(at t: Double) -> Matrix {
    let (k, w) = gridPosition(t, horizon: horizon, steps: steps)
    return (1 - w) * f[k] + w * f[k + 1]
  }

  func feedback(at t: Double) -> Matrix { -2 * (sigma.transposed * riccati(at: t)) }

  func control(t: Double, x: [Double]) -> [Double] { feedback(at: t) * x }

  /// Integrates the optimal process's mean and covariance from N(mean, std^2 I):
  /// m' = M m, S' = M S + S M' + lambda sigma sigma', M = A - 2 sigma sigma' F(t).
  mutating func propagate(initialMean: [Double], initialStd: Double) {
    let r = sigma * sigma.transposed, a = self.a, f = self.f, lambda = self.lambda
    path = GaussianPath(
      initialMean: initialMean, initialStd: initialStd, horizon: horizon, steps: steps,
      input: { a - 2 * (r * f[$0]) }, midpoint: { 0.5 * ($0 + $1) },
      rhs: { mm, m, s in (mm * m, mm * s + s * mm.transposed + lambda * r) })
  }

  func marginal(t: Double) -> (mean: [Double], covariance: Matrix)? { path.marginal(t: t) }

  func optimalCost(initialMean m: [Double], initialStd s: Double) -> Double {
    let f0 = f[0]
    let quadratic = zip(m, f0 * m).reduce(0) { $0 + $1.0 * $1.1 }
    return quadratic + s * s * f0.trace + offset[0]
  }
}

// MARK: - Linear OU: matrix exponential

/// dX = (A X + sigma c) dt + sqrt(lambda) sigma dW, cost int |c|^2/2 dt + omega . x.
/// V(t, x) = a(t) . x + k(t), a(t) = exp((T - t) A') omega, k(t) = -1/2 int_t^T |sigma' a|^2;
/// c*(t) = -sigma' exp((T - t) A') omega, the same at every x.
struct LinearOUSolution: ExactSolution {
  let a, sigma: Matrix
  let omega: [Double]
  let lambda, horizon: Double
  let steps: Int
  /// a(t_k) on the grid (exact: repeated products with exp(h A')).
  let costate: [[Double]]
  /// The optimal process's Gaussian marginals from the initial law (RK4 forward), when given.
  private(set) var path: GaussianPath

  init(a: Matrix, sigma: Matrix, omega: [Double], lambda: Double, horizon: Double, steps: Int = 2000) {
    (self.a, self.sigma, self.omega, self.lambda, self.horizon, self.steps) = (a, sigma, omega, lambda, horizon, steps)
    path = GaussianPath(horizon: horizon, steps: steps)
    let step = ((horizon / Double(steps)) * a.transposed).exponential
    var values = [[Double]](repeating: omega, count: steps + 1)
    for k in stride(from: steps - 1, through: 0, by: -1) { values[k] = step * values[k + 1] }
    costate = values
  }

  func costate(at t: Double) -> [Double] {
    let (k, w) = gridPosition(t, horizon: horizon, steps: steps)
    return zip(costate[k], costate[k + 1]).map { (1 - w) * $0 + w * $1 }
  }

  func control(t: Double, x: [Double]) -> [Double] { (sigma.transposed * costate(at: t)).map { -$0 } }

  /// m' = A m - sigma sigma' a(t), S' = A S + S A' + lambda sigma sigma' (RK4 forward).
  mutating func propagate(initialMean: [Double], initialStd: Double) {
    let r = sigma * sigma.transposed, a = self.a, costate = self.costate, lambda = self.lambda
    path = GaussianPath(
      initialMean: initialMean, initialStd: initialStd, horizon: horizon, steps: steps,
      input: { costate[$0] }, midpoint: { zip($0, $1).map { 0.5 * ($0 + $1) } },
      rhs: { c, m, s in (zip(a * m, r * c).map { $0 - $1 }, a * s + s * a.transposed + lambda * r) })
  }

  func marginal(t: Double) -> (mean: [Double], covariance: Matrix)? { path.marginal(t: t) }

  func optimalCost(initialMean m: [Double], initialStd _: Double) -> Double {
    // Simpson's rule for k(0) = -1/2 int_0^T |sigma' a(t)|^2 dt on the (even) grid.
    let st = sigma.transposed, h = horizon / Double(steps)
    var integral = 0.0
    for k in 0...steps {
      let v = st * costate[k]
      let weight: Double = (k == 0 || k == steps) ? 1 : (k % 2 == 1 ? 4 : 2)
      integral += weight * v.reduce(0) { $0 + $1 * $1 }
    }
    integral *= h / 3
    return zip(costate[0], m).reduce(0) { $0 + $1.0 * $1.1 } - 0.5 * integral
  }
}

// MARK: - Double well: 1-D HJB by Cole-Hopf

/// One coordinate of a separable problem with sigma = 1: dX = (-V'(X) + c) dt + sqrt(lambda) dW,
/// cost int |c|^2/2 dt + G(X_T). With psi = exp(-value / lambda), the HJB equation becomes the
/// linear backward Kolmogorov equation d_t psi + (lambda/2) psi'' - V' psi' = 0, psi(T) = exp(-G/lambda),
/// and c* = lambda d_x log psi. Solved on [-bound, bound] with reflecting (Neumann) ends by implicit
/// Euler steps of the conservative form (lambda/2) e^{beta V} (e^{-beta V} psi')', beta = 2 / lambda,
/// whose matrix is an M-matrix: psi stays positive.
struct HJB1D {
  let bound, dx, dt, horizon, lambda: Double
  let nodes, steps: Int
  /// log psi(t_k, x_j), row k = time step (t_k = k dt), column j = node (x_j = -bound + j dx).
  let logPsi: [[Double]]

  init(potential: (Double) -> Double, terminal: (Double) -> Double, lambda: Double, horizon: Double,
       bound: Double = 2.75, dx: Double = 0.005, dt: Double = 0.001) {
    (self.bound, self.dx, self.lambda, self.horizon) = (bound, dx, lambda, horizon)
    nodes = Int((2 * bound / dx).rounded()) + 1
    steps = max(Int((horizon / dt).rounded()), 1)
    self.dt = horizon / Double(steps)
    let n = nodes, beta = 2 / lambda, h = dx
    let x = (0..<n).map { -bound + Double($0) * h }
    let v = x.map(potential)
    // Off-diagonal couplings: (lambda/2) e^{beta (V_j - V_{j +- 1/2})} / h^2.
    var up = [Double](repeating: 0, count: n), down = [Double](repeating: 0, count: n)
    for j in 0..<n {
      if j + 1 < n { up[j] = lambda / 2 * exp(beta * (v[j] - potential(x[j] + h / 2))) / (h * h) }
      if j > 0 { down[j] = lambda / 2 * exp(beta * (v[j] - potential(x[j] - h / 2))) / (h * h) }
    }
    // (I - dt L) psi^k = psi^{k+1}, tridiagonal; solved in a scaled form to keep psi near 1:
    // psi = e^{shift} * phi, shift the max of log psi at the later step.
    let tau = self.dt
    let lower = (0..<n).map { -tau * down[$0] }, upper = (0..<n).map { -tau * up[$0] }
    let diagonal = (0..<n).map { 1 + tau * (up[$0] + down[$0]) }
    var rows = [[Double]](repeating: [], count: steps + 1)
    var current = x.map { -terminal($0) / lambda }
    rows[steps] = current
    for k in stride(from: steps - 1, through: 0, by: -1) {
      let shift = current.max()!
      let rhs = current.map { exp($0 - shift) }
      let phi = HJB1D.solveTridiagonal(lower: lower, diagonal: diagonal, upper: upper, rhs: rhs)
      current = phi.map { log(max($0, .leastNormalMagnitude)) + shift }
      rows[k] = current
    }
    logPsi = rows
  }

  /// Thomas algorithm (the matrix is diagonally dominant: no pivoting needed).
  static func solveTridiagonal(lower: [Double], diagonal: [Double], upper: [Double], rhs: [Double]) -> [Double] {
    let n = diagonal.count
    var c = [Double](repeating: 0, count: n), d = [Double](repeating: 0, count: n)
    c[0] = upper[0] / diagonal[0]
    d[0] = rhs[0] / diagonal[0]
    for i in 1..<n {
      let m = diagonal[i] - lower[i] * c[i - 1]
      c[i] = upper[i] / m
      d[i] = (rhs[i] - lower[i] * d[i - 1]) / m
    }
    var x = d
    for i in stride(from: n - 2, through: 0, by: -1) { x[i] = d[i] - c[i] * x[i + 1] }
    return x
  }

  /// The value function -lambda log psi at (t, x), linearly interpolated (x clamped to the grid).
  func value(t: Double, x: Double) -> Double { -lambda * interpolate(t: t, x: x) { row, j in row[j] } }

  /// c*(t, x) = lambda d_x log psi: central differences at the nodes (one-sided at the ends),
  /// linearly interpolated in t and x.
  func control(t: Double, x: Double) -> Double {
    let last = nodes - 1
    return lambda * interpolate(t: t, x: x) { row, j in
      j == 0 ? (row[1] - row[0]) / dx : j == last ? (row[last] - row[last - 1]) / dx : (row[j + 1] - row[j - 1]) / (2 * dx)
    }
  }

  private func interpolate(t: Double, x: Double, _ read: ([Double], Int) -> Double) -> Double {
    let (k, w) = gridPosition(t, horizon: horizon, steps: steps)
    let s = (min(max(x, -bound), bound) + bound) / dx
    let j = min(Int(s), nodes - 2), v = s - Double(j)
    func at(_ row: [Double]) -> Double { (1 - v) * read(row, j) + v * read(row, j + 1) }
    return (1 - w) * at(logPsi[k]) + w * at(logPsi[k + 1])
  }
}

/// The double well: separable, one HJB1D per distinct (kappa, nu) pair.
struct DoubleWellSolution: ExactSolution {
  let kappa, nu: [Double]
  let solutions: [HJB1D]
  /// solutions[index[i]] solves coordinate i.
  let index: [Int]

  init(kappa: [Double], nu: [Double], lambda: Double, horizon: Double, dx: Double = 0.005, dt: Double = 0.001) {
    (self.kappa, self.nu) = (kappa, nu)
    var pairs: [(Double, Double)] = [], solved: [HJB1D] = [], index: [Int] = []
    for (k, n) in zip(kappa, nu) {
      if let i = pairs.firstIndex(where: { $0 == (k, n) }) { index.append(i); continue }
      pairs.append((k, n))
      solved.append(HJB1D(potential: { k * ($0 * $0 - 1) * ($0 * $0 - 1) }, terminal: { n * ($0 * $0 - 1) * ($0 * $0 - 1) },
                          lambda: lambda, horizon: horizon, dx: dx, dt: dt))
      index.append(solved.count - 1)
    }
    (solutions, self.index) = (solved, index)
  }

  func control(t: Double, x: [Double]) -> [Double] { x.indices.map { solutions[index[$0]].control(t: t, x: x[$0]) } }

  func marginal(t: Double) -> (mean: [Double], covariance: Matrix)? { nil }

  /// sum_i E[V_i(0, X_i)], X_i ~ N(m_i, s^2), by the trapezoid rule on the grid (+- 8 s).
  func optimalCost(initialMean m: [Double], initialStd s: Double) -> Double {
    var total = 0.0
    for i in m.indices {
      let hjb = solutions[index[i]]
      let n = 2000, width = 8 * s, h = 2 * width / Double(n)
      var sum = 0.0, mass = 0.0
      for k in 0...n {
        let z = -width + Double(k) * h, w = (k == 0 || k == n ? 0.5 : 1) * exp(-z * z / (2 * s * s))
        sum += w * hjb.value(t: 0, x: m[i] + z)
        mass += w
      }
      total += sum / mass
    }
    return total
  }
}
