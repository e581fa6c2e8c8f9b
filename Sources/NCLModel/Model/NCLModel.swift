// The NCL model: an exact time-dependent density whose flux satisfies continuity by construction.

/// rho_t(x) = prod_i f_t(x_i | x_<i), each conditional a mixture of logistics whose parameters come
/// from a time-conditioned MADE, plus an optional learned divergence-free flux term.
///
/// `fields(t:x:)` gives everything the objectives need at a batch of points: log-density,
/// conditional CDFs, their time derivatives, the flux, score and drift for any noise schedule.
/// `sample(at:count:using:)` draws exact samples at any t, without an SDE.
public struct NCLModel<Scalar: TensorScalar> {
  public let configuration: ModelConfiguration
  public var conditioner: MADE<Scalar>
  public var divergenceFree: DivergenceFreeTerm<Scalar>?

  public init(configuration: ModelConfiguration, seed: UInt64) throws {
    try configuration.validate()
    self.configuration = configuration
    var generator = SeededGenerator(seed: seed)
    let features = TimeFeatures(frequencies: configuration.timeFrequencies)
    conditioner = MADE(
      dimension: configuration.dimension, timeFeatures: features, hiddenSizes: configuration.hiddenSizes,
      outputsPerCoordinate: 3 * configuration.components, activation: configuration.activation,
      factorized: configuration.flux == .factorized,
      hiddenUnitOrder: configuration.hiddenUnitOrder ?? .interleaved, generator: &generator)
    divergenceFree = configuration.divergenceFreeHiddenSizes.map { hidden in
      DivergenceFreeTerm(
        dimension: configuration.dimension, timeFeatures: features, hiddenSizes: hidden,
        activation: configuration.activation, form: configuration.divergenceFreeForm ?? .dense, generator: &generator)
    }
    parameters = parameters.map { $0.requiringGradient() }
  }

  public var dimension: Int { configuration.dimension }

  /// Conditioner parameters, then those of the divergence-free term: the order of optimizers
  /// and checkpoints.
  public var parameters: [Tensor<Scalar>] {
    get { conditioner.parameters + (divergenceFree?.parameters ?? []) }
    set {
      let split = conditioner.parameters.count
      precondition(newValue.count == split + (divergenceFree?.parameters.count ?? 0),
                   "\(newValue.count) parameters for a model with \(split + (divergenceFree?.parameters.count ?? 0))")
      conditioner.parameters = Array(newValue[..<split])
      divergenceFree?.parameters = Array(newValue[split...])
    }
  }

  public var parameterCount: Int { parameters.map(\.count).reduce(0, +) }

  /// The same model with constant parameters: evaluation without a parameter tape.
  public func detached() -> NCLModel {
    var copy = self
    copy.parameters = parameters.map { $0.detached() }
    return copy
  }

  /// The conditional laws at (t, x): t [batch, 1] or [1, 1] (shared by the batch), x [batch, D].
  public func mixture(t: Tensor<Scalar>, x: Tensor<Scalar>) -> LogisticMixture<Scalar> {
    LogisticMixture(conditionerOutput: conditioner(t: t, x: x), logScaleRange: logScaleRange)
  }

  /// Coordinate i's conditional law alone, [rows, 1, K], from the conditioner's first
  /// pre-activation (`MADECoordinatePasses`): one step of the samplers.
  func coordinateLaw(_ i: Int, passes: MADECoordinatePasses<Scalar>, firstPreactivation: Tensor<Scalar>) -> LogisticMixture<Scalar> {
    LogisticMixture(
      conditionerOutput: passes.coordinateOutput(i, lastHidden: passes.lastHidden(firstPreactivation: firstPreactivation)),
      logScaleRange: logScaleRange)
  }

  /// The clamp range of each component's log-scale.
  public var logScaleRange: ClosedRange<Scalar> { Scalar(configuration.minLogScale)...Scalar(configuration.maxLogScale) }

  /// log rho_t(x), [batch]: the cheapest path, for likelihood terms.
  public func logDensity(t: Tensor<Scalar>, x: Tensor<Scalar>) -> Tensor<Scalar> {
    mixture(t: Self.column(t, batch: x.shape[0]), x: x).logDensity(x).sum(alongAxis: 1)
  }

  /// Every field at (t, x); see `ModelFields`. `differentiable`: whether derivative fields
  /// (time derivatives, score, flux) are recorded for a further gradient, as a loss needs.
  public func fields(t: Tensor<Scalar>, x: Tensor<Scalar>, differentiable: Bool = true) -> ModelFields<Scalar> {
    ModelFields(model: self, t: Self.column(t, batch: x.shape[0]), x: x, differentiable: differentiable)
  }

  /// Accepts t as [batch, 1], [batch] or a single time [] / [1] / [1, 1]; returns [batch, 1], or
  /// [1, 1] for a single time, which the conditioner evaluates once for the whole batch.
  static func column(_ t: Tensor<Scalar>, batch: Int) -> Tensor<Scalar> {
    switch t.shape {
    case [batch, 1], [1, 1]: return t
    case [batch]: return t.reshaped([batch, 1])
    case [], [1]: return t.reshaped([1, 1])
    default: preconditionFailure("time of shape \(t.shape) for a batch of \(batch): use [\(batch), 1], [\(batch)] or a scalar")
    }
  }
}
