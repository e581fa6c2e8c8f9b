// The toy distributions (NCLSupport) sampled into tensors, for the demo and the benchmarks.

extension ToyDistribution {
  /// `count` independent samples, [count, 2].
  public func sample<Scalar: TensorScalar>(_ count: Int, using g: inout SeededGenerator) -> Tensor<Scalar> {
    let values: [Double] = sample(count, using: &g)
    return Tensor(shape: [count, 2], scalars: values.map { Scalar($0) })
  }
}
