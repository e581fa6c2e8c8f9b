// The interaction kernel of the mean-field costs and the marginal laws' log-densities, on host tensors.
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import NCLPluginKit
import NCLSupport

enum MeanFieldTerms {
  /// DeepGSB's congestion kernel k(x, y) = 2 / (1 + |x - y|^2) of row pairs x [m, D], y [m, D], [m].
  static func interactionKernel(_ x: PluginTensor, _ y: PluginTensor) -> PluginTensor {
    2 / ((x - y).squared().sum(axis: 1) + 1)
  }

  /// log p(x) of a Gaussian mixture at points x [n, D], [n], differentiable in x (log-sum-exp over
  /// components); `GaussianMixture.logDensity` in host operations.
  static func logDensity(of law: GaussianMixture, at x: PluginTensor, host: PluginHost) -> PluginTensor {
    let d = law.dimension
    let parts = law.components.map { c -> PluginTensor in
      let z = (x - host.tensor(c.mean, shape: [1, d])) / host.tensor(c.std, shape: [1, d])
      let constant = log(c.weight) - c.std.reduce(0) { $0 + log($1) } - 0.5 * Double(d) * log(2 * Double.pi)
      return -0.5 * z.squared().sum(axis: 1, keepingDimension: true) + constant
    }
    let all = parts.count == 1 ? parts[0] : host.concatenate(parts, axis: 1)
    return all.logSumExp(axis: 1)
  }
}
