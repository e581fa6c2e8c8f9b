// Every field of the model at a batch of points, computed on demand and shared.

/// Density, CDFs, time derivatives, flux, score and drift at a batch (t, x), each computed the
/// first time it is asked for and kept, so an objective pays only for what it uses.
///
/// Shapes: batch B, dimension D. t is [B, 1], or [1, 1] for one time shared by the batch (the
/// conditioner then computes its time-only units once), x is [B, D]. Time derivatives are partial
/// derivatives at fixed x (t enters through a fresh leaf, so x may depend on anything).
public final class ModelFields<Scalar: TensorScalar> {
  public let model: NCLModel<Scalar>
  public let t: Tensor<Scalar>
  public let x: Tensor<Scalar>
  /// Whether derivative fields are recorded so that a loss built from them can be differentiated.
  public let differentiable: Bool
  public let mixture: LogisticMixture<Scalar>
  /// Whether the tape recorded when the fields were made: the lazy ones below record the same
  /// way wherever they are first read, so derivatives of them work from any later scope.
  private let recording: Bool
  /// z = (x_i - mu_k) / s_k, [B, D, K], shared by the conditional densities and CDFs.
  private lazy var standardized: Tensor<Scalar> = recorded { mixture.standardized(x) }
  /// log f_t(x_i | x_<i), [B, D].
  public private(set) lazy var logConditionals: Tensor<Scalar> = recorded { mixture.logDensity(standardized: standardized) }
  /// F_t(x_i | x_<i), [B, D]; not computed for a density alone (scoring points costs a third less).
  public private(set) lazy var cdf: Tensor<Scalar> = recorded { mixture.cdf(standardized: standardized) }

  private func recorded(_ body: () -> Tensor<Scalar>) -> Tensor<Scalar> {
    GradientMode.$isEnabled.withValue(recording, operation: body)
  }

  /// The conditioner's first pre-activation and last hidden layer at (t, x), which the
  /// Knothe-Rosenblatt flux's one-coordinate passes start from.
  private var hiddenStates: (passes: MADECoordinatePasses<Scalar>, preactivation: Tensor<Scalar>, hidden: Tensor<Scalar>)?

  init(model: NCLModel<Scalar>, t: Tensor<Scalar>, x: Tensor<Scalar>, differentiable: Bool) {
    self.model = model
    self.t = t.detached().requiringGradient()
    self.x = x.requiresGradient ? x : x.requiringGradient()
    self.differentiable = differentiable
    recording = GradientMode.isEnabled
    if model.configuration.flux == .knotheRosenblatt && self.t.shape[0] == self.x.shape[0] {
      // Per-row times: the conditioner's dense pass, kept layer by layer for the flux.
      let states = Self.hiddenStates(model: model, t: self.t, x: self.x)
      hiddenStates = states
      mixture = LogisticMixture(conditionerOutput: states.passes.output(lastHidden: states.hidden), logScaleRange: model.logScaleRange)
    } else {
      mixture = model.mixture(t: self.t, x: self.x)
    }
  }

  /// The conditioner's first pre-activation and last hidden layer at (t, x).
  private static func hiddenStates(
    model: NCLModel<Scalar>, t: Tensor<Scalar>, x: Tensor<Scalar>
  ) -> (passes: MADECoordinatePasses<Scalar>, preactivation: Tensor<Scalar>, hidden: Tensor<Scalar>) {
    let passes = model.conditioner.coordinatePasses()
    let preactivation = passes.firstPreactivation(t: t, x: x)
    return (passes, preactivation, passes.lastHidden(firstPreactivation: preactivation))
  }

  var batch: Int { x.shape[0] }
  var dimension: Int { model.dimension }

  /// log rho_t(x), [B].
  public private(set) lazy var logDensity: Tensor<Scalar> = logConditionals.sum(alongAxis: 1)

  /// (d_t log f_i, d_t F_i), each [B, D], from one forward-mode pass in t.
  public private(set) lazy var timeDerivatives: (logConditionals: Tensor<Scalar>, cdf: Tensor<Scalar>) = {
    let d = jvp(of: [logConditionals, cdf], wrt: [t], tangents: [.ones(t.shape)], createGraph: differentiable)
    return (d[0], d[1])
  }()

  /// d_t log rho_t(x), [B].
  public var timeDerivativeOfLogDensity: Tensor<Scalar> { timeDerivatives.logConditionals.sum(alongAxis: 1) }

  /// grad_x log rho_t(x), [B, D].
  public private(set) lazy var score: Tensor<Scalar> =
    gradient(of: [logDensity], wrt: [x], createGraph: differentiable)[0]

  /// j / rho for the chosen flux construction, without the divergence-free term: the
  /// probability-flow velocity of the density path, [B, D].
  public private(set) lazy var constructedVelocity: Tensor<Scalar> = computeConstructedVelocity()

