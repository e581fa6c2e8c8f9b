// Hard marginal constraints as Stein moment equalities, enforced by the method of multipliers.
import NCLPluginKit

/// Stein's identity: for any law p (decaying at infinity), E_p[grad log p] = 0 and
/// E_p[grad log p (x - m)^T] = -I. With the model's score s = grad log rho_{t_k} in place of
/// p_k's, the moments (z = (x - m) / sigma, m and sigma the marginal's mean and standard
/// deviations per coordinate; row i scaled by a_i = min(sigma_i, 1 / sqrt(F_i)), F_i =
/// E_{p_k}[s_i^2] the Fisher information of the model's score on the marginal, a running mean)
///
///     c1_i = a_i E_{p_k}[s_i]                          (D)
///     c2_ij = a_i (E_{p_k}[s_i z_j] + delta_ij / sigma_j)   (D x D)
///
/// vanish when rho_{t_k} = p_k and are first order in a shift or a rescaling of rho_{t_k} away
/// from p_k: exactly the directions the kinetic term pulls the marginals in (toward each other,
/// toward a common spread). The scaling keeps every entry's minibatch noise near 1 / sqrt(n)
/// whatever the law (narrow modes have a large score; for a Gaussian with independent
/// coordinates a_i = sigma_i), and never above the Gaussian value while the model is still broader
/// than the data. Adding sum_k mu_k . c_k (mu_k the multipliers, constants in the loss) to the soft
/// objective and taking a dual ascent step mu_k <- mu_k + rate clamp(c_k, -1, 1) after every
/// minibatch, the multipliers grow until they cancel that pull, so that at a fixed point the
/// constraints hold in expectation: the marginals keep their mean and covariance whatever the
/// kinetic weight, and a kinetic weight large enough to hold the path between them leaves no
/// bias there (README "Hard marginal constraints"). The NLL terms stay: they fit everything else.
struct ScoreMomentConstraints {
  /// Dual step per minibatch.
  let rate: Double
  /// Per constrained marginal: its per-coordinate mean and standard deviation.
  let moments: [(mean: [Double], std: [Double])]
  /// Per constrained marginal, D + D^2 multipliers: for c1, then c2 row-major.
  private(set) var multipliers: [[Double]]
  /// Per constrained marginal, the running mean of E_{p_k}[s_i^2] (nil before the first minibatch).
  private(set) var fisher: [[Double]?]
  /// Weight of the newest minibatch in `fisher`.
  static let fisherDecay = 0.01

  init(rate: Double, moments: [(mean: [Double], std: [Double])]) {
    self.rate = rate
    self.moments = moments
    multipliers = moments.map { Array(repeating: 0, count: $0.mean.count * ($0.mean.count + 1)) }
    fisher = Array(repeating: nil, count: moments.count)
  }

  var dimension: Int { moments.first?.mean.count ?? 0 }

  /// What a checkpoint keeps, per constrained marginal: its D + D^2 multipliers, 1 or 0 for whether
  /// its Fisher information was read yet, and that information's D values (0 before).
  var state: [Double] {
    var out: [Double] = []
    for (mu, f) in zip(multipliers, fisher) {
      out += mu
      out.append(f == nil ? 0 : 1)
      out += f ?? [Double](repeating: 0, count: dimension)
    }
    return out
  }

  /// The count of `state`'s values.
  var stateCount: Int { moments.count * (dimension * (dimension + 1) + 1 + dimension) }

  /// Restores `state` (its count checked by the caller).
  mutating func restore(_ values: [Double]) {
    precondition(values.count == stateCount, "ScoreMomentConstraints.restore: \(values.count) values, \(stateCount) expected")
    let d = dimension, stride = d * (d + 1) + 1 + d
    for k in moments.indices {
      let block = Array(values[(k * stride)..<((k + 1) * stride)])
      multipliers[k] = Array(block[0..<(d * (d + 1))])
      fisher[k] = block[d * (d + 1)] != 0 ? Array(block[(d * (d + 1) + 1)...]) : nil
    }
  }

  /// Folds this minibatch's mean squared score of marginal k, [D], into its Fisher information.
  mutating func observe(marginal k: Int, meanSquaredScore: [Double]) {
    fisher[k] = Self.averaged(fisher[k], meanSquaredScore, decay: Self.fisherDecay)
  }

  /// The running mean: the first observation, then (1 - decay) old + decay new.
  static func averaged(_ old: [Double]?, _ new: [Double], decay: Double) -> [Double] {
    guard let old else { return new }
    return zip(old, new).map { (1 - decay) * $0 + decay * $1 }
  }

  /// The row scales a_i = min(sigma_i, 1 / sqrt(F_i)) of marginal k (sigma_i before any
  /// observation): never above the Gaussian value, so that a model still broader than the data
  /// (small F, as at initialization) does not inflate the violations.
  func rowScales(marginal k: Int) -> [Double] {
    guard let f = fisher[k] else { return moments[k].std }
    return zip(f, moments[k].std).map { $0 > 0 ? min($1, 1 / $0.squareRoot()) : $1 }
  }

  /// c_k = [c1, vec(c2)], [D + D^2], from a minibatch x [n, D] of marginal k and the model's
  /// score there [n, D]; differentiable through the score.
  func violations(marginal k: Int, x: PluginTensor, score: PluginTensor, host: PluginHost) -> PluginTensor {
    let d = dimension, n = Double(x.shape?.first ?? 1)
    let sigma = moments[k].std, a = rowScales(marginal: k)
    let z = (x - host.tensor(moments[k].mean, shape: [1, d])) / host.tensor(sigma, shape: [1, d])
    let s = score * host.tensor(a, shape: [1, d])
    let first = s.mean(axis: 0).reshaped([d])
    let offset = host.tensor((0..<(d * d)).map { $0 / d == $0 % d ? a[$0 / d] / sigma[$0 % d] : 0 }, shape: [d, d])
    let second = (s.matmul(z, transposeSelf: true) / n + offset).reshaped([d * d])
    return host.concatenate([first, second], axis: 0)
  }

  /// sum mu_k . c_k for marginal k (the multipliers as constants).
  func lagrangianTerm(marginal k: Int, violations c: PluginTensor, host: PluginHost) -> PluginTensor {
    (host.tensor(multipliers[k], shape: [multipliers[k].count]) * c).sum()
  }

  /// One dual ascent step for marginal k on this minibatch's violations.
  mutating func update(marginal k: Int, violations c: [Double]) {
    precondition(c.count == multipliers[k].count, "D + D^2 violations per marginal")
    multipliers[k] = Self.updated(multipliers[k], violations: c, rate: rate)
  }

  /// mu + rate clamp(c, -1, 1): ascent on the dual, so that a constraint violated on average keeps
  /// raising its multiplier's force against the violation until the violation is gone; one step
  /// moves a multiplier by at most `rate` (an unfitted model's large violations do not wind it up).
  static func updated(_ multipliers: [Double], violations c: [Double], rate: Double) -> [Double] {
    zip(multipliers, c).map { $0 + rate * min(max($1, -1), 1) }
  }
}
