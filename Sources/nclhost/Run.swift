// `nclhost run PLUGIN`: trains the NCL model on a plugin's objective.
import ArgumentParser
import Foundation
import NCLHost

/// Model overrides shared by commands that build a model.
struct ModelOptions: ParsableArguments {
  @Option(help: "Logistic components per coordinate (default: the plugin's suggestion, else 16).")
  var components: Int?

  @Option(help: "Width of each hidden layer of the conditioner (default: the plugin's suggestion, else 128).")
  var hidden: Int?

  @Option(help: "Number of hidden layers of the conditioner (default: the plugin's suggestion, else 3).")
  var layers: Int?

  @Option(help: "Flux construction: telescoping, naive, knothe-rosenblatt or factorized (default: the plugin's suggestion, else telescoping).")
  var flux: FluxChoice?

  @Option(help: "Scale tau of the telescoping flux's reference logistic (default 1; telescoping only).")
  var tau: Double?

  enum FluxChoice: String, ExpressibleByArgument, CaseIterable {
    case telescoping, naive, knotheRosenblatt = "knothe-rosenblatt", factorized
  }

  func apply(to base: ModelConfiguration) throws -> ModelConfiguration {
    var c = base
    if let components { c.components = components }
    if hidden != nil || layers != nil {
      c.hiddenSizes = Array(repeating: hidden ?? c.hiddenSizes[0], count: layers ?? c.hiddenSizes.count)
    }
    switch flux {
    case .telescoping?: c.flux = .telescoping(tau: tau ?? 1)
    case .naive?: c.flux = .naive
    case .knotheRosenblatt?: c.flux = .knotheRosenblatt
    case .factorized?: c.flux = .factorized
    case nil: if let tau, case .telescoping = c.flux { c.flux = .telescoping(tau: tau) }
    }
    try c.validate()
    return c
  }
}

