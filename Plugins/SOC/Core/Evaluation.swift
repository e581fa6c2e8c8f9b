// The metrics of a trained SOC model: control error along the optimal paths, expected cost of the
// learned control by simulation next to the optimal cost, W2 to the exact Gaussian marginals.
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import NCLPluginKit
import NCLSupport

struct Evaluation {
  let objective: SOC
  let host: PluginHost

  var problem: ControlProblem { objective.control }
  var settings: Settings { objective.settings }

  func metrics() throws -> [String: Double] {
    var m: [String: Double] = [:]
    let p = problem
    if let exact = p.exact {
      let optimal = exact.optimalCost(initialMean: p.initialMean, initialStd: p.initialStd)
      m["optimal_cost"] = optimal
      let reference = try optimalPaths(exact)
      m["control_l2_error"] = reference.controlError
      m["control_l2_error_early"] = reference.early
      m["control_l2_error_late"] = reference.late
      m["optimal_cost_mc"] = reference.cost.mean
      m["optimal_cost_mc_std_error"] = reference.cost.standardError
    }
    let learned = try learnedPaths()
    m["cost"] = learned.cost.mean
    m["cost_std_error"] = learned.cost.standardError
    if let optimal = m["optimal_cost"] { m["cost_rel_gap"] = (learned.cost.mean - optimal) / Swift.abs(optimal) }
    m["cost_model"] = try modelCost()
    if let exact = p.exact {
      for fraction in [0.25, 0.5, 1.0] {
        guard let (w2, floor) = try marginalW2(exact, t: fraction * p.horizon) else { continue }
        m["w2_t\(fraction)"] = w2
        m["w2_floor_t\(fraction)"] = floor
      }
    }
    if !settings.plots.isEmpty { try Pictures(evaluation: self).write(to: settings.plots) }
    return m
  }

  // MARK: - Pieces

  /// The model's control c_theta(t, x) at n points (row-major), in Double.
  func modelControl(t: Double, x: [Double]) throws -> [Double] {
    let d = problem.dimension, n = x.count / d
    return try host.withScope {
      try objective.modelControl(host: host, t: host.full(t, shape: [n, 1]), x: host.tensor(x, shape: [n, d])).values()
    }
  }

  /// n draws of the initial law N(x0, s^2 I), from the host's stream.
  func initialPoints(_ n: Int) throws -> [Double] {
    let p = problem, d = p.dimension
    return try host.withScope { try host.normal([n, d], std: p.initialStd).values() }.enumerated().map { $0.element + p.initialMean[$0.offset % d] }
  }

  /// Standard normals from the host's stream.
  func normals(_ count: Int) throws -> [Double] { try host.withScope { try host.normal([count]).values() } }

  struct MeanEstimate {
    let mean, standardError: Double
    init(_ values: [Double]) {
      let n = Double(values.count)
      let average = values.reduce(0, +) / n
      mean = average
      let variance = values.reduce(0) { $0 + ($1 - average) * ($1 - average) } / max(n - 1, 1)
      standardError = (variance / n).squareRoot()
    }
  }

  /// sigma z for n points (row-major).
  func applySigma(_ z: [Double]) -> [Double] {
    let p = problem, d = p.dimension
    if let s = p.sigmaScalar { return z.map { s * $0 } }
    var out = [Double](repeating: 0, count: z.count)
    for i in 0..<(z.count / d) { for r in 0..<d { var v = 0.0; for c in 0..<d { v += p.sigma[r, c] * z[i * d + c] }; out[i * d + r] = v } }
    return out
  }

  /// Paths of the exact optimal SDE (Euler-Maruyama, eval_steps steps, eval_paths paths): the
  /// relative control error E_t E |c_theta - c*|^2 / E_t E |c*|^2 read at eval_times times, and the
  /// cost along the paths. `record` receives the states at every step (pictures).
  func optimalPaths(_ exact: ExactSolution, paths: Int? = nil, record: ((Int, [Double]) -> Void)? = nil) throws
    -> (controlError: Double, early: Double, late: Double, cost: MeanEstimate)
  {
    let p = problem, d = p.dimension, n = paths ?? settings.evalPaths, steps = settings.evalSteps
    let dt = p.horizon / Double(steps), noise = (p.lambda * dt).squareRoot()
    let every = max(steps / min(settings.evalTimes, steps), 1)
    var x = try initialPoints(n), cost = [Double](repeating: 0, count: n)
    var numerator = 0.0, denominator = 0.0
    // The same split at t < T/10 and after (the narrow initial law makes the first times the hardest).
    var early = (0.0, 0.0), late = (0.0, 0.0)
    for k in 0..<steps {
      record?(k, x)
      let t = Double(k) * dt
      var c = [Double](repeating: 0, count: n * d)
      for i in 0..<n {
        let ci = exact.control(t: t, x: Array(x[(i * d)..<((i + 1) * d)]))
        for j in 0..<d { c[i * d + j] = ci[j] }
      }
      if k % every == 0 && settings.evalTimes > 0 {
        let learned = try modelControl(t: t, x: x)
        var e = 0.0, m = 0.0
        for i in 0..<(n * d) {
          e += (learned[i] - c[i]) * (learned[i] - c[i])
          m += c[i] * c[i]
        }
        numerator += e
        denominator += m
        if t < p.horizon / 10 { early = (early.0 + e, early.1 + m) } else { late = (late.0 + e, late.1 + m) }
      }
      let f = try p.runningCost(x)
      for i in 0..<n { cost[i] += dt * (0.5 * (0..<d).reduce(0) { $0 + c[i * d + $1] * c[i * d + $1] } + f[i]) }
      let b = try p.drift(x), push = applySigma(c), kick = applySigma(try normals(n * d))
      for i in 0..<(n * d) { x[i] += (b[i] + push[i]) * dt + noise * kick[i] }
    }
    record?(steps, x)
    let g = try p.terminalCost(x)
    for i in 0..<n { cost[i] += g[i] }
    return (denominator > 0 ? numerator / denominator : .nan, early.1 > 0 ? early.0 / early.1 : .nan,
            late.1 > 0 ? late.0 / late.1 : .nan, MeanEstimate(cost))
  }

