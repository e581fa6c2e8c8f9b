// The training loop: Adam with a scheduled rate and gradient clipping, checkpoints, metrics, resume.
import Foundation

/// Trains an `NCLModel<Float>` on a `TrainingObjective` and keeps an output directory:
///
/// - `checkpoint.ncl`: written atomically every `checkpointEvery` updates, at the end, and when
///   `shouldStop` interrupts the run (see `Checkpoint`);
/// - `config.json`: the model and trainer configurations and the metadata, human-readable;
/// - `metrics.jsonl`: a row per update and per evaluation (see `MetricsLog`).
///
/// Reproducible: every random draw of the objective comes from the trainer's `SeededGenerator`
/// (seeded by `configuration.seed`), and a checkpoint holds the exact parameters, Adam state and
/// generator, so an interrupted run resumed to the end gives the same bits as an uninterrupted
/// one. Evaluations draw from their own stream, seeded by (seed, step), so evaluating more or
/// less often never changes training. The objective's own state beyond the model (its
/// `savedState`, eg: a plugin's dual multipliers) is checkpointed too; its randomness belongs in
/// the generator.
///
/// Data-parallel over a `communicator` of several ranks (`mpirun`, docs/distributed.md): each rank
/// draws its own batch from a stream derived from the shared generator and its rank, the
/// gradients are averaged over ranks (each rank's loss is a mean over its batch, so this is the
/// gradient of the mean over the union, as in PyTorch's DistributedDataParallel), every rank
/// takes the same Adam step, and rank 0 alone writes files, evaluates and prints. The shared
/// generator advances alike on every rank and is what the checkpoint holds, so a run resumes
/// with any number of ranks.
public final class Trainer {
  public let configuration: TrainerConfiguration
  /// The model training starts from (its parameters are replaced when resuming).
  public let initialModel: NCLModel<Float>
  public var objective: any TrainingObjective
  public let outputDirectory: URL
  /// Stored in config.json and in every checkpoint (e.g. the plugin's name and parameters).
  public var metadata: [String: String]
  public var progress: ProgressReporter
  /// Asked after every update with the number completed; `true` stops the run there as an
  /// interruption would, after writing a checkpoint to resume from. Hosts connect it to SIGINT
  /// or a time budget; tests use it to interrupt a run at a known step.
  public var shouldStop: (Int) -> Bool = { _ in false }
  /// The job this run is one rank of; one process by default.
  public var communicator: any Communicator = SingleProcess()

  public var checkpointURL: URL { RunDirectory(outputDirectory).checkpointURL }
  public var configurationURL: URL { RunDirectory(outputDirectory).configurationURL }
  public var metricsURL: URL { RunDirectory(outputDirectory).metricsURL }

  public init(
    model: NCLModel<Float>, objective: any TrainingObjective, configuration: TrainerConfiguration,
    outputDirectory: URL, metadata: [String: String] = [:], progress: ProgressReporter = ProgressReporter()
  ) throws {
    try configuration.validate()
    self.initialModel = model
    self.objective = objective
    self.configuration = configuration
    self.outputDirectory = outputDirectory
    self.metadata = metadata
    self.progress = progress
  }

