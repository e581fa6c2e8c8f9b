// The two-marginal dynamical optimal-transport loss, with a uniform importance proposal.

/// L = -E_{p0} log rho_0 - E_{p1} log rho_1 + kineticWeight * E_{t ~ U[0,1], x ~ q}[ |u_t(x)|^2 / 2 * rho_t(x) / q(x) ],
/// with q uniform on the box [-halfWidth, halfWidth]^D: an importance-sampling estimate of the
/// kinetic energy int_0^1 E_{rho_t} |u|^2 / 2 dt that needs no samples from the model.
public struct TransportLoss<Scalar: TensorScalar> {
  public var kineticWeight: Scalar = 1
  public var proposalHalfWidth: Scalar = 4
  public var noise: NoiseSchedule = .zero

  public init() {}

  public struct Terms {
    public let loss: Tensor<Scalar>
    public let negativeLogLikelihood0: Tensor<Scalar>
    public let negativeLogLikelihood1: Tensor<Scalar>
    public let kinetic: Tensor<Scalar>
  }

  /// The loss for samples x0 of p0 and x1 of p1 ([batch, D] each), drawing `batch` proposal points.
  public func callAsFunction(
    _ model: NCLModel<Scalar>, x0: Tensor<Scalar>, x1: Tensor<Scalar>, batch: Int, using g: inout SeededGenerator
  ) -> Terms {
    let d = model.dimension
    let t = Tensor<Scalar>.randomUniform([batch, 1], using: &g)
    let x = Tensor<Scalar>.randomUniform([batch, d], lower: -proposalHalfWidth, upper: proposalHalfWidth, using: &g)
    let nll0 = -model.logDensity(t: Tensor(0), x: x0).mean()
    let nll1 = -model.logDensity(t: Tensor(1), x: x1).mean()
    let fields = model.fields(t: t, x: x)
    let inverseProposal = Scalar.pow(2 * proposalHalfWidth, d)
    let kinetic = (0.5 * fields.drift(noise: noise).squared().sum(alongAxis: 1) * fields.logDensity.exp()).mean() * inverseProposal
    return Terms(loss: nll0 + nll1 + kineticWeight * kinetic, negativeLogLikelihood0: nll0, negativeLogLikelihood1: nll1, kinetic: kinetic)
  }
}

extension TransportLoss where Scalar == Float {
  /// One Adam step on the loss, returning its terms. Written for Float so that callers in other
  /// modules (benchmarks, the CLI) run code specialized inside the library.
  public func trainingStep(
    _ model: inout NCLModel<Float>, _ optimizer: inout Adam<Float>, x0: Tensor<Float>, x1: Tensor<Float>,
    batch: Int, using g: inout SeededGenerator
  ) -> Terms {
    let terms = self(model, x0: x0, x1: x1, batch: batch, using: &g)
    model.parameters = optimizer.step(model.parameters, gradients: gradient(of: [terms.loss], wrt: model.parameters))
    return terms
  }
}
