// The flow-matching regression: the linear interpolant, its velocity, and the minibatch-OT coupling.
import NCLSupport

/// Flow matching on the interpolant x_t = (1 - t) x_0 + t x_1 between noise x_0 and data x_1,
/// whose velocity along each pair is x_1 - x_0. Regressing the model's probability-flow velocity
/// v_t onto it,
///
///     L_FM = E_t E_{(x_0, x_1)} | (v_t(x_t) - (x_1 - x_0)) / scale |^2,
///
/// has the interpolant's marginal velocity as its minimizer (the conditional expectation), so the
/// model's density path, which follows its own velocity exactly, follows the interpolant's
/// marginals. Residuals are divided by the data map's scale, so every coordinate counts as in the
/// model's standardized units.
///
/// Written against `TransportTensor`, so the plugin (host tensors) and the tests (the host's
/// Double tensors) compute the same terms.
public enum FlowMatching {
  /// x_t for times t [n, 1] and endpoints [n, D].
  public static func interpolant<T: TransportTensor>(x0: T, x1: T, t: T) -> T {
    x0 + t * (x1 - x0)
  }

  /// The mean over the batch of |(v - (x_1 - x_0)) * inverseScale|^2 for velocities v [n, D] at
  /// x_t; `inverseScale` [1, D] or [D] holds 1 / scale.
  public static func loss<T: TransportTensor>(velocity v: T, x0: T, x1: T, inverseScale: T) -> T {
    ((v - (x1 - x0)) * inverseScale).squared().rowSums().elementMean()
  }

  /// The order of the noise points that pairs x_0[order[i]] with x_1[i] at the least total squared
  /// distance in model units (an exact assignment of the batch), for row-major [n, D] points.
  public static func otPairing(x0: [Double], x1: [Double], dimension d: Int, scale: [Double]) -> [Int] {
    let n = x1.count / d
    var cost = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
      for j in 0..<n {
        var s = 0.0
        for k in 0..<d { let e = (x1[i * d + k] - x0[j * d + k]) / scale[k]; s += e * e }
        cost[i * n + j] = s
      }
    }
    return Assignment.solve(cost: cost, n: n)
  }
}
