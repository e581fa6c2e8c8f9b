// The built-in default problem: dynamical optimal transport between two 2-D toy laws.
import Foundation

/// Trains the reference 2-D model between two toy distributions with `TransportLoss` and reports
/// likelihoods and the transport cost of the learned flow. This is what `nclhost demo` runs.
public struct TransportDemo {
  public var source: ToyDistribution = .eightGaussians
  public var target: ToyDistribution = .twoGaussians
  public var steps = 2000
  public var batch = 256
  public var learningRate: Float = 2e-3
  /// Weight of the kinetic term: small, so that matching the marginals dominates and the kinetic
  /// term selects the least-action path among those that do.
  public var kineticWeight: Float = 0.05
  public var seed: UInt64 = 0
  public var configuration: ModelConfiguration = {
    var c = ModelConfiguration(dimension: 2)
    c.hiddenSizes = [64, 64, 64]
    c.components = 8
    return c
  }()

  public init() {}

  public struct Report {
    public let model: NCLModel<Float>
    public let negativeLogLikelihood0: Double
    public let negativeLogLikelihood1: Double
    public let kinetic: Double
    /// E |X_1 - X_0|^2 along the learned probability-flow ODE from exact samples at t = 0.
    public let transportCost: Double
    public let seconds: Double
  }

  /// Trains, calling `progress` with a line every `progressEvery` steps.
  public func run(progressEvery: Int = 100, progress: (String) -> Void) throws -> Report {
    guard steps >= 1, batch >= 1 else { throw NCLError.invalidArgument("steps and batch must be >= 1 (got \(steps), \(batch))") }
    var model = try NCLModel<Float>(configuration: configuration, seed: seed)
    var adam = Adam<Float>(learningRate: learningRate)
    var g = SeededGenerator(seed: seed &+ 1)
    var loss = TransportLoss<Float>()
    loss.kineticWeight = kineticWeight
    let start = Date()
    for step in 1...steps {
      let x0: Tensor<Float> = source.sample(batch, using: &g), x1: Tensor<Float> = target.sample(batch, using: &g)
      var candidate = model, candidateOptimizer = adam
      let terms = loss.trainingStep(&candidate, &candidateOptimizer, x0: x0, x1: x1, batch: batch, using: &g)
      guard terms.loss.scalar.isFinite else {
        throw NCLError.invalidArgument("loss became \(terms.loss.scalar) at step \(step); lower the learning rate")
      }
      (model, adam) = (candidate, candidateOptimizer)
      if step % progressEvery == 0 || step == steps {
        let elapsed = Date().timeIntervalSince(start)
        progress(String(format: "step %5d/%d  loss %8.4f  nll0 %7.4f  nll1 %7.4f  kinetic %7.4f  %.1f steps/s",
                        step, steps, terms.loss.scalar, terms.negativeLogLikelihood0.scalar,
                        terms.negativeLogLikelihood1.scalar, terms.kinetic.scalar, Double(step) / elapsed))
      }
    }
    let seconds = Date().timeIntervalSince(start)

    // Evaluation on fresh samples, without a parameter tape.
    let evaluation = model.detached()
    let held0: Tensor<Float> = source.sample(2000, using: &g), held1: Tensor<Float> = target.sample(2000, using: &g)
    let nll0 = withoutGradient { -evaluation.logDensity(t: Tensor(0), x: held0).mean().scalar }
    let nll1 = withoutGradient { -evaluation.logDensity(t: Tensor(1), x: held1).mean().scalar }
    let kinetic = loss(evaluation, x0: held0, x1: held1, batch: 2000, using: &g).kinetic.scalar
    let x0 = model.sample(at: 0, count: 2000, using: &g)
    let x1 = try model.integrate(from: x0, startTime: 0, endTime: 1, steps: 50, method: .rk4, using: &g).final
    let cost = withoutGradient { (x1 - x0).squared().sum(alongAxis: 1).mean().scalar }
    return Report(model: model, negativeLogLikelihood0: Double(nll0), negativeLogLikelihood1: Double(nll1),
                  kinetic: Double(kinetic), transportCost: Double(cost), seconds: seconds)
  }
}
