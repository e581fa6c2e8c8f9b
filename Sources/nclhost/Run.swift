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
        checkpoint. Under `mpirun -np N` the run is data-parallel over N processes, each drawing --set \
        batch (the plugin's batch) per step; `kill -USR1` of mpirun stops it with a checkpoint, which \
        resumes with any number of processes (docs/distributed.md).
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
      let environment = ProcessInfo.processInfo.environment
      let group = try ProcessGroup.fromEnvironment(environment)
      guard group.size == 1 || !isolate else {
        group.abort("--isolate runs one child process; it cannot be combined with mpirun")
      }
      if group.size > 1 && BLAS.availableCores == ProcessInfo.processInfo.activeProcessorCount {
        // Unbound ranks on one machine split its cores: two engines spinning on the same cores slow
        // each other down. (Ranks the launcher bound to cores already see only their own.)
        BLAS.setThreadCount(Swift.max(1, BLAS.availableCores / ProcessGroup.localRanks(environment)))
      }
      do {
        let library = try plugins.plugin(plugin)
        let summary = try Self.train(library: library, assignments: assignments.map { (key: $0.key, value: $0.value) },
                                     training: training, model: model, group: group)
        if group.isLeader {
          if !summary.evaluation.isEmpty {
            print("evaluation:")
            for (name, value) in summary.evaluation.sorted(by: { $0.key < $1.key }) { print("  \(name) = \(value)") }
          }
          print(String(format: "done: step %d of %d in %.1f s; checkpoint %@", summary.step, summary.totalSteps, summary.seconds, summary.checkpoint.path))
        }
        group.finish()
      } catch let exit as ExitCode {
        group.finish()  // an interruption every rank agreed on: a clean end, not a failure
        throw exit
      } catch {
        // One rank's error ends the job, so that no other rank waits for it in a collective.
        if group.size > 1 { group.abort("\(error)") }
        throw error
      }
    }

    /// One run of `library` with the parameters `assignments` in `training.out` (resuming with
    /// --resume from the checkpoint's parameters and model), as one rank of `group`; shared with
    /// `nclhost sweep`.
    static func train(library: PluginLibrary, assignments: [(key: String, value: String)], training: TrainingOptions<RunDefaults>,
                      model: ModelOptions, group: any Communicator = SingleProcess()) throws -> TrainingSummary {
      let directory = training.directory
      // Rank 0 checks the folder (and reads the checkpoint to resume from); the others get its answer.
      let start = training.start
      let checkpointBytes = try group.fromLeader {
        try directory.prepare(start) != nil ? [UInt8](try Data(contentsOf: directory.checkpointURL)) : []
      }
      let checkpoint = try checkpointBytes.isEmpty ? nil : Checkpoint.decode(Data(checkpointBytes), path: directory.checkpointURL.path)
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

      let ranks = group.size > 1 ? " on \(group.size) ranks (batch \(objective.problem.batchSize) per rank)" : ""
      if group.isLeader {
        print("nclhost \(NCLVersion.string): \(library.descriptor.name) \(library.descriptor.version), D=\(objective.problem.dimension), " +
              "batch \(objective.problem.batchSize), \(initial.parameterCount) parameters, \(training.trainerConfiguration(suggested: objective.problem.suggestedTraining).steps) steps\(ranks) -> \(directory.url.path) " +
              "(BLAS core \(BLAS.coreName), \(BLAS.threadCount) thread\(BLAS.threadCount == 1 ? "" : "s"))")
      }
      return try training.train(
        model: initial, objective: objective, metadata: RunMetadata.make(plugin: library, values: values),
        suggested: objective.problem.suggestedTraining, communicator: group)
    }
  }
}

/// `nclhost run`'s training defaults.
enum RunDefaults: TrainingDefaults {
  static let out = "out"
  static let steps = 2000
  static let suggestedBy: String? = "the plugin"
  static let learningRate = 1e-3
  static let logEvery = 100
}