  /// Trains up to `configuration.steps` updates. `resume: true` continues from checkpoint.ncl
  /// in the output directory (and throws if there is none); `false` starts over, replacing
  /// whatever the directory held (`RunDirectory.prepare` checks first that this is wanted).
  public func run(resume: Bool = false) throws -> TrainingSummary {
    let c = configuration, group = communicator, leader = group.isLeader
    let progress = leader ? self.progress : ProgressReporter(mode: .plain, sink: { _ in })
    if leader {
      do {
        try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
      } catch {
        throw NCLError.invalidArgument("cannot create output directory \(outputDirectory.path): \(error.localizedDescription)")
      }
    }

    var model = initialModel
    var optimizer = Adam<Float>(learningRate: Float(c.learningRate), weightDecay: Float(c.weightDecay))
    var generator = SeededGenerator(seed: c.seed)
    var step = 0, elapsedBefore = 0.0
    var lastCheckpointStep: Int? = nil
    if resume {
      // Rank 0 reads it and every rank gets its bytes: the machines of a job need not share a disk.
      let bytes = try group.fromLeader {
        guard FileManager.default.fileExists(atPath: checkpointURL.path) else {
          throw TrainingError.noCheckpoint(path: checkpointURL.path)
        }
        return [UInt8](try Data(contentsOf: checkpointURL))
      }
      let checkpoint = try Checkpoint.decode(Data(bytes), path: checkpointURL.path)
      guard checkpoint.modelConfiguration == model.configuration else {
        throw TrainingError.incompatibleCheckpoint(
          path: checkpointURL.path, reason: "it was written for a different model configuration")
      }
      guard checkpoint.step <= c.steps else {
        throw TrainingError.incompatibleCheckpoint(
          path: checkpointURL.path, reason: "it is at step \(checkpoint.step), past the \(c.steps) steps configured")
      }
      // Only settings that change the arithmetic matter; how often to log, evaluate or save does not.
      var saved = checkpoint.trainerConfiguration, current = c
      for settings in [\TrainerConfiguration.logEvery, \.evaluateEvery, \.checkpointEvery] {
        saved[keyPath: settings] = 0
        current[keyPath: settings] = 0
      }
      saved.steps = 0
      current.steps = 0
      if saved != current {
        progress.message("note: the trainer configuration differs from the checkpoint's; the resumed run will not match an uninterrupted one")
      }
      model.parameters = checkpoint.parameters.map { $0.requiringGradient() }
      optimizer.state = checkpoint.optimizer
      generator = checkpoint.generator
      if let state = checkpoint.objectiveState {
        do { try objective.restore(state: state) } catch {
          throw TrainingError.incompatibleCheckpoint(path: checkpointURL.path, reason: "its objective state: \(error)")
        }
      }
      step = checkpoint.step
      elapsedBefore = checkpoint.elapsedSeconds
      lastCheckpointStep = step
    } else {
      model.parameters = model.parameters.map { $0.detached().requiringGradient() }
    }
    let resumedFrom = resume ? step : nil

    if leader { try writeConfiguration(model.configuration) }
    let metrics = leader ? try MetricsLog(url: metricsURL, continuingAt: resume ? step : nil) : nil
    let start = Date()
    func elapsed() -> Double { elapsedBefore + Date().timeIntervalSince(start) }
    func saveCheckpoint() throws {
      guard leader else { return lastCheckpointStep = step }
      try Checkpoint(
        step: step, elapsedSeconds: elapsed(), modelConfiguration: model.configuration, trainerConfiguration: c,
        metadata: metadata, parameters: model.parameters, optimizer: optimizer.state, generator: generator,
        units: objective.units, objectiveState: try objective.savedState()
      ).write(to: checkpointURL)
      lastCheckpointStep = step
    }
    func stop(_ quantity: String, _ value: Double, at failedStep: Int) -> TrainingError {
      progress.end()
      return TrainingError.nonFinite(
        quantity: quantity, value: value, step: failedStep, lastCheckpointStep: lastCheckpointStep,
        checkpointPath: checkpointURL.path)
    }

    var lastLoss: Double? = nil, lastTerms: [String: Double] = [:], evaluation: [String: Double] = [:]
    var completed = step == c.steps
    progress.begin(step: step, total: c.steps, logEvery: c.logEvery)
    objective.prepare(totalSteps: c.steps)
    while step < c.steps {
      let update = step + 1
      let rate = c.schedule.rate(at: step, of: c.steps, base: c.learningRate, warmupSteps: c.warmupSteps)
      // Draw from a copy: a failed step leaves the saved stream where it was. With several ranks
      // the shared stream gives each step one seed, and each rank's draws come from it and the rank.
      var shared = generator
      var stepGenerator = group.size == 1 ? generator : SeededGenerator(seed: shared.next() ^ Self.rankKey(group.rank))
      let local = Result { () throws -> (value: Double, terms: [String: Double], gradients: [Tensor<Float>]) in
        let (loss, terms) = try objective.loss(model: model, step: update, generator: &stepGenerator)
        guard loss.count == 1 else {
          throw NCLError.invalidArgument("the objective's loss has shape \(loss.shape) at step \(update); it must be a scalar")
        }
        let value = Double(loss.scalar)
        guard value.isFinite else { throw stop("loss", value, at: update) }
        _ = DifferentiationFailure.take()  // nothing left over from before this step's differentiation
        let gradients = gradient(of: [loss], wrt: model.parameters)
        if let failure = DifferentiationFailure.take() { throw NCLError.differentiation("step \(update): \(failure)") }
        return (value, terms, gradients)
      }
      let (value, terms, gradients) = group.size == 1
        ? try local.get()
        : try averageOverRanks(local, parameters: model.parameters, step: update, lastCheckpointStep: lastCheckpointStep)
      let (clipped, norm) = Self.clipByGlobalNorm(gradients, maxNorm: c.gradientClipNorm)
      guard norm.isFinite else { throw stop("gradient norm", norm, at: update) }

      optimizer.learningRate = Float(rate)
      model.parameters = optimizer.step(model.parameters, gradients: clipped)
      generator = group.size == 1 ? stepGenerator : shared
      step = update
      lastLoss = value
      lastTerms = terms
      try metrics?.record(step: step, loss: value, learningRate: rate, terms: terms, elapsedSeconds: elapsed())
      progress.update(step: step, loss: value, learningRate: rate)

      completed = step == c.steps
      var interrupted = !completed && shouldStop(step)
      if group.size > 1 { interrupted = try agreeAcrossRanks(model.parameters, stopping: interrupted, step: step) }
      if completed || interrupted || (c.checkpointEvery > 0 && step % c.checkpointEvery == 0) {
        try saveCheckpoint()
      }
      if leader && (completed || (c.evaluateEvery > 0 && step % c.evaluateEvery == 0)) {
        evaluation = try evaluate(model, at: step)
        try metrics?.recordEvaluation(step: step, metrics: evaluation, elapsedSeconds: elapsed())
        progress.message(Self.describe(evaluation, at: step))
      }
      if interrupted {
        progress.message("stopped after step \(step) of \(c.steps); resume from \(checkpointURL.path)")
        break
      }
    }
    progress.end()
    return TrainingSummary(
      model: model, step: step, totalSteps: c.steps, completed: completed, resumedFrom: resumedFrom,
      lastLoss: lastLoss, lastTerms: lastTerms, evaluation: evaluation,
      seconds: Date().timeIntervalSince(start), checkpoint: checkpointURL, metrics: metricsURL)
  }

