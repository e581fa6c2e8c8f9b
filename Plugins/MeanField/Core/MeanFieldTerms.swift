// The interaction kernel of the mean-field costs, on host tensors.
import NCLPluginKit

enum MeanFieldTerms {
  /// DeepGSB's congestion kernel k(x, y) = 2 / (1 + |x - y|^2) of row pairs x [m, D], y [m, D], [m].
  static func interactionKernel(_ x: PluginTensor, _ y: PluginTensor) -> PluginTensor {
    2 / ((x - y).squared().sum(axis: 1) + 1)
  }
}
