// The control problems: drift b, running cost f, terminal cost G, noise, initial law and (for the
// built-in ones) the exact answer.
import NCLPluginKit
import NCLSupport

/// The built-in problems and the user's own.
enum ProblemKind: String, CaseIterable {
  case quadraticEasy = "quadratic-easy", quadraticHard = "quadratic-hard", linearOU = "linear-ou", doubleWell = "double-well", custom
}

/// dX = (b(X) + sigma c) dt + sqrt(lambda) sigma dW on [0, T], X_0 ~ N(mean, std^2 I), cost
/// E[int_0^T (|c|^2/2 + f(X_t)) dt + G(X_T)].
struct ControlProblem {
  enum Drift {
    case linear(Matrix)                 // b = A x
    case doubleWell([Double])           // b = -grad sum kappa_i (x_i^2 - 1)^2
    case user(UserFunctions)
  }
  enum RunningCost {
    case zero
    case quadratic(Matrix)              // f = x'Px
    case user(UserFunctions)
  }
  enum TerminalCost {
    case quadratic(Matrix)              // G = x'Qx
    case linear([Double])               // G = omega . x
    case doubleWell([Double])           // G = sum nu_i (x_i^2 - 1)^2
    case user(UserFunctions)
  }

  let kind: ProblemKind
  let dimension: Int
  let horizon: Double
  let lambda: Double
  /// sigma, d x d.
  let sigma: Matrix
  /// s when sigma = s I, else nil.
  let sigmaScalar: Double?
  let initialMean: [Double]
  let initialStd: Double
  let drift: Drift
  let running: RunningCost
  let terminal: TerminalCost
  let exact: ExactSolution?

  // MARK: - Built-in problems (SOC-matching's settings, T = 1)

  /// quadratic-easy / -hard: b = a I x, f = x'(p I)x, G = x'(q I)x, sigma = I; x0 = (0.4, 0.6) in
  /// d = 2, else 0.5 N(0, I) from `seed`.
  static func quadratic(hard: Bool, dimension d: Int, lambda: Double, horizon: Double, initialStd: Double,
                        initialMean: [Double]?, seed: UInt64) -> ControlProblem {
    let (a, p, q) = hard ? (1.0, 1.0, 0.5) : (0.2, 0.2, 0.1)
    var random = SeededGenerator(seed: seed)
    let x0 = initialMean ?? (d == 2 ? [0.4, 0.6] : random.normals(d, std: 0.5))
    let am = Matrix.identity(d, scale: a), pm = Matrix.identity(d, scale: p), qm = Matrix.identity(d, scale: q)
    var exact = RiccatiSolution(a: am, sigma: .identity(d), p: pm, q: qm, lambda: lambda, horizon: horizon)
    exact.propagate(initialMean: x0, initialStd: initialStd)
    return ControlProblem(kind: hard ? .quadraticHard : .quadraticEasy, dimension: d, horizon: horizon, lambda: lambda,
                          sigma: .identity(d), sigmaScalar: 1, initialMean: x0, initialStd: initialStd,
                          drift: .linear(am), running: .quadratic(pm), terminal: .quadratic(qm), exact: exact)
  }

  /// linear-ou: A = -I + xi, sigma = I + xi, xi_ij ~ N(0, 0.1^2) from `seed`; f = 0; G = omega . x, omega = 1; x0 = 0.
  static func linearOU(dimension d: Int, lambda: Double, horizon: Double, initialStd: Double, initialMean: [Double]?,
                       seed: UInt64) -> ControlProblem {
    var random = SeededGenerator(seed: seed)
    let xi = Matrix(rows: d, columns: d, values: random.normals(d * d, std: 0.1))
    let a = Matrix.identity(d, scale: -1) + xi, sigma = Matrix.identity(d) + xi
    let omega = [Double](repeating: 1, count: d), x0 = initialMean ?? [Double](repeating: 0, count: d)
    var exact = LinearOUSolution(a: a, sigma: sigma, omega: omega, lambda: lambda, horizon: horizon)
    exact.propagate(initialMean: x0, initialStd: initialStd)
    return ControlProblem(kind: .linearOU, dimension: d, horizon: horizon, lambda: lambda, sigma: sigma, sigmaScalar: nil,
                          initialMean: x0, initialStd: initialStd, drift: .linear(a), running: .zero, terminal: .linear(omega),
                          exact: exact)
  }

  /// double-well: V = sum kappa_i (x_i^2 - 1)^2, b = -grad V, G = sum nu_i (x_i^2 - 1)^2, f = 0,
  /// sigma = I; kappa_i = 5, nu_i = 3 for the first three coordinates, 1 for the others; x0 = 0.
  static func doubleWell(dimension d: Int, lambda: Double, horizon: Double, initialStd: Double, initialMean: [Double]?,
                         hjbDx: Double, hjbDt: Double) -> ControlProblem {
    let kappa = (0..<d).map { $0 < 3 ? 5.0 : 1.0 }, nu = (0..<d).map { $0 < 3 ? 3.0 : 1.0 }
    let exact = DoubleWellSolution(kappa: kappa, nu: nu, lambda: lambda, horizon: horizon, dx: hjbDx, dt: hjbDt)
    return ControlProblem(kind: .doubleWell, dimension: d, horizon: horizon, lambda: lambda, sigma: .identity(d), sigmaScalar: 1,
                          initialMean: initialMean ?? [Double](repeating: 0, count: d), initialStd: initialStd,
                          drift: .doubleWell(kappa), running: .zero, terminal: .doubleWell(nu), exact: exact)
  }