  // MARK: - Several ranks

  /// Mixes a rank into a step's seed (an odd multiplier: distinct ranks give distinct seeds).
  static func rankKey(_ rank: Int) -> UInt64 { 0xD1B5_4A32_D192_ED03 &* UInt64(rank + 1) }

  /// The mean over ranks of each rank's loss and gradients, in one all-reduce that also carries
  /// which ranks failed: a rank whose step threw still takes part, so that none waits forever, and
  /// then every rank stops, the failed ones with their own error. The terms are this rank's.
  func averageOverRanks(
    _ local: Result<(value: Double, terms: [String: Double], gradients: [Tensor<Float>]), Error>,
    parameters: [Tensor<Float>], step: Int, lastCheckpointStep: Int?
  ) throws -> (value: Double, terms: [String: Double], gradients: [Tensor<Float>]) {
    let group = communicator
    let count = parameters.reduce(0) { $0 + $1.count }
    var buffer = [Double](repeating: 0, count: count + 1 + group.size)
    if case .success(let result) = local {
      var offset = 0
      for g in result.gradients {
        for x in g.scalars { buffer[offset] = Double(x); offset += 1 }
      }
      buffer[count] = result.value
    } else {
      buffer[count + 1 + group.rank] = 1
    }
    try group.allReduceSum(&buffer)
    let failed = (0..<group.size).filter { buffer[count + 1 + $0] > 0 }
    if !failed.isEmpty {
      if case .failure(let error) = local { throw error }
      if group.isLeader { progress.end() }
      throw TrainingError.rankFailed(ranks: failed, step: step, lastCheckpointStep: lastCheckpointStep, checkpointPath: checkpointURL.path)
    }
    let scale = 1 / Double(group.size)
    var offset = 0
    let gradients = parameters.map { p -> Tensor<Float> in
      defer { offset += p.count }
      return Tensor(shape: p.shape, scalars: (offset..<offset + p.count).map { Float(buffer[$0] * scale) })
    }
    return (buffer[count] * scale, (try? local.get().terms) ?? [:], gradients)
  }

  /// Checks, after an update, that every rank holds the same parameters (a digest of their bits,
  /// compared by one maximum over ranks), and agrees on stopping: an interruption seen by any
  /// rank stops them all after the same step.
  private func agreeAcrossRanks(_ parameters: [Tensor<Float>], stopping: Bool, step: Int) throws -> Bool {
    var bytes: [UInt8] = []
    for p in parameters { p.scalars.withUnsafeBytes { bytes.append(contentsOf: $0) } }
    let digest = Checkpoint.fnv1a(bytes)
    let (high, low) = (Double(digest >> 32), Double(digest & 0xFFFF_FFFF))
    var buffer = [high, low, -high, -low, stopping ? 1 : 0]
    try communicator.allReduceMaximum(&buffer)
    guard buffer[0] == -buffer[2], buffer[1] == -buffer[3] else { throw TrainingError.ranksDiverged(step: step) }
    return buffer[4] > 0
  }

  /// Evaluation on a constant copy of the model, with a stream of its own.
  private func evaluate(_ model: NCLModel<Float>, at step: Int) throws -> [String: Double] {
    var generator = SeededGenerator(seed: configuration.seed ^ (0x9E37_79B9_7F4A_7C15 &* UInt64(step + 1)))
    return try objective.evaluate(model: model.detached(), generator: &generator)
  }

