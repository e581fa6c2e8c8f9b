// The training run a problem suggests: what a default run of it does.

/// Length, learning rate and schedule a plugin suggests for its problem (ABI 1.3,
/// `ncl_problem_t.suggested_*`); nil where it leaves the host's default. A command line value
/// wins over the suggestion, the suggestion over the command's default.
public struct SuggestedTraining: Equatable, Sendable {
  public var steps: Int?
  public var learningRate: Double?
  public var schedule: LearningRateSchedule?

  /// Where NCL_SCHEDULE_COSINE ends, as a fraction of the rate (as `nclhost --schedule cosine`).
  public static let cosineFloor = 0.01

  public init(steps: Int? = nil, learningRate: Double? = nil, schedule: LearningRateSchedule? = nil) {
    self.steps = steps
    self.learningRate = learningRate
    self.schedule = schedule
  }
}
