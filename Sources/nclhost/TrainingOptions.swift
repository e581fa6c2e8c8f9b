// Options of every command that trains (run, demo): length, seed, optimizer, schedule, output
// folder and how a run starts there; and the training loop they drive.
import ArgumentParser
import Foundation
import NCLHost

/// The defaults that differ between the commands that train.
protocol TrainingDefaults {
  static var out: String { get }
  static var steps: Int { get }
  /// Who may suggest the run's length, rate and schedule ("the plugin"), or nil.
  static var suggestedBy: String? { get }
  static var learningRate: Double { get }
  static var logEvery: Int { get }
}

/// Learning-rate schedules offered on the command line.
enum ScheduleChoice: String, ExpressibleByArgument, CaseIterable {
  case constant, cosine
}

struct TrainingOptions<Defaults: TrainingDefaults>: ParsableArguments {
  /// "(default: the plugin's suggestion, else 2000)" in the help of a suggested setting.
  private static func defaultNote(_ value: String) -> String {
    "(default: \(Defaults.suggestedBy.map { "\($0)'s suggestion, else " } ?? "")\(value))"
  }

  @Option(name: .customLong("steps"), help: ArgumentHelp(
    "Total training steps \(defaultNote("\(Defaults.steps)")); a resumed run continues up to this count.",
    valueName: "steps"))
  var givenSteps: Int?

  @Option(help: "Seed of initialization, data and sampling.")
  var seed: UInt64 = 0

  @Option(help: ArgumentHelp("Output directory for checkpoint.ncl, metrics.jsonl and config.json.", valueName: "dir"))
  var out = Defaults.out

  @Flag(help: "Continue the run in DIR from its checkpoint.ncl.")
  var resume = false

  @Flag(help: "Replace the run in DIR (checkpoint.ncl, metrics.jsonl) with a new one.")
  var overwrite = false

  @Option(name: .customLong("learning-rate"), help: ArgumentHelp(
    "Adam learning rate \(defaultNote("\(Defaults.learningRate)")).", valueName: "learning-rate"))
  var givenLearningRate: Double?

  @Option(name: .customLong("schedule"), help: ArgumentHelp(
    "Learning-rate schedule: constant, or cosine to 1% of the rate \(defaultNote("constant")).",
    valueName: "schedule"))
  var givenSchedule: ScheduleChoice?

  @Option(help: "Decoupled weight decay (AdamW): each step shrinks every weight by rate x this (0: off).")
  var weightDecay = 0.0

  @Option(help: "Clip gradients to this global L2 norm (0: off).")
  var clip = 0.0

  @Option(help: "Steps between checkpoints.")
  var checkpointEvery = 500

  @Option(help: "Steps between evaluations (0: only at the end).")
  var evaluateEvery = 0

  @Option(help: "Steps between log lines when not on a terminal.")
  var logEvery = Defaults.logEvery

  func validate() throws {
    if let steps = givenSteps, steps < 1 { throw ValidationError("--steps must be at least 1, got \(steps)") }
    if let rate = givenLearningRate, !(rate > 0) { throw ValidationError("--learning-rate must be positive, got \(rate)") }
    guard weightDecay >= 0 && weightDecay.isFinite else { throw ValidationError("--weight-decay must be >= 0, got \(weightDecay)") }
    guard clip >= 0 else { throw ValidationError("--clip must be >= 0, got \(clip)") }
    guard checkpointEvery >= 1, logEvery >= 1, evaluateEvery >= 0 else {
      throw ValidationError("--checkpoint-every and --log-every must be >= 1, --evaluate-every >= 0")
    }
    guard !(resume && overwrite) else {
      throw ValidationError("--resume continues the run in --out and --overwrite replaces it: give one of them")
    }
  }

  var directory: RunDirectory { RunDirectory(URL(fileURLWithPath: out)) }

  /// How the run starts in --out.
  var start: RunDirectory.Start { resume ? .resume : overwrite ? .overwrite : .new }

  /// The run's settings: each of length, rate and schedule from the command line, else from the
  /// problem's suggestion, else this command's default.
  func trainerConfiguration(suggested: SuggestedTraining = SuggestedTraining()) -> TrainerConfiguration {
    var configuration = TrainerConfiguration(
      steps: givenSteps ?? suggested.steps ?? Defaults.steps, learningRate: givenLearningRate ?? suggested.learningRate ?? Defaults.learningRate)
    configuration.seed = seed
    configuration.schedule = givenSchedule.map { $0 == .cosine ? .cosine(minimumFactor: SuggestedTraining.cosineFloor) : .constant }
      ?? suggested.schedule ?? .constant
    configuration.gradientClipNorm = clip > 0 ? clip : nil
    configuration.weightDecay = weightDecay
    configuration.checkpointEvery = checkpointEvery
    configuration.evaluateEvery = evaluateEvery
    configuration.logEvery = logEvery
    return configuration
  }

  /// Trains `model` on `objective` in --out (resuming with --resume), stopping after the current
  /// step on Ctrl-C with a checkpoint and exit status 130. Check the folder with
  /// `directory.prepare(start)` first.
  func train(
    model: NCLModel<Float>, objective: any TrainingObjective, metadata: [String: String],
    suggested: SuggestedTraining = SuggestedTraining(), communicator: any Communicator = SingleProcess()
  ) throws -> TrainingSummary {
    let trainer = try Trainer(
      model: model, objective: objective, configuration: trainerConfiguration(suggested: suggested), outputDirectory: directory.url,
      metadata: metadata)
    trainer.communicator = communicator
    Interruption.install()
    trainer.shouldStop = { _ in Interruption.requested }
    let summary = try trainer.run(resume: resume)
    if !summary.completed {
      if communicator.isLeader { print("interrupted at step \(summary.step) of \(summary.totalSteps); checkpoint written. Continue with the same command and --resume.") }
      throw ExitCode(130)
    }
    return summary
  }
}