  /// Paths of the learned SDE from the initial law: through the host's integrate_path when sigma
  /// is a multiple of the identity (the model's drift for g = sqrt(lambda) s is b + sigma c), else by
  /// the plugin's own Euler-Maruyama steps with the model's control. The cost of each path is
  /// sum_k (|c_theta|^2/2 + f) dt + G(X_T) on the same grid.
  func learnedPaths(paths: Int? = nil, record: ((Int, [Double]) -> Void)? = nil) throws -> (cost: MeanEstimate, final: [Double]) {
    let p = problem, d = p.dimension, n = paths ?? settings.evalPaths, steps = settings.evalSteps
    let dt = p.horizon / Double(steps), noise = (p.lambda * dt).squareRoot()
    var x = try initialPoints(n), cost = [Double](repeating: 0, count: n)
    var states: [Double] = []
    if p.sigmaScalar != nil {
      let times = (0...steps).map { p.horizon * Double($0) / Double(steps) }
      states = try host.withScope {
        try host.integratePath(host.tensor(x, shape: [n, d]), times: times, steps: steps).values()
      }
    }
    for k in 0..<steps {
      if !states.isEmpty { x = Array(states[(k * n * d)..<((k + 1) * n * d)]) }
      record?(k, x)
      let t = Double(k) * dt
      let c = try modelControl(t: t, x: x), f = try p.runningCost(x)
      for i in 0..<n { cost[i] += dt * (0.5 * (0..<d).reduce(0) { $0 + c[i * d + $1] * c[i * d + $1] } + f[i]) }
      if states.isEmpty {
        let b = try p.drift(x), push = applySigma(c), kick = applySigma(try normals(n * d))
        for i in 0..<(n * d) { x[i] += (b[i] + push[i]) * dt + noise * kick[i] }
      }
    }
    if !states.isEmpty { x = Array(states[(steps * n * d)...]) }
    record?(steps, x)
    let g = try p.terminalCost(x)
    for i in 0..<n { cost[i] += g[i] }
    return (MeanEstimate(cost), x)
  }

  /// The model's own estimate of its cost, T E_{t, rho_t}[|c|^2/2 + f] + E_{rho_T}[G], on exact samples.
  func modelCost() throws -> Double {
    let p = problem, n = settings.evalSamples
    return try host.withScope {
      let t = host.stratifiedTimes(count: n, from: 0, to: objective.control.horizon)
      let x = host.sample(t: t)
      let running = try objective.runningIntegrand(host: host, t: t, x: x).mean().scalar()
      let xT = host.sample(time: p.horizon, count: n)
      return p.horizon * running + (try p.terminalCost(host: host, xT).mean().scalar())
    }
  }

  /// W2 between the Gaussian fitted to eval_samples model samples at t and the exact marginal, and
  /// the same for as many exact samples (the floor that sampling alone gives).
  func marginalW2(_ exact: ExactSolution, t: Double) throws -> (Double, Double)? {
    guard let (mean, covariance) = exact.marginal(t: t) else { return nil }
    let d = problem.dimension, n = settings.evalSamples
    let samples = try host.withScope { try host.sample(time: t, count: n).values() }
    let (m, s) = meanAndCovariance(samples, dimension: d)
    let w2 = gaussianW2Squared(mean1: m, covariance1: s, mean2: mean, covariance2: covariance).squareRoot()
    var random = SeededGenerator(seed: 17)
    let root = covariance.symmetricSquareRoot
    var reference = [Double]()
    reference.reserveCapacity(n * d)
    for _ in 0..<n { reference += zip(mean, root * random.normals(d)).map { $0 + $1 } }
    let (rm, rs) = meanAndCovariance(reference, dimension: d)
    let floor = gaussianW2Squared(mean1: rm, covariance1: rs, mean2: mean, covariance2: covariance).squareRoot()
    return (w2, floor)
  }
}
