// One coordinate's outputs at a time: what ancestral sampling and the Knothe-Rosenblatt flux need.

extension MADE {
  /// The conditioner's masked layers, masked once, for passes that need one coordinate at a time.
  public func coordinatePasses() -> MADECoordinatePasses<Scalar> {
    MADECoordinatePasses(made: self)
  }
}

/// Sampling draws x_i from coordinate i's law, and the Knothe-Rosenblatt flux differentiates
/// coordinate i's CDF, once for each i in turn. Running the whole conditioner for each would cost
/// D passes of D outputs each (O(D^2) per point); these pieces cost one pass of the hidden layers
/// and one coordinate's output rows per step, and let the first layer's pre-activation be
/// updated one input at a time (x_j enters it through one column of the masked weight).
/// They compute the function of `MADE.callAsFunction` (`MADETests`).
public struct MADECoordinatePasses<Scalar: TensorScalar> {
  public let made: MADE<Scalar>
  /// Each layer's weight times its mask (recorded on the tape when the parameters are).
  let weights: [Tensor<Scalar>]

  init(made: MADE<Scalar>) {
    self.made = made
    weights = made.weights.indices.map { made.maskedWeight($0) }
  }

  var timeFeatureCount: Int { made.timeFeatures.count }

  /// The first layer's pre-activation W [phi(t), x] + b at x = 0: [rows of t, H_1]. Add the
  /// inputs with `addingInput`.
  public func timeOnlyPreactivation(t: Tensor<Scalar>) -> Tensor<Scalar> {
    Tensor.linear(made.timeFeatures(t), weight: weights[0].slice(alongAxis: 1, 0..<timeFeatureCount), bias: made.biases[0])
  }

  /// Column j of the first layer's masked weight as a row [1, H_1]: how x_j enters the first
  /// layer's pre-activation.
  public func inputWeight(coordinate j: Int) -> Tensor<Scalar> {
    precondition(!made.factorized, "a factorized conditioner has no x inputs")
    let column = timeFeatureCount + j
    return weights[0].slice(alongAxis: 1, column..<column + 1).reshaped([1, weights[0].shape[0]])
  }

  /// The first layer's pre-activation with x_j = `values` [batch, 1] added (it had x_j = 0);
  /// unchanged for a factorized conditioner, whose outputs see t alone.
  public func addingInput(_ preactivation: Tensor<Scalar>, coordinate j: Int, values: Tensor<Scalar>) -> Tensor<Scalar> {
    made.factorized ? preactivation : preactivation + values * inputWeight(coordinate: j)
  }

  /// The first layer's pre-activation at (t, x): t [batch, 1] or [1, 1], x [batch, D] -> [batch, H_1].
  public func firstPreactivation(t: Tensor<Scalar>, x: Tensor<Scalar>) -> Tensor<Scalar> {
    let features = made.timeFeatures(t).broadcast(to: [x.shape[0], timeFeatureCount])
    let input = made.factorized ? features : Tensor.concatenate([features, x], alongAxis: 1)
    return Tensor.linear(input, weight: weights[0], bias: made.biases[0])
  }

  /// The last hidden layer from the first layer's pre-activation, [batch, H_L].
  public func lastHidden(firstPreactivation: Tensor<Scalar>) -> Tensor<Scalar> {
    var h = made.activation(firstPreactivation)
    for layer in 1..<(weights.count - 1) {
      h = made.activation(Tensor.linear(h, weight: weights[layer], bias: made.biases[layer]))
    }
    return h
  }

  /// Every coordinate's outputs from the last hidden layer: [batch, D, outputsPerCoordinate],
  /// `MADE.callAsFunction`'s dense form.
  public func output(lastHidden h: Tensor<Scalar>) -> Tensor<Scalar> {
    let last = weights.count - 1
    return Tensor.linear(h, weight: weights[last], bias: made.biases[last]).reshaped([h.shape[0], made.dimension, made.outputsPerCoordinate])
  }

  /// Coordinate i's outputs from the last hidden layer: [batch, 1, outputsPerCoordinate], the
  /// slice i of `MADE.callAsFunction`'s result.
  public func coordinateOutput(_ i: Int, lastHidden h: Tensor<Scalar>) -> Tensor<Scalar> {
    let last = weights.count - 1, n = made.outputsPerCoordinate
    let rows = i * n..<(i + 1) * n
    return Tensor.linear(h, weight: weights[last].slice(alongAxis: 0, rows), bias: made.biases[last].slice(alongAxis: 0, rows))
      .reshaped([h.shape[0], 1, n])
  }
}
