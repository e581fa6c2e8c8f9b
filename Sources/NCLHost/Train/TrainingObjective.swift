// What the trainer optimizes: a loss per step and named evaluation metrics.

/// A problem formulation the trainer can optimize. Plugins reach the trainer through a bridge
/// that conforms to this protocol; Swift code can conform directly.
public protocol TrainingObjective {
  /// The scalar loss for one step, built from the model's differentiable fields, and named
  /// scalar terms to log alongside it (e.g. "nll0", "kinetic"). `generator` is the trainer's
  /// seeded stream: drawing all randomness from it makes runs reproducible and resumable.
  mutating func loss(
    model: NCLModel<Float>, step: Int, generator: inout SeededGenerator
  ) throws -> (loss: Tensor<Float>, terms: [String: Double])

  /// Named metrics of a trained (or partly trained) model, e.g. held-out likelihoods.
  mutating func evaluate(model: NCLModel<Float>, generator: inout SeededGenerator) throws -> [String: Double]

  /// Called by the trainer before the first step with the run's total number of updates, so
  /// that an objective can schedule its own terms over the run (plugins see it as
  /// `ncl_step_info_t.total_steps`). Does nothing unless implemented.
  mutating func prepare(totalSteps: Int)

  /// The objective's own training state beyond the model (eg: dual multipliers of hard
  /// constraints), saved in every checkpoint so that a resumed run continues where the
  /// interrupted one was; nil (the default) when it keeps none.
  mutating func savedState() throws -> [UInt8]?

  /// Restores what `savedState` returned, when a run resumes, before its first step.
  mutating func restore(state: [UInt8]) throws

  /// The units the objective speaks (horizon, data map, noise), recorded in every checkpoint so
  /// that sampling and plotting answer in them. Defaults to the model's own units.
  var units: ProblemUnits { get }
}

extension TrainingObjective {
  public mutating func prepare(totalSteps: Int) {}
  public mutating func savedState() throws -> [UInt8]? { nil }
  public mutating func restore(state: [UInt8]) throws {
    throw NCLError.invalidArgument("the checkpoint holds \(state.count) bytes of objective state, and this objective keeps none")
  }
  public var units: ProblemUnits { .model }
}