  /// The user's problem: b, f, G from a shared library, sigma = s I.
  static func custom(functions: UserFunctions, dimension d: Int, sigma s: Double, lambda: Double, horizon: Double,
                     initialStd: Double, initialMean: [Double]?) -> ControlProblem {
    ControlProblem(kind: .custom, dimension: d, horizon: horizon, lambda: lambda, sigma: .identity(d, scale: s), sigmaScalar: s,
                   initialMean: initialMean ?? [Double](repeating: 0, count: d), initialStd: initialStd,
                   drift: .user(functions), running: .user(functions), terminal: .user(functions), exact: nil)
  }

  /// Whether b, f and G all have derivatives (the pathwise estimator needs them).
  var hasDerivatives: Bool {
    if case .user(let u) = drift { return u.hasDerivatives }
    return true
  }

  // MARK: - Values in Double (simulation and metrics), batches of n points row-major

  func drift(_ x: [Double]) throws -> [Double] {
    let d = dimension, n = x.count / d
    switch drift {
    case .linear(let a):
      var out = [Double](repeating: 0, count: x.count)
      for i in 0..<n { for r in 0..<d { var s = 0.0; for c in 0..<d { s += a[r, c] * x[i * d + c] }; out[i * d + r] = s } }
      return out
    case .doubleWell(let kappa):
      return x.indices.map { k in let v = x[k], kp = kappa[k % d]; return -4 * kp * v * (v * v - 1) }
    case .user(let u): return try u.evaluate(.drift, x, dimension: d)
    }
  }

  func runningCost(_ x: [Double]) throws -> [Double] {
    let d = dimension, n = x.count / d
    switch running {
    case .zero: return [Double](repeating: 0, count: n)
    case .quadratic(let p): return Self.quadraticForm(p, x, d)
    case .user(let u): return try u.evaluate(.running, x, dimension: d)
    }
  }

  func terminalCost(_ x: [Double]) throws -> [Double] {
    let d = dimension, n = x.count / d
    switch terminal {
    case .quadratic(let q): return Self.quadraticForm(q, x, d)
    case .linear(let omega): return (0..<n).map { i in (0..<d).reduce(0) { $0 + omega[$1] * x[i * d + $1] } }
    case .doubleWell(let nu):
      return (0..<n).map { i in (0..<d).reduce(0) { s, k in let v = x[i * d + k]; return s + nu[k] * (v * v - 1) * (v * v - 1) } }
    case .user(let u): return try u.evaluate(.terminal, x, dimension: d)
    }
  }

  private static func quadraticForm(_ m: Matrix, _ x: [Double], _ d: Int) -> [Double] {
    (0..<(x.count / d)).map { i in
      var s = 0.0
      for r in 0..<d { for c in 0..<d { s += x[i * d + r] * m[r, c] * x[i * d + c] } }
      return s
    }
  }

  // MARK: - As host operations (differentiable; the user's functions to first order)

  func drift(host: PluginHost, _ x: PluginTensor) throws -> PluginTensor {
    switch drift {
    case .linear(let a): return x.matmul(host.tensor(a.values, shape: [dimension, dimension]), transposeOther: true)
    case .doubleWell(let kappa):
      let k = host.tensor(kappa.map { -4 * $0 }, shape: [1, dimension])
      return k * x * (x.squared() - 1)
    case .user(let u): return try u.apply(.drift, host: host, x, dimension: dimension)
    }
  }

  /// f(x), [B]; nil when f = 0.
  func runningCost(host: PluginHost, _ x: PluginTensor) throws -> PluginTensor? {
    switch running {
    case .zero: return nil
    case .quadratic(let p): return (x.matmul(host.tensor(p.values, shape: [dimension, dimension])) * x).sum(axis: 1)
    case .user(let u): return u.has(.running) ? try u.apply(.running, host: host, x, dimension: dimension) : nil
    }
  }

  /// G(x), [B].
  func terminalCost(host: PluginHost, _ x: PluginTensor) throws -> PluginTensor {
    switch terminal {
    case .quadratic(let q): return (x.matmul(host.tensor(q.values, shape: [dimension, dimension])) * x).sum(axis: 1)
    case .linear(let omega): return x.matmul(host.tensor(omega, shape: [dimension, 1])).sum(axis: 1)
    case .doubleWell(let nu):
      return (host.tensor(nu, shape: [1, dimension]) * (x.squared() - 1).squared()).sum(axis: 1)
    case .user(let u):
      guard u.has(.terminal) else { return x.sum(axis: 1) * 0 }
      return try u.apply(.terminal, host: host, x, dimension: dimension)
    }
  }
}
