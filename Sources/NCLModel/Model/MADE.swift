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
///
/// With hidden units grouped by degree (`HiddenUnitOrder.grouped`), the units that see time only
/// come first in every layer. When a whole batch shares one time (a likelihood term at a snapshot
/// time), they are computed once instead of once per sample, and only the units that see x run
/// at the batch size: for D = 2 that is a quarter of the matrix work of the dense masked layer.
/// Both forms compute the same function (`MADETests`).
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
  /// Per layer: how many leading inputs and outputs see time only (see `blockedForward`).
  let timeOnlyBlocks: [(inputs: Int, outputs: Int)]
  /// Per layer: whether the mask has a zero (an all-ones mask is not multiplied in).
  let isMasked: [Bool]
  public let hiddenUnitOrder: HiddenUnitOrder

  public init(
    dimension: Int, timeFeatures: TimeFeatures, hiddenSizes: [Int], outputsPerCoordinate: Int,
    activation: Activation, factorized: Bool = false, hiddenUnitOrder: HiddenUnitOrder = .grouped,
    generator: inout SeededGenerator
  ) {
    precondition(dimension >= 1, "dimension must be >= 1, got \(dimension)")
    precondition(!hiddenSizes.isEmpty && hiddenSizes.allSatisfy { $0 >= 1 }, "hidden sizes must be positive, got \(hiddenSizes)")
    self.dimension = dimension
    self.timeFeatures = timeFeatures
    self.outputsPerCoordinate = outputsPerCoordinate
    self.activation = activation
    self.factorized = factorized
    self.hiddenUnitOrder = hiddenUnitOrder

    // Degrees: time features -1 (always visible), x_j j (1-based), hidden units 0...D-1,
    // output units of coordinate i have degree i.
    let inputDegrees = [Int](repeating: -1, count: timeFeatures.count) + (factorized ? [] : Array(1...dimension))
    let hiddenDegrees = hiddenSizes.map { size in
      (0..<size).map { factorized ? 0 : hiddenUnitOrder.degree(ofUnit: $0, layerSize: size, dimension: dimension) }
    }
    let outputDegrees = (1...dimension).flatMap { [Int](repeating: $0, count: outputsPerCoordinate) }
    var masks: [[[Bool]]] = []
    var previous = inputDegrees
    for (layer, degrees) in (hiddenDegrees + [outputDegrees]).enumerated() {
      let isOutput = layer == hiddenDegrees.count
      masks.append(degrees.map { d in previous.map { p in isOutput ? p < d : p <= d } })
      previous = degrees
    }
    self.masks = masks.map { rows in
      Tensor(shape: [rows.count, rows[0].count], scalars: rows.flatMap { $0.map { $0 ? 1 : 0 } })
    }
    isMasked = masks.map { rows in rows.contains { $0.contains(false) } }
    timeOnlyBlocks = Self.timeOnlyBlocks(masks, timeFeatureCount: timeFeatures.count)

    let base = MLP<Scalar>(
      inputSize: inputDegrees.count, hiddenSizes: hiddenSizes, outputSize: dimension * outputsPerCoordinate,
      activation: activation, generator: &generator)
    weights = base.weights
    biases = base.biases
  }

  /// The leading inputs and outputs of each layer that depend on t alone: the inputs are the
  /// previous layer's time-only outputs (the time features for the first layer), the outputs
  /// the longest run of leading rows whose mask is zero on every other input.
  private static func timeOnlyBlocks(_ masks: [[[Bool]]], timeFeatureCount: Int) -> [(inputs: Int, outputs: Int)] {
    var inputs = timeFeatureCount
    return masks.map { rows in
      let outputs = rows.prefix { row in !row[inputs...].contains(true) }.count
      defer { inputs = outputs }
      return (inputs, outputs)
    }
  }

  /// t [batch, 1] or [1, 1] (one time for the whole batch), x [batch, D] -> [batch, D, outputsPerCoordinate].
  public func callAsFunction(t: Tensor<Scalar>, x: Tensor<Scalar>) -> Tensor<Scalar> {
    let batch = x.shape[0]
    precondition(x.rank == 2 && x.shape[1] == dimension, "x must have shape [batch, \(dimension)], got \(x.shape)")
    precondition(t.shape == [batch, 1] || t.shape == [1, 1], "t must have shape [\(batch), 1] or [1, 1], got \(t.shape)")
    let output: Tensor<Scalar>
    if hiddenUnitOrder == .grouped && (t.shape[0] != batch || batch >= Self.blockedBatch) {
      output = blockedForward(t: t, x: x)
    } else {
      output = denseForward(t: t.broadcast(to: [batch, 1]), x: x)
    }
    return output.reshaped([batch, dimension, outputsPerCoordinate])
  }

  func maskedWeight(_ layer: Int) -> Tensor<Scalar> {
    isMasked[layer] ? weights[layer] * masks[layer] : weights[layer]
  }

  /// One masked matrix product per layer, every unit at every sample.
  private func denseForward(t: Tensor<Scalar>, x: Tensor<Scalar>) -> Tensor<Scalar> {
    let features = timeFeatures(t)
    var h = factorized ? features : Tensor.concatenate([features, x], alongAxis: 1)
    for layer in weights.indices {
      h = Tensor.linear(h, weight: maskedWeight(layer), bias: biases[layer])
      if layer < weights.count - 1 { h = activation(h) }
    }
    return h
  }

  /// From this many rows on, per-sample times also take the blocked form: it skips the zero
  /// quarter (D = 2) of each masked matrix but runs three smaller products instead of one, which
  /// only pays for large batches (measured with `ncl-bench ref-ot2d`).
  public static var blockedBatch: Int { 2048 }

  /// The same function split by blocks: each layer's time-only units are computed from the
  /// time-only inputs alone ([1, n] when the batch shares one time: once, not per sample), and
  /// the rest per sample, with the time-only inputs entering as a (broadcast) bias. Needs grouped
  /// degrees, so that every block is at least one unit wide.
  private func blockedForward(t: Tensor<Scalar>, x: Tensor<Scalar>) -> Tensor<Scalar> {
    let batch = x.shape[0]
    var timeOnly = timeFeatures(t)
    var perSample: Tensor<Scalar>? = factorized ? nil : x
    for layer in weights.indices {
      let (timeInputs, timeOutputs) = timeOnlyBlocks[layer]
      let (outputs, inputs) = (weights[layer].shape[0], weights[layer].shape[1])
      let w = maskedWeight(layer)
      let b = biases[layer]
      let nextTimeOnly = Tensor.linear(
        timeOnly, weight: w.slice(alongAxis: 0, 0..<timeOutputs).slice(alongAxis: 1, 0..<timeInputs),
        bias: b.slice(alongAxis: 0, 0..<timeOutputs))
      var nextPerSample: Tensor<Scalar>? = nil
      if timeOutputs < outputs {
        let rows = w.slice(alongAxis: 0, timeOutputs..<outputs)
        let fromTime = Tensor.linear(
          timeOnly, weight: rows.slice(alongAxis: 1, 0..<timeInputs), bias: b.slice(alongAxis: 0, timeOutputs..<outputs))
        if let perSample, timeInputs < inputs {
          nextPerSample = Tensor.linear(perSample, weight: rows.slice(alongAxis: 1, timeInputs..<inputs), bias: nil) + fromTime
        } else {
          nextPerSample = fromTime.broadcast(to: [batch, outputs - timeOutputs])
        }
      }
      if layer < weights.count - 1 {
        timeOnly = activation(nextTimeOnly)
        perSample = nextPerSample.map { activation($0) }
      } else {
        timeOnly = nextTimeOnly
        perSample = nextPerSample
      }
    }
    let timeOnlyRows = timeOnly.broadcast(to: [batch, timeOnly.shape[1]])
    guard let perSample else { return timeOnlyRows }
    return Tensor.concatenate([timeOnlyRows, perSample], alongAxis: 1)
  }
}

/// How hidden units are assigned their MADE degrees.
public enum HiddenUnitOrder: String, Codable, Sendable {
  /// Degrees in blocks, 0 first (unit h of n has degree floor(h D / n)): lets a batch at one time
  /// compute the time-only units once. The default.
  case grouped
  /// Unit h has degree h mod D: the order of models saved before grouped degrees existed.
  case interleaved

  func degree(ofUnit unit: Int, layerSize: Int, dimension: Int) -> Int {
    switch self {
    case .grouped: return unit * dimension / layerSize
    case .interleaved: return unit % dimension
    }
  }
}
