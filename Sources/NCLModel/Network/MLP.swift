// A fully connected network with smooth activations.

/// x -> W_L act(... act(W_1 x + b_1) ...) + b_L, weights stored [out, in] as in `Tensor.linear`.
public struct MLP<Scalar: TensorScalar>: LayerStack {
  public var weights: [Tensor<Scalar>]
  public var biases: [Tensor<Scalar>]
  public let activation: Activation

  /// Uniform initialization in ±1/sqrt(fan-in) (PyTorch's default for linear layers), so that
  /// benchmarks and comparisons start from the same scale.
  public init(
    inputSize: Int, hiddenSizes: [Int], outputSize: Int, activation: Activation = .silu,
    generator: inout SeededGenerator
  ) {
    precondition(inputSize > 0 && outputSize > 0 && hiddenSizes.allSatisfy { $0 > 0 },
                 "MLP sizes must be positive: input \(inputSize), hidden \(hiddenSizes), output \(outputSize)")
    let sizes = [inputSize] + hiddenSizes + [outputSize]
    weights = []
    biases = []
    for (fanIn, fanOut) in zip(sizes, sizes.dropFirst()) {
      let bound = 1 / Scalar(fanIn).squareRoot()
      weights.append(.randomUniform([fanOut, fanIn], lower: -bound, upper: bound, using: &generator))
      biases.append(.randomUniform([fanOut], lower: -bound, upper: bound, using: &generator))
    }
    self.activation = activation
  }

  public func callAsFunction(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
    var h = x
    for layer in weights.indices {
      h = Tensor.linear(h, weight: weights[layer], bias: biases[layer])
      if layer < weights.count - 1 { h = activation(h) }
    }
    return h
  }
}
