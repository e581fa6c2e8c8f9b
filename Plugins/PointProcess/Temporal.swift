// Temporal point processes on a window [0, T]: homogeneous Poisson and exponential-kernel Hawkes,
// exact log-likelihoods (closed-form compensators) and maximum-likelihood fits.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Homogeneous Poisson process with rate lambda: log L = n log lambda - lambda T per sequence.
struct PoissonProcess: Equatable {
  var rate: Double

  func logLikelihood(times: [Double], window: Double) -> Double {
    Double(times.count) * log(rate) - rate * window
  }

  /// The MLE: events per unit of time, over every sequence.
  static func fit(_ set: EventSet) -> PoissonProcess {
    PoissonProcess(rate: Double(set.eventCount) / (Double(set.sequences.count) * set.window))
  }
}

/// Univariate Hawkes process with an exponential kernel:
///
///     lambda(t) = mu + alpha * beta * sum_{t_i < t} exp(-beta (t - t_i))
///
/// alpha is the branching ratio (expected children per event), beta the decay rate. On [0, T]:
///
///     log L = sum_i log lambda(t_i) - mu T - alpha sum_i (1 - exp(-beta (T - t_i)))
///
/// computed in O(n) with A_i = sum_{j<i} exp(-beta (t_i - t_j)) = exp(-beta (t_i - t_{i-1})) (1 + A_{i-1}).
struct HawkesProcess: Equatable {
  var mu: Double
  var alpha: Double
  var beta: Double

  /// The intensity at each event time, lambda(t_i) (left limits: an event does not excite itself).
  func intensities(times: [Double]) -> [Double] {
    var a = 0.0
    var out: [Double] = []
    out.reserveCapacity(times.count)
    for i in times.indices {
      if i > 0 { a = exp(-beta * (times[i] - times[i - 1])) * (1 + a) }
      out.append(mu + alpha * beta * a)
    }
    return out
  }

  /// The compensator Lambda(T) = integral_0^T lambda(t) dt, in closed form.
  func compensator(times: [Double], window: Double) -> Double {
    mu * window + alpha * times.reduce(0) { $0 + (1 - exp(-beta * (window - $1))) }
  }

  func logLikelihood(times: [Double], window: Double) -> Double {
    intensities(times: times).reduce(0) { $0 + log($1) } - compensator(times: times, window: window)
  }

  /// log L and its gradient with respect to (mu, alpha, beta), in one O(n) pass.
  /// With B_i = sum_{j<i} (t_i - t_j) exp(-beta (t_i - t_j)) (so dA_i/dbeta = -B_i):
  /// d lambda_i/d mu = 1, d/d alpha = beta A_i, d/d beta = alpha (A_i - beta B_i).
  func logLikelihoodAndGradient(times: [Double], window: Double) -> (value: Double, gradient: [Double]) {
    var a = 0.0, b = 0.0
    var value = 0.0, g = [0.0, 0.0, 0.0]
    for i in times.indices {
      if i > 0 {
        let delta = times[i] - times[i - 1], e = exp(-beta * delta)
        b = e * (b + delta * (1 + a))
        a = e * (1 + a)
      }
      let lambda = mu + alpha * beta * a
      value += log(lambda)
      g[0] += 1 / lambda
      g[1] += beta * a / lambda
      g[2] += alpha * (a - beta * b) / lambda
    }
    value -= mu * window
    g[0] -= window
    for t in times {
      let e = exp(-beta * (window - t))
      value -= alpha * (1 - e)
      g[1] -= 1 - e
      g[2] -= alpha * (window - t) * e
    }
    return (value, g)
  }

  /// Sum over sequences of log L and its gradient.
  func totalLogLikelihoodAndGradient(_ set: EventSet) -> (value: Double, gradient: [Double]) {
    var value = 0.0, g = [0.0, 0.0, 0.0]
    for s in set.sequences {
      let (v, d) = logLikelihoodAndGradient(times: s.times, window: set.window)
      value += v
      for k in 0..<3 { g[k] += d[k] }
    }
    return (value, g)
  }

  /// Maximum likelihood over every sequence of `set`, by damped Newton steps on the three
  /// log-parameters (the Hessian from central differences of the exact gradient), started from
  /// a few decay rates; returns the best fit.
  static func fit(_ set: EventSet, iterations: Int = 60) -> HawkesProcess {
    let rate = Double(set.eventCount) / (Double(set.sequences.count) * set.window)
    var best: (model: HawkesProcess, value: Double)? = nil
    for beta0 in [0.3, 3.0, 30.0] {
      let start = HawkesProcess(mu: 0.5 * rate, alpha: 0.5, beta: beta0 / set.window * 10)
      let fitted = newton(start: start, set: set, iterations: iterations)
      let value = fitted.totalLogLikelihoodAndGradient(set).value
      if value.isFinite, best == nil || value > best!.value { best = (fitted, value) }
    }
    return best?.model ?? HawkesProcess(mu: rate, alpha: 0, beta: 1)
  }

