// Random tensors from the seeded generator (NCLSupport), reproducible across runs and machines.

extension Tensor {
  /// Independent standard normal entries, times `scale`.
  public static func randomNormal(_ shape: [Int], scale: Scalar = 1, using generator: inout SeededGenerator) -> Tensor {
    Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in scale * Scalar(generator.nextNormal()) })
  }

  /// Independent uniform entries in (lower, upper).
  public static func randomUniform(
    _ shape: [Int], lower: Scalar = 0, upper: Scalar = 1, using generator: inout SeededGenerator
  ) -> Tensor {
    Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in lower + (upper - lower) * Scalar(generator.nextUniform()) })
  }
}