  private func writeConfiguration(_ model: ModelConfiguration) throws {
    struct File: Encodable {
      let model: ModelConfiguration
      let trainer: TrainerConfiguration
      let metadata: [String: String]
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    var data = try encoder.encode(File(model: model, trainer: configuration, metadata: metadata))
    data.append(UInt8(ascii: "\n"))
    try AtomicFile.write(data, to: configurationURL)
  }

  private static func describe(_ metrics: [String: Double], at step: Int) -> String {
    let values = metrics.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.4f", $0.value))" }
    return "eval step \(step): " + (values.isEmpty ? "(no metrics)" : values.joined(separator: "  "))
  }

  // MARK: - Gradient clipping

  /// sqrt of the sum of squares of every entry of every tensor, accumulated in Double.
  public static func globalNorm(_ tensors: [Tensor<Float>]) -> Double {
    var sum = 0.0
    for tensor in tensors {
      for x in tensor.scalars {
        sum += Double(x) * Double(x)
      }
    }
    return sum.squareRoot()
  }

  /// Scales all gradients by one factor so their global L2 norm is at most `maxNorm` (nil: no
  /// clipping). One factor for all keeps the update's direction, unlike per-tensor clipping.
  /// Returns the gradients and their norm before clipping.
  public static func clipByGlobalNorm(_ gradients: [Tensor<Float>], maxNorm: Double?) -> (gradients: [Tensor<Float>], norm: Double) {
    let norm = globalNorm(gradients)
    guard let maxNorm, norm.isFinite, norm > maxNorm else { return (gradients, norm) }
    let scale = Float(maxNorm / norm)
    return (withoutGradient { gradients.map { $0.detached() * scale } }, norm)
  }
}

/// What a run did.
public struct TrainingSummary {
  /// The model after the last completed update.
  public let model: NCLModel<Float>
  /// Updates completed, counting those before a resume.
  public let step: Int
  public let totalSteps: Int
  /// false when `shouldStop` interrupted the run.
  public let completed: Bool
  /// The checkpoint's step when the run resumed, nil for a fresh run.
  public let resumedFrom: Int?
  /// Loss and terms of the last update of this session (nil if it made none).
  public let lastLoss: Double?
  public let lastTerms: [String: Double]
  /// Metrics of the last evaluation of this session (empty if none).
  public let evaluation: [String: Double]
  /// Wall-clock seconds of this session.
  public let seconds: Double
  public let checkpoint: URL
  public let metrics: URL
}

/// Why training stopped or could not start; messages say what to do next.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
  /// The loss or the gradient norm became NaN or infinite at update `step`. Nothing from that
  /// update was saved; the last good checkpoint, if any, is untouched.
  case nonFinite(quantity: String, value: Double, step: Int, lastCheckpointStep: Int?, checkpointPath: String)
  case noCheckpoint(path: String)
  case incompatibleCheckpoint(path: String, reason: String)
  /// A new run was to start in a folder that holds one (`files`: its checkpoint, metrics log).
  case runExists(path: String, files: [String])
  /// Other ranks of a data-parallel job failed at update `step` (each printed its own error).
  case rankFailed(ranks: [Int], step: Int, lastCheckpointStep: Int?, checkpointPath: String)
  /// The ranks' parameters differed after update `step`: they did not run the same model.
  case ranksDiverged(step: Int)

  public var description: String {
    switch self {
    case .nonFinite(let quantity, let value, let step, let lastCheckpointStep, let path):
      let kept = lastCheckpointStep.map { "the last good checkpoint (step \($0)) is kept at \(path)" }
        ?? "no checkpoint had been written yet"
      return "training stopped at step \(step): the \(quantity) is \(value). Nothing from this step was saved; "
        + "\(kept). Lower the learning rate or clip gradients (nclhost run --clip), then resume."
    case .noCheckpoint(let path):
      return "cannot resume: there is no checkpoint at \(path) (start without --resume)"
    case .incompatibleCheckpoint(let path, let reason):
      return "cannot resume from \(path): \(reason)"
    case .rankFailed(let ranks, let step, let lastCheckpointStep, let path):
      let kept = lastCheckpointStep.map { "the last checkpoint (step \($0)) is kept at \(path)" } ?? "no checkpoint had been written yet"
      return "training stopped at step \(step): rank\(ranks.count == 1 ? "" : "s") \(ranks.map(String.init).joined(separator: ", ")) failed "
        + "(\(ranks.count == 1 ? "its error is" : "their errors are") printed by \(ranks.count == 1 ? "it" : "them")); \(kept)"
    case .ranksDiverged(let step):
      return "the ranks' parameters differ after step \(step): every rank must run the same plugin, settings and model "
        + "(and the same nclhost build); nothing from this step was saved"
    case .runExists(let path, let files):
      return "\(path) already holds a run (\(files.joined(separator: ", "))): --resume continues it, "
        + "--overwrite replaces it with a new one; or choose another output folder"
    }
  }
}
