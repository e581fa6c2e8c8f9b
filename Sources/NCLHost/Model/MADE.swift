// The masked autoregressive conditioner: output i sees the time features and x_<i only.

/// A MADE-style masked MLP (Germain et al. 2015) with time conditioning.
///
/// Inputs are [phi(t), x_1..x_D]; outputs are `outputsPerCoordinate` numbers for each coordinate,
/// laid out [batch, D * outputsPerCoordinate] coordinate-major. Hidden units get degrees in
/// 0...D-1 (degree 0 = sees time only); x_j has degree j; a unit of degree m sees inputs of degree
/// <= m, and output i sees units of degree < i. Time features see everything, so every output,
/// including the first coordinate's, depends on t.
///
/// With `factorized` the x inputs are cut entirely: each coordinate's law depends on t alone
/// (the factorized model of the method note).
public struct MADE<Scalar: TensorScalar>: LayerStack {
  public let dimension: Int
  public let timeFeatures: TimeFeatures
  public let outputsPerCoordinate: Int
  public let activation: Activation
  public let factorized: Bool
  public var weights: [Tensor<Scalar>]
  public var biases: [Tensor<Scalar>]
  /// 0/1 masks, one per layer, shaped like the weights; constants.
  public let masks: [Tensor<Scalar>]

  public init(
    dimension: Int, timeFeatures: TimeFeatures, hiddenSizes: [Int], outputsPerCoordinate: Int,
    activation: Activation, factorized: Bool = false, generator: inout SeededGenerator
  ) {
    precondition(dimension >= 1, "dimension must be >= 1, got \(dimension)")
    precondition(!hiddenSizes.isEmpty && hiddenSizes.allSatisfy { $0 >= 1 }, "hidden sizes must be positive, got \(hiddenSizes)")
    self.dimension = dimension
    self.timeFeatures = timeFeatures
    self.outputsPerCoordinate = outputsPerCoordinate
    self.activation = activation

    // Degrees: time features -1 (always visible), x_j j (1-based), hidden units cycle 0...D-1,
    // output units of coordinate i have degree i.
    let inputDegrees = [Int](repeating: -1, count: timeFeatures.count) + (factorized ? [] : Array(1...dimension))
    let hiddenDegrees = hiddenSizes.map { size in (0..<size).map { factorized ? 0 : $0 % dimension } }
    let outputDegrees = (1...dimension).flatMap { [Int](repeating: $0, count: outputsPerCoordinate) }
    var masks: [Tensor<Scalar>] = []
    var previous = inputDegrees
    for (layer, degrees) in (hiddenDegrees + [outputDegrees]).enumerated() {
      let isOutput = layer == hiddenDegrees.count
      masks.append(Tensor(shape: [degrees.count, previous.count], scalars: degrees.flatMap { d in
        previous.map { p in (isOutput ? p < d : p <= d) ? 1 : 0 }
      }))
      previous = degrees
    }
    self.masks = masks
    let base = MLP<Scalar>(
      inputSize: inputDegrees.count, hiddenSizes: hiddenSizes, outputSize: dimension * outputsPerCoordinate,
      activation: activation, generator: &generator)
    weights = base.weights
    biases = base.biases
    self.factorized = factorized
  }

  /// t [batch, 1], x [batch, D] -> [batch, D, outputsPerCoordinate].
  public func callAsFunction(t: Tensor<Scalar>, x: Tensor<Scalar>) -> Tensor<Scalar> {
    precondition(x.rank == 2 && x.shape[1] == dimension, "x must have shape [batch, \(dimension)], got \(x.shape)")
    precondition(t.shape == [x.shape[0], 1], "t must have shape [\(x.shape[0]), 1], got \(t.shape)")
    let features = timeFeatures(t)
    var h = factorized ? features : Tensor.concatenate([features, x], alongAxis: 1)
    for layer in weights.indices {
      h = Tensor.linear(h, weight: weights[layer] * masks[layer], bias: biases[layer])
      if layer < weights.count - 1 { h = activation(h) }
    }
    return h.reshaped([x.shape[0], dimension, outputsPerCoordinate])
  }
}
