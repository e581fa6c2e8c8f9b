// Options of every command that trains (run, demo): length, seed, optimizer, schedule, output
// folder and how a run starts there; and the training loop they drive.
import ArgumentParser
import Foundation
import NCLHost

/// The defaults that differ between the commands that train.
protocol TrainingDefaults {
  static var out: String { get }
  static var learningRate: Double { get }
  static var logEvery: Int { get }
}

/// Learning-rate schedules offered on the command line.
enum ScheduleChoice: String, ExpressibleByArgument, CaseIterable {
  case constant, cosine
}

struct TrainingOptions<Defaults: TrainingDefaults>: ParsableArguments {
  @Option(help: "Total training steps (a resumed run continues up to this count).")
  var steps = 2000

  @Option(help: "Seed of initialization, data and sampling.")
  var seed: UInt64 = 0

  @Option(help: ArgumentHelp("Output directory for checkpoint.ncl, metrics.jsonl and config.json.", valueName: "dir"))
  var out = Defaults.out

  @Flag(help: "Continue the run in DIR from its checkpoint.ncl.")
  var resume = false

  @Flag(help: "Replace the run in DIR (checkpoint.ncl, metrics.jsonl) with a new one.")
  var overwrite = false

  @Option(help: "Adam learning rate.")
  var learningRate = Defaults.learningRate

  @Option(help: "Learning-rate schedule: constant or cosine (to 1% of the rate).")
  var schedule: ScheduleChoice = .constant

  @Option(help: "Clip gradients to this global L2 norm (0: off).")
  var clip = 0.0

  @Option(help: "Steps between checkpoints.")
  var checkpointEvery = 500

  @Option(help: "Steps between evaluations (0: only at the end).")
  var evaluateEvery = 0

  @Option(help: "Steps between log lines when not on a terminal.")
  var logEvery = Defaults.logEvery

  func validate() throws {
    guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
    guard learningRate > 0 else { throw ValidationError("--learning-rate must be positive, got \(learningRate)") }
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

  var trainerConfiguration: TrainerConfiguration {
    var configuration = TrainerConfiguration(steps: steps, learningRate: learningRate)
    configuration.seed = seed
    configuration.schedule = schedule == .cosine ? .cosine(minimumFactor: 0.01) : .constant
    configuration.gradientClipNorm = clip > 0 ? clip : nil
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
    communicator: any Communicator = SingleProcess()
  ) throws -> TrainingSummary {
    let trainer = try Trainer(
      model: model, objective: objective, configuration: trainerConfiguration, outputDirectory: directory.url, metadata: metadata)
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