  /// Newton's method on theta = log(mu, alpha, beta) with Levenberg damping and a backtracking
  /// line search, so every accepted step increases the likelihood.
  static func newton(start: HawkesProcess, set: EventSet, iterations: Int) -> HawkesProcess {
    func model(_ theta: [Double]) -> HawkesProcess { HawkesProcess(mu: exp(theta[0]), alpha: exp(theta[1]), beta: exp(theta[2])) }
    // Value and gradient in theta: d/dtheta_k = p_k d/dp_k.
    func evaluate(_ theta: [Double]) -> (Double, [Double]) {
      let m = model(theta)
      let (v, g) = m.totalLogLikelihoodAndGradient(set)
      return (v, [g[0] * m.mu, g[1] * m.alpha, g[2] * m.beta])
    }
    var theta = [log(start.mu), log(start.alpha), log(start.beta)]
    var (value, gradient) = evaluate(theta)
    var damping = 1e-3
    for _ in 0..<iterations {
      // Hessian by central differences of the exact gradient, symmetrized.
      let h = 1e-5
      var hessian = [[Double]](repeating: [0, 0, 0], count: 3)
      for k in 0..<3 {
        var plus = theta, minus = theta
        plus[k] += h
        minus[k] -= h
        let gp = evaluate(plus).1, gm = evaluate(minus).1
        for j in 0..<3 { hessian[j][k] = (gp[j] - gm[j]) / (2 * h) }
      }
      for j in 0..<3 { for k in 0..<j { let s = 0.5 * (hessian[j][k] + hessian[k][j]); hessian[j][k] = s; hessian[k][j] = s } }
      var improved = false
      for _ in 0..<30 {
        // Solve (-H + damping * diag(|H|) + damping I) step = gradient.
        var m = hessian.map { $0.map { -$0 } }
        for k in 0..<3 { m[k][k] += damping * (abs(hessian[k][k]) + 1) }
        guard let step = solve3(m, gradient) else { damping *= 10; continue }
        let candidate = (0..<3).map { theta[$0] + max(-2, min(2, step[$0])) }
        let (v, g) = evaluate(candidate)
        if v.isFinite && v >= value {
          let gain = v - value
          theta = candidate
          value = v
          gradient = g
          damping = max(damping / 10, 1e-9)
          improved = gain > 1e-12 * max(1, abs(value))
          break
        }
        damping *= 10
      }
      if !improved { break }
    }
    return model(theta)
  }
}

/// Solves the 3x3 system m x = b by Gaussian elimination with partial pivoting; nil if singular.
func solve3(_ m: [[Double]], _ b: [Double]) -> [Double]? {
  var a = m, y = b
  for col in 0..<3 {
    var pivot = col
    for r in col + 1..<3 where abs(a[r][col]) > abs(a[pivot][col]) { pivot = r }
    guard abs(a[pivot][col]) > 1e-300 else { return nil }
    a.swapAt(col, pivot)
    y.swapAt(col, pivot)
    for r in col + 1..<3 {
      let f = a[r][col] / a[col][col]
      for c in col..<3 { a[r][c] -= f * a[col][c] }
      y[r] -= f * y[col]
    }
  }
  var x = [0.0, 0.0, 0.0]
  for r in stride(from: 2, through: 0, by: -1) {
    var s = y[r]
    for c in r + 1..<3 { s -= a[r][c] * x[c] }
    x[r] = s / a[r][r]
  }
  return x.allSatisfy(\.isFinite) ? x : nil
}

/// Per-event test log-likelihoods of the fitted temporal models.
struct TemporalReport {
  var poisson: PoissonProcess
  var hawkes: HawkesProcess
  /// Sum over test sequences of log L, divided by the number of test events.
  var poissonLogLikelihoodPerEvent: Double
  var hawkesLogLikelihoodPerEvent: Double

  init(train: EventSet, test: EventSet) {
    let poisson = PoissonProcess.fit(train), hawkes = HawkesProcess.fit(train)
    let n = Double(test.eventCount)
    self.poisson = poisson
    self.hawkes = hawkes
    poissonLogLikelihoodPerEvent = test.sequences.reduce(0) { $0 + poisson.logLikelihood(times: $1.times, window: test.window) } / n
    hawkesLogLikelihoodPerEvent = test.sequences.reduce(0) { $0 + hawkes.logLikelihood(times: $1.times, window: test.window) } / n
  }
}
