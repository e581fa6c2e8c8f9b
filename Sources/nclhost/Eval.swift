// `nclhost eval`: a plugin's metrics for a trained model.
import ArgumentParser
import Foundation
import NCLHost

extension NCLHostCommand {
  struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Evaluate a trained model with the metrics of the plugin it was trained with.")

    @OptionGroup var source: CheckpointOptions

    @Option(name: .customLong("set"), help: ArgumentHelp(
      "Override a parameter the model was trained with, for this evaluation only (repeatable), e.g. a metric's sample count.",
      valueName: "key=value"))
    var assignments: [KeyValue] = []

    @Option(help: "Seed of the evaluation's sampling.")
    var seed: UInt64 = 0

    @OptionGroup var plugins: PluginOptions

    @Flag(help: "Run the plugin in a child process: a crash is reported instead of killing the host.")
    var isolate = false

    func run() throws {
      let checkpoint = try source.load()
      let saved = RunMetadata(checkpoint.metadata)
      guard let name = saved.plugin else { throw NCLError.invalidArgument("\(source.checkpoint) does not name the plugin it was trained with") }
      if isolate && !Isolation.isChild { return try Isolation.runInChild(plugin: name) }
      PluginCallTrace.step = checkpoint.step  // what a crash report names
      let library = try plugins.plugin(name)
      // The saved parameters with the overrides; an unknown name or a bad value is the descriptor's error.
      var parameters = saved.parameters
      for assignment in assignments { parameters[assignment.key] = assignment.value }
      let objective = try PluginObjective(library: library, values: try library.descriptor.resolve(parameters.map { (key: $0.key, value: $0.value) }))
      var generator = SeededGenerator(seed: seed)
      let metrics = try objective.evaluate(model: try checkpoint.makeModel(), generator: &generator)
      print("\(name) at step \(checkpoint.step):")
      for (key, value) in metrics.sorted(by: { $0.key < $1.key }) { print("  \(key) = \(value)") }
    }
  }
}
