// Networks made of affine layers: one definition of their flat parameter list.

/// A stack of affine layers with weights [out, in] and biases [out].
public protocol LayerStack {
  associatedtype Scalar: TensorScalar
  var weights: [Tensor<Scalar>] { get set }
  var biases: [Tensor<Scalar>] { get set }
}

extension LayerStack {
  /// Weights then biases, layer by layer: the order optimizers and checkpoints use.
  public var parameters: [Tensor<Scalar>] {
    get { zip(weights, biases).flatMap { [$0, $1] } }
    set {
      precondition(newValue.count == 2 * weights.count, "\(newValue.count) parameters for \(weights.count) layers")
      for layer in weights.indices {
        weights[layer] = newValue[2 * layer]
        biases[layer] = newValue[2 * layer + 1]
      }
    }
  }

  public var parameterCount: Int { parameters.map(\.count).reduce(0, +) }
}
