// The built-in default problem: dynamical optimal transport between two 2-D toy laws.

/// Least-action transport from `source` at t = 0 to `target` at t = 1 with NCLSupport's
/// `TransportLoss` (the loss DynamicalOT computes too), the kinetic energy by importance sampling
/// from the box [-proposalHalfWidth, proposalHalfWidth]^2: what `nclhost demo` trains, through
/// the same `Trainer` that runs plugins.
public struct TransportObjective: TrainingObjective {
  public var source: ToyDistribution
  public var target: ToyDistribution
  public var batch: Int
  public var loss: TransportLoss
  /// Half the side of the box the kinetic points are drawn from.
  public var proposalHalfWidth = 4.0
  /// Samples per marginal for the evaluation.
  public var evaluationSamples = 2000

  /// `kineticWeight` is small by default so that matching the marginals dominates and the kinetic
  /// term selects the least-action path among those that do (with weight 1 the model prefers
  /// poor likelihoods to moving mass).
  public init(source: ToyDistribution = .eightGaussians, target: ToyDistribution = .twoGaussians, batch: Int = 256,
              kineticWeight: Double = 0.05) {
    self.source = source
    self.target = target
    self.batch = batch
    loss = TransportLoss(kineticWeight: kineticWeight)
  }

  /// The model the demo trains: D = 2, K = 8, MADE 3 x 64 SiLU, telescoping flux.
  public static var defaultModel: ModelConfiguration {
    var c = ModelConfiguration(dimension: 2)
    c.hiddenSizes = [64, 64, 64]
    c.components = 8
    return c
  }

  public mutating func loss(model: NCLModel<Float>, step: Int, generator g: inout SeededGenerator) throws -> (loss: Tensor<Float>, terms: [String: Double]) {
    let terms = loss(model, x0: source.sample(batch, using: &g), x1: target.sample(batch, using: &g), kineticPoints: batch,
                     proposalHalfWidth: proposalHalfWidth, using: &g)
    return (terms.loss, [
      "nll0": Double(terms.negativeLogLikelihood0.scalar), "nll1": Double(terms.negativeLogLikelihood1.scalar),
      "kinetic": Double(terms.kinetic.scalar),
    ])
  }

  /// Held-out likelihoods at both ends, the kinetic energy, and the transport cost
  /// E|X_1 - X_0|^2 along the learned probability-flow ODE (RK4, 50 steps) from exact t = 0 samples.
  public mutating func evaluate(model: NCLModel<Float>, generator g: inout SeededGenerator) throws -> [String: Double] {
    let n = evaluationSamples
    let held0: Tensor<Float> = source.sample(n, using: &g), held1: Tensor<Float> = target.sample(n, using: &g)
    let terms = loss(model, x0: held0, x1: held1, kineticPoints: n, proposalHalfWidth: proposalHalfWidth, using: &g)
    let x0 = model.sample(at: 0, count: n, using: &g)
    let x1 = try model.integrate(from: x0, startTime: 0, endTime: 1, steps: 50, method: .rk4, using: &g).final
    return withoutGradient {
      [
        "nll0": Double(terms.negativeLogLikelihood0.scalar),
        "nll1": Double(terms.negativeLogLikelihood1.scalar),
        "kinetic": Double(terms.kinetic.scalar),
        "transport_cost": Double((x1 - x0).squared().sum(alongAxis: 1).mean().scalar),
      ]
    }
  }
}
