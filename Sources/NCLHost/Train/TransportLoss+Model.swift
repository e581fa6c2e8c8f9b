// The transport loss (NCLSupport) between two marginals on the host's model: what the demo and
// the ref-ot2d benchmark train.
import RealModule

extension TransportLoss {
  /// The terms of the two-marginal loss, as tensors of the host.
  public struct Terms<Scalar: TensorScalar> {
    public let loss: Tensor<Scalar>
    public let negativeLogLikelihood0: Tensor<Scalar>
    public let negativeLogLikelihood1: Tensor<Scalar>
    /// int_0^1 E_{rho_t}[|u|^2 / 2] dt, before the weight.
    public let kinetic: Tensor<Scalar>
  }

  /// The loss for samples x0 of p0 (at t = 0) and x1 of p1 (at t = 1), [batch, D] each, with the
  /// kinetic energy estimated by importance sampling from `kineticPoints` points t ~ U[0, 1],
  /// x ~ U[-h, h]^D (q = (2h)^-D, h = `proposalHalfWidth`), for the drift of noise `noise`.
  ///
  /// The box proposal needs no samples from the model and is the setup of `ncl-bench ref-ot2d`
  /// and its PyTorch reference; DynamicalOT computes the same terms with its own proposals.
  public func callAsFunction<Scalar: TensorScalar>(
    _ model: NCLModel<Scalar>, x0: Tensor<Scalar>, x1: Tensor<Scalar>, kineticPoints count: Int,
    proposalHalfWidth h: Double = 4, noise: NoiseSchedule = .zero, using g: inout SeededGenerator
  ) -> Terms<Scalar> {
    let d = model.dimension
    let t = Tensor<Scalar>.randomUniform([count, 1], using: &g)
    let x = Tensor<Scalar>.randomUniform([count, d], lower: Scalar(-h), upper: Scalar(h), using: &g)
    let logProposal = Tensor<Scalar>(repeating: Scalar(-Double(d) * Double.log(2 * h)), shape: [count])
    let nll0 = Self.negativeLogLikelihood(logDensity: model.logDensity(t: Tensor(0), x: x0))
    let nll1 = Self.negativeLogLikelihood(logDensity: model.logDensity(t: Tensor(1), x: x1))
    let fields = model.fields(t: t, x: x)
    let kinetic = Estimator.importance.expectation(
      Self.kineticEnergy(drift: fields.drift(noise: noise)), logDensity: fields.logDensity, logProposal: logProposal, length: 1)
    return Terms(
      loss: loss(negativeLogLikelihoods: [nll0, nll1], kinetic: kinetic), negativeLogLikelihood0: nll0,
      negativeLogLikelihood1: nll1, kinetic: kinetic)
  }

  /// One Adam step on the loss with `batch` kinetic points, returning its terms. Written for
  /// Float so that callers in other modules (benchmarks, the CLI) run code specialized inside the
  /// library.
  public func trainingStep(
    _ model: inout NCLModel<Float>, _ optimizer: inout Adam<Float>, x0: Tensor<Float>, x1: Tensor<Float>,
    batch: Int, using g: inout SeededGenerator
  ) -> Terms<Float> {
    let terms = self(model, x0: x0, x1: x1, kineticPoints: batch, using: &g)
    model.parameters = optimizer.step(model.parameters, gradients: gradient(of: [terms.loss], wrt: model.parameters))
    return terms
  }
}
