// The proposal q_t(x) of the importance-sampling estimator, and stratified times.
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import NCLPluginKit

/// A law to draw (t, x) from when estimating E_{t ~ U[T0, T1], x ~ rho_t}[f] by
/// E_{t, x ~ q_t}[f rho_t / q_t]: no samples from the model are needed, and the estimate is
/// differentiable in the model's parameters through rho_t and f.
struct Proposal {
  enum Kind: String, CaseIterable {
    /// Uniform on a box covering every marginal (padded by `scale` standard deviations).
    case box
    /// N(m(t), diag(s(t)^2)): the marginals' means and standard deviations (times `scale`),
    /// interpolated linearly in t between the marginals' times.
    case gaussian
  }

  let kind: Kind
  let times: [Double]
  let means: [[Double]], stds: [[Double]]
  let lower: [Double], upper: [Double]
  var dimension: Int { lower.count }

  init(kind: Kind, marginals: [Marginal], scale: Double, seed: UInt64) {
    self.kind = kind
    let moments = marginals.enumerated().map { $1.moments(seed: seed &+ UInt64($0)) }
    times = marginals.map(\.time)
    means = moments.map(\.mean)
    stds = moments.map { $0.std.map { scale * max($0, 1e-3) } }
    let d = means[0].count
    lower = (0..<d).map { k in moments.map { $0.mean[k] - (2 + scale) * $0.std[k] }.min()! }
    upper = (0..<d).map { k in moments.map { $0.mean[k] + (2 + scale) * $0.std[k] }.max()! }
  }

  /// Mean and standard deviations of q_t.
  func gaussian(at t: Double) -> (mean: [Double], std: [Double]) {
    if t <= times[0] { return (means[0], stds[0]) }
    guard let k = times.firstIndex(where: { $0 >= t }) else { return (means.last!, stds.last!) }
    let a = (t - times[k - 1]) / (times[k] - times[k - 1])
    return (zip(means[k - 1], means[k]).map { (1 - a) * $0 + a * $1 }, zip(stds[k - 1], stds[k]).map { (1 - a) * $0 + a * $1 })
  }

  /// `count` points: t [count, 1] stratified over [T0, T1], x [count, D] ~ q_t, and log q_t(x) [count].
  func draw(host: PluginHost, count: Int) throws -> (t: PluginTensor, x: PluginTensor, logQ: PluginTensor) {
    let times = try Proposal.stratifiedTimes(host: host, count: count, from: self.times.first!, to: self.times.last!)
    let d = dimension
    var x = [Double](repeating: 0, count: count * d), logQ = [Double](repeating: 0, count: count)
    switch kind {
    case .box:
      let u = try host.uniform([count, d]).values()
      let logVolume = (0..<d).reduce(0.0) { $0 + log(upper[$1] - lower[$1]) }
      for i in 0..<count {
        for k in 0..<d { x[i * d + k] = lower[k] + (upper[k] - lower[k]) * u[i * d + k] }
        logQ[i] = -logVolume
      }
    case .gaussian:
      let z = try host.normal([count, d]).values()
      let halfLog2Pi = 0.5 * log(2 * Double.pi)
      for i in 0..<count {
        let (m, s) = gaussian(at: times[i])
        var l = 0.0
        for k in 0..<d {
          let e = z[i * d + k]
          x[i * d + k] = m[k] + s[k] * e
          l += -0.5 * e * e - log(s[k]) - halfLog2Pi
        }
        logQ[i] = l
      }
    }
    return (host.tensor(times, shape: [count, 1]), host.tensor(x, shape: [count, d]), host.tensor(logQ, shape: [count]))
  }

  /// One time per stratum of [t0, t1] cut into `count` equal pieces, uniform within it.
  static func stratifiedTimes(host: PluginHost, count: Int, from t0: Double, to t1: Double) throws -> [Double] {
    let u = try host.uniform([count]).values()
    return (0..<count).map { t0 + (t1 - t0) * (Double($0) + u[$0]) / Double(count) }
  }
}
