// Hard marginal constraints as Stein moment equalities, enforced by the method of multipliers.
import NCLPluginKit

/// Stein's identity: for any law p (decaying at infinity), E_p[grad log p] = 0 and
/// E_p[grad log p (x - m)^T] = -I. With the model's score s = grad log rho_{t_k} in place of
/// p_k's, the standardized moments (z = (x - m) / sigma and s~ = s sigma per coordinate, m and
/// sigma the marginal's mean and standard deviations)
///
///     c1 = E_{p_k}[s~]   (D)          c2 = E_{p_k}[s~ z^T] + I   (D x D)
///
/// vanish when rho_{t_k} = p_k and are first order in a shift or a rescaling of rho_{t_k} away
/// from p_k: exactly the directions the kinetic term pulls the marginals in (toward each other,
/// toward a common spread). Adding sum_k mu_k . c_k (mu_k the multipliers, constants in the loss)
/// to the soft objective and taking a dual ascent step mu_k <- mu_k + rate c_k after every
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

  init(rate: Double, moments: [(mean: [Double], std: [Double])]) {
    self.rate = rate
    self.moments = moments
    multipliers = moments.map { Array(repeating: 0, count: $0.mean.count * ($0.mean.count + 1)) }
  }

  var dimension: Int { moments.first?.mean.count ?? 0 }

  /// c_k = [c1, vec(c2)], [D + D^2], from a minibatch x [n, D] of marginal k and the model's
  /// score there [n, D]; differentiable through the score.
  func violations(marginal k: Int, x: PluginTensor, score: PluginTensor, host: PluginHost) -> PluginTensor {
    let d = dimension, n = Double(x.shape?.first ?? 1)
    let mean = host.tensor(moments[k].mean, shape: [1, d]), std = host.tensor(moments[k].std, shape: [1, d])
    let z = (x - mean) / std
    let s = score * std
    let first = s.mean(axis: 0).reshaped([d])
    let identity = host.tensor((0..<(d * d)).map { $0 / d == $0 % d ? 1 : 0 }, shape: [d, d])
    let second = (s.matmul(z, transposeSelf: true) / n + identity).reshaped([d * d])
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

  /// mu + rate c: ascent on the dual, so that a constraint violated on average keeps raising its
  /// multiplier's force against the violation until the violation is gone.
  static func updated(_ multipliers: [Double], violations c: [Double], rate: Double) -> [Double] {
    zip(multipliers, c).map { $0 + rate * $1 }
  }
}
