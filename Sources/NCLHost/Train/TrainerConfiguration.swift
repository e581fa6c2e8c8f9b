// Settings of a training run, stored in config.json and in every checkpoint.

/// Everything the trainer needs besides the model and the objective. Decoding fills absent keys
/// with the defaults below, so a hand-written config.json may name only what it changes.
public struct TrainerConfiguration: Codable, Equatable, Sendable {
  /// Total number of optimizer updates.
  public var steps: Int
  /// The base learning rate that `schedule` scales.
  public var learningRate: Double
  public var schedule: LearningRateSchedule = .constant
  /// Updates over which the rate ramps linearly up to the schedule's value (0 = none).
  public var warmupSteps: Int = 0
  /// Largest global L2 norm of the gradient (all parameters together); larger gradients are
  /// scaled down to it. nil switches clipping off.
  public var gradientClipNorm: Double? = nil
  /// Decoupled weight decay (AdamW): each update shrinks every parameter by rate * weightDecay of
  /// itself. 0 switches it off.
  public var weightDecay: Double = 0
  /// Seeds the trainer's random stream (the objective's draws); the model has its own seed.
  public var seed: UInt64 = 0
  /// Plain progress lines every `logEvery` updates (metrics.jsonl gets every update).
  public var logEvery: Int = 100
  /// Evaluate every `evaluateEvery` updates; 0 = only at the end.
  public var evaluateEvery: Int = 0
  /// Write checkpoint.ncl every `checkpointEvery` updates; 0 = only at the end.
  public var checkpointEvery: Int = 1000

  public init(steps: Int, learningRate: Double) {
    self.steps = steps
    self.learningRate = learningRate
  }

  /// Checks every setting, naming the first that is out of range.
  public func validate() throws {
    func fail(_ message: String) throws -> Never { throw NCLError.invalidArgument(message) }
    if steps < 1 { try fail("steps must be >= 1, got \(steps)") }
    if !(learningRate > 0 && learningRate.isFinite) { try fail("learningRate must be positive and finite, got \(learningRate)") }
    try schedule.validate()
    if !(weightDecay >= 0 && weightDecay.isFinite) { try fail("weightDecay must be >= 0 and finite, got \(weightDecay)") }
    if learningRate * weightDecay >= 1 {
      try fail("learningRate x weightDecay must be below 1 (each step keeps 1 - their product of every weight), got \(learningRate * weightDecay)")
    }
    if warmupSteps < 0 { try fail("warmupSteps must be >= 0, got \(warmupSteps)") }
    if let clip = gradientClipNorm, !(clip > 0 && clip.isFinite) {
      try fail("gradientClipNorm must be positive and finite (or absent to switch clipping off), got \(clip)")
    }
    if logEvery < 1 { try fail("logEvery must be >= 1, got \(logEvery)") }
    if evaluateEvery < 0 { try fail("evaluateEvery must be >= 0 (0 = only at the end), got \(evaluateEvery)") }
    if checkpointEvery < 0 { try fail("checkpointEvery must be >= 0 (0 = only at the end), got \(checkpointEvery)") }
  }

  private enum CodingKeys: String, CodingKey {
    case steps, learningRate, schedule, warmupSteps, gradientClipNorm, weightDecay, seed, logEvery, evaluateEvery, checkpointEvery
  }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    steps = try c.decode(Int.self, forKey: .steps)
    learningRate = try c.decode(Double.self, forKey: .learningRate)
    schedule = try c.decodeIfPresent(LearningRateSchedule.self, forKey: .schedule) ?? schedule
    warmupSteps = try c.decodeIfPresent(Int.self, forKey: .warmupSteps) ?? warmupSteps
    gradientClipNorm = try c.decodeIfPresent(Double.self, forKey: .gradientClipNorm)
    weightDecay = try c.decodeIfPresent(Double.self, forKey: .weightDecay) ?? weightDecay
    seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? seed
    logEvery = try c.decodeIfPresent(Int.self, forKey: .logEvery) ?? logEvery
    evaluateEvery = try c.decodeIfPresent(Int.self, forKey: .evaluateEvery) ?? evaluateEvery
    checkpointEvery = try c.decodeIfPresent(Int.self, forKey: .checkpointEvery) ?? checkpointEvery
  }
}