extension NCLHostCommand {
  struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Train the model on a plugin's objective, writing checkpoints and metrics to --out.",
      discussion: """
        Checkpoints are written atomically to DIR/checkpoint.ncl every --checkpoint-every steps and \
        at the end; metrics go to DIR/metrics.jsonl. Ctrl-C stops after the current step and writes a \
        checkpoint; continue with the same command and --resume (which reuses the checkpoint's model, \
        so model options are ignored). A NaN or infinite loss stops training and keeps the last good \
        checkpoint.
        """)

    @Argument(help: "Plugin name (see `nclhost list`) or path to its shared library.")
    var plugin: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Set a plugin parameter (repeatable; see `nclhost info PLUGIN`).", valueName: "key=value"))
    var assignments: [KeyValue] = []

    @Option(help: "Total training steps (a resumed run continues up to this count).")
    var steps = 2000

    @Option(help: "Seed of initialization, data and sampling.")
    var seed: UInt64 = 0

    @Option(help: ArgumentHelp("Output directory for checkpoint.ncl, metrics.jsonl and config.json.", valueName: "dir"))
    var out = "out"

    @Flag(help: "Continue from DIR/checkpoint.ncl.")
    var resume = false

    @Option(help: "Adam learning rate.")
    var learningRate = 1e-3

    @Option(help: "Learning-rate schedule: constant or cosine (to 1% of the rate).")
    var schedule: ScheduleChoice = .constant

    @Option(help: "Clip gradients to this global L2 norm (0: off).")
    var clip = 0.0

    @Option(help: "Steps between checkpoints.")
    var checkpointEvery = 500

    @Option(help: "Steps between evaluations (0: only at the end).")
    var evaluateEvery = 0

    @Option(help: "Steps between log lines when not on a terminal.")
    var logEvery = 100

    @OptionGroup var model: ModelOptions
    @OptionGroup var plugins: PluginOptions

    @Flag(help: "Run the plugin in a child process: a crash is reported instead of killing the host.")
    var isolate = false

    enum ScheduleChoice: String, ExpressibleByArgument, CaseIterable {
      case constant, cosine
    }

    func validate() throws {
      guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
      guard learningRate > 0 else { throw ValidationError("--learning-rate must be positive, got \(learningRate)") }
      guard clip >= 0 else { throw ValidationError("--clip must be >= 0, got \(clip)") }
      guard checkpointEvery >= 1, logEvery >= 1, evaluateEvery >= 0 else {
        throw ValidationError("--checkpoint-every and --log-every must be >= 1, --evaluate-every >= 0")
      }
    }

    func run() throws {
      if isolate && !Isolation.isChild { return try Isolation.runInChild(plugin: plugin) }
      let library = try plugins.plugin(plugin)
      let outputDirectory = URL(fileURLWithPath: out)
      var configuration = TrainerConfiguration(steps: steps, learningRate: learningRate)
      configuration.seed = seed
      configuration.schedule = schedule == .cosine ? .cosine(minimumFactor: 0.01) : .constant
      configuration.gradientClipNorm = clip > 0 ? clip : nil
      configuration.checkpointEvery = checkpointEvery
      configuration.evaluateEvery = evaluateEvery
      configuration.logEvery = logEvery

      var settings = assignments.map { (key: $0.key, value: $0.value) }
      var modelConfiguration: ModelConfiguration? = nil
      if resume {
        let path = outputDirectory.appendingPathComponent("checkpoint.ncl")
        guard FileManager.default.fileExists(atPath: path.path) else {
          throw NCLError.invalidArgument("cannot resume: there is no checkpoint at \(path.path) (start without --resume)")
        }
        let checkpoint = try Checkpoint.read(from: path)
        let saved = RunMetadata(checkpoint.metadata)
        guard saved.plugin == library.descriptor.name else {
          throw NCLError.invalidArgument("\(path.path) was trained with plugin '\(saved.plugin ?? "?")', not '\(library.descriptor.name)'")
        }
        for (key, value) in settings where saved.parameters[key] != value {
          throw NCLError.invalidArgument("--set \(key)=\(value) differs from the checkpoint's \(key)=\(saved.parameters[key] ?? "(default)"); resume with the same parameters")
        }
        settings = saved.parameters.map { (key: $0.key, value: $0.value) }
        modelConfiguration = checkpoint.modelConfiguration
      }
      let values = try library.descriptor.resolve(settings)
      let objective = try PluginObjective(library: library, values: values)
      let configurationForModel = try modelConfiguration ?? model.apply(to: objective.problem.model)
      let initial = try NCLModel<Float>(configuration: configurationForModel, seed: seed)

      print("nclhost \(NCLVersion.string): \(library.descriptor.name) \(library.descriptor.version), D=\(objective.problem.dimension), " +
            "\(initial.parameterCount) parameters, \(steps) steps -> \(outputDirectory.path)")
      let trainer = try Trainer(
        model: initial, objective: objective, configuration: configuration, outputDirectory: outputDirectory,
        metadata: RunMetadata.make(plugin: library, values: values))
      Interruption.install()
      trainer.shouldStop = { _ in Interruption.requested }
      let summary = try trainer.run(resume: resume)
      if !summary.completed {
        print("interrupted at step \(summary.step) of \(summary.totalSteps); checkpoint written. Continue with the same command and --resume.")
        throw ExitCode(130)
      }
      if !summary.evaluation.isEmpty {
        print("evaluation:")
        for (name, value) in summary.evaluation.sorted(by: { $0.key < $1.key }) { print("  \(name) = \(value)") }
      }
      print(String(format: "done: step %d of %d in %.1f s; checkpoint %@", summary.step, summary.totalSteps, summary.seconds, summary.checkpoint.path))
    }
  }
}

/// The plugin and parameter values a run was made with, stored in the checkpoint's metadata.
struct RunMetadata {
  let plugin: String?
  let parameters: [String: String]

  init(_ metadata: [String: String]) {
    plugin = metadata["plugin"]
    parameters = Dictionary(uniqueKeysWithValues: metadata.compactMap { key, value in
      key.hasPrefix("param.") ? (String(key.dropFirst(6)), value) : nil
    })
  }

  static func make(plugin: PluginLibrary, values: [PluginParameterValue]) -> [String: String] {
    var metadata = ["plugin": plugin.descriptor.name, "plugin.version": plugin.descriptor.version, "plugin.path": plugin.path]
    for value in values { metadata["param." + value.parameter.name] = value.text }
    return metadata
  }
}