  private func computeConstructedVelocity() -> Tensor<Scalar> {
    let logF = logConditionals
    switch model.configuration.flux {
    case .telescoping(let tau):
      // u_i = -exp(sum_{k>i}[log s'_tau(x_k) - log f_k] - log f_i) ((sum_{k<i} d_t log f_k)(F_i - s_tau(x_i)) + d_t F_i)
      let (dtLogF, dtF) = timeDerivatives
      // x itself, not a constant copy: derivatives in x (Jacobian penalties, samples that depend on
      // the parameters) must see the reference's sigma_tau(x_i) and log sigma'_tau(x_k).
      let z = x / Scalar(tau)
      let logReference = Logistic.logDensity(z) - Scalar.log(Scalar(tau))
      let logTail = (logReference - logF).cumulativeSum(alongAxis: 1, exclusive: true, reverse: true) - logF
      let tailFactor = logTail.clamped(lower: -.greatestFiniteMagnitude, upper: Scalar(model.configuration.maxLogTailFactor)).exp()
      let prefixRate = dtLogF.cumulativeSum(alongAxis: 1, exclusive: true)
      return -tailFactor * (prefixRate * (cdf - z.sigmoid()) + dtF)
    case .naive:
      // a = e_D rho(x_<D) F_D: only the last coordinate moves.
      let (dtLogF, dtF) = timeDerivatives
      let last = dimension - 1
      let prefixRate = dtLogF.slice(alongAxis: 1, 0..<last).sum(alongAxis: 1, keepingDimension: true)
      let dimension = self.dimension
      let slice = { (v: Tensor<Scalar>) in v.slice(alongAxis: 1, last..<dimension) }
      let uLast = -(-slice(logF)).exp() * (prefixRate * slice(cdf) + slice(dtF))
      return last == 0 ? uLast : Tensor.concatenate([.zeros([batch, last]), uLast], alongAxis: 1)
    case .factorized:
      return -(-logF).exp() * timeDerivatives.cdf
    case .knotheRosenblatt:
      // u_i = -(d_t F_i + sum_{k<i} (d_{x_k} F_i) u_k) / f_i: a directional derivative of F_i
      // along (1, u_1, ..., u_{i-1}, 0, ...), one forward-mode pass per coordinate. Each pass
      // runs from the first layer's pre-activation, whose tangent gains one column per
      // coordinate (W_x[:, k] u_k), through the hidden layers to coordinate i's outputs alone:
      // about D hidden passes in all, not D passes of the whole conditioner.
      if hiddenStates == nil { hiddenStates = Self.hiddenStates(model: model, t: t, x: x) }
      let (passes, preactivation, hidden) = hiddenStates!
      var tangent = jvp(of: preactivation, wrt: t, tangent: .ones(t.shape), createGraph: differentiable)
      var columns: [Tensor<Scalar>] = []
      for i in 0..<dimension {
        if i > 0 { tangent = tangent + columns[i - 1] * passes.inputWeight(coordinate: i - 1) }
        let law = LogisticMixture(conditionerOutput: passes.coordinateOutput(i, lastHidden: hidden), logScaleRange: model.logScaleRange)
        // x_i enters F_i directly too, but the direction's i-th entry is 0.
        let cdf = law.cdf(x.slice(alongAxis: 1, i..<i + 1))
        let dF = jvp(of: cdf, wrt: preactivation, tangent: tangent, createGraph: differentiable)
        columns.append(-(-logF.slice(alongAxis: 1, i..<i + 1)).exp() * dF)
      }
      return Tensor.concatenate(columns, alongAxis: 1)
    }
  }

  /// b / rho of the learned divergence-free term, [B, D]; zeros when the model has none.
  public private(set) lazy var divergenceFreeVelocity: Tensor<Scalar> = {
    guard let term = model.divergenceFree else { return .zeros([batch, dimension]) }
    return term.velocity(t: t, x: x, score: score, createGraph: differentiable)
  }()

  /// The probability-flow velocity j / rho (g = 0), divergence-free term included, [B, D].
  public var velocity: Tensor<Scalar> {
    model.divergenceFree == nil ? constructedVelocity : constructedVelocity + divergenceFreeVelocity
  }

  /// The flux j = rho u_{g=0}, [B, D]; d_t rho + div j = 0.
  public var flux: Tensor<Scalar> { velocity * logDensity.exp().reshaped([batch, 1]) }

  /// Drift of dX = u dt + g dW with marginals rho_t: u = j / rho + (g^2 / 2) grad log rho, [B, D].
  public func drift(noise: NoiseSchedule) -> Tensor<Scalar> {
    if noise.isZero { return velocity }
    let g = noise.values(at: t.detached())
    return velocity + 0.5 * g * g * score
  }
}
