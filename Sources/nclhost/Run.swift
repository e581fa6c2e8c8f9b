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
        at the end; metrics go to DIR/metrics.jsonl. A DIR that already holds a run is refused unless \
        --resume continues it or --overwrite replaces it. Ctrl-C stops after the current step and writes a \
        checkpoint; continue with the same command and --resume (which reuses the checkpoint's model, \
        so model options are ignored). A NaN or infinite loss stops training and keeps the last good \
        checkpoint.
        """)

    @Argument(help: "Plugin name (see `nclhost list`) or path to its shared library.")
    var plugin: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Set a plugin parameter (repeatable; see `nclhost info PLUGIN`).", valueName: "key=value"))
    var assignments: [KeyValue] = []

    @OptionGroup var training: TrainingOptions<RunDefaults>
    @OptionGroup var model: ModelOptions
    @OptionGroup var plugins: PluginOptions

    @Flag(help: "Run the plugin in a child process: a crash is reported instead of killing the host.")
    var isolate = false

    func run() throws {
      if isolate && !Isolation.isChild { return try Isolation.runInChild(plugin: plugin) }
      let library = try plugins.plugin(plugin)
      let summary = try Self.train(library: library, assignments: assignments.map { (key: $0.key, value: $0.value) },
                                   training: training, model: model)
      if !summary.evaluation.isEmpty {
        print("evaluation:")
        for (name, value) in summary.evaluation.sorted(by: { $0.key < $1.key }) { print("  \(name) = \(value)") }
      }
      print(String(format: "done: step %d of %d in %.1f s; checkpoint %@", summary.step, summary.totalSteps, summary.seconds, summary.checkpoint.path))
    }

    /// One run of `library` with the parameters `assignments` in `training.out` (resuming with
    /// --resume from the checkpoint's parameters and model); shared with `nclhost sweep`.
    static func train(library: PluginLibrary, assignments: [(key: String, value: String)], training: TrainingOptions<RunDefaults>,
                      model: ModelOptions) throws -> TrainingSummary {
      let directory = training.directory
      let checkpoint = try directory.prepare(training.start)
      var settings = assignments
      if let checkpoint {
        let given = assignments.map { RunMetadata.Setting(key: $0.key, value: $0.value, spelled: "--set \($0.key)=\($0.value)") }
        settings = try RunMetadata(checkpoint.metadata)
          .resumedParameters(for: .plugin(library.descriptor.name), settings: given, checkpoint: directory.checkpointURL.path)
          .map { (key: $0.key, value: $0.value) }
      }
      let values = try library.descriptor.resolve(settings)
      let objective = try PluginObjective(library: library, values: values)
      let configurationForModel = try checkpoint?.modelConfiguration ?? model.apply(to: objective.problem.model)
      let initial = try NCLModel<Float>(configuration: configurationForModel, seed: training.seed)

      print("nclhost \(NCLVersion.string): \(library.descriptor.name) \(library.descriptor.version), D=\(objective.problem.dimension), " +
            "batch \(objective.problem.batchSize), \(initial.parameterCount) parameters, \(training.steps) steps -> \(directory.url.path)")
      return try training.train(model: initial, objective: objective, metadata: RunMetadata.make(plugin: library, values: values))
    }
  }
}

/// `nclhost run`'s training defaults.
enum RunDefaults: TrainingDefaults {
  static let out = "out"
  static let learningRate = 1e-3
  static let logEvery = 100
}
