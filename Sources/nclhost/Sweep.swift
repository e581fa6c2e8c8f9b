// `nclhost sweep PLUGIN --over NAME=V1,V2,...`: one training run per value of a plugin parameter,
// then one table of their evaluations (e.g. leave-one-time-out over every intermediate snapshot).
import ArgumentParser
import Foundation
import NCLHost

extension NCLHostCommand {
  struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Train once per value of one plugin parameter and print a table of the evaluations.",
      discussion: """
        Each value trains like `nclhost run` with --set NAME=VALUE added, in DIR/NAME-VALUE (the \
        same --resume and --overwrite rules per folder); the table (one row per value and a mean row) \
        is printed and written to DIR/sweep.txt. Example, leave-one-time-out over the snapshots 1..3: \
        nclhost sweep DynamicalOT --over leave_out=1,2,3 --set data=population --columns w1_left_out,w1_left_out_noise_floor.
        """)

    @Argument(help: "Plugin name (see `nclhost list`) or path to its shared library.")
    var plugin: String

    @Option(help: ArgumentHelp("The parameter and its values, one run each.", valueName: "name=v1,v2,..."))
    var over: String

    @Option(help: ArgumentHelp("Metrics to tabulate, comma-separated (default: every metric).", valueName: "m1,m2,..."))
    var columns: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Set a plugin parameter for every run (repeatable).", valueName: "key=value"))
    var assignments: [KeyValue] = []

    @OptionGroup var training: TrainingOptions<RunDefaults>
    @OptionGroup var model: ModelOptions
    @OptionGroup var plugins: PluginOptions

    func run() throws {
      let sweep = try ParameterSweep(over)
      if assignments.contains(where: { $0.key == sweep.parameter }) {
        throw ValidationError("--set \(sweep.parameter)=... conflicts with --over \(sweep.parameter)=...: the sweep sets it")
      }
      let library = try plugins.plugin(plugin)
      guard library.descriptor.parameters.contains(where: { $0.name == sweep.parameter }) else {
        throw ValidationError("\(library.descriptor.name) has no parameter '\(sweep.parameter)' (see `nclhost info \(library.descriptor.name)`)")
      }
      let base = URL(fileURLWithPath: training.out)
      var rows: [(value: String, metrics: [String: Double])] = []
      for value in sweep.values {
        var options = training
        options.out = sweep.directory(for: value, in: base).path
        let summary = try Run.train(library: library, assignments: assignments.map { (key: $0.key, value: $0.value) } + [(sweep.parameter, value)],
                                    training: options, model: model)
        print(String(format: "done: %@=%@, step %d in %.1f s", sweep.parameter, value, summary.step, summary.seconds))
        rows.append((value, summary.evaluation))
      }
      let names = columns.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
      let table = ParameterSweep.table(parameter: sweep.parameter, rows: rows, columns: names)
      try AtomicFile.write(Array(table.utf8), to: base.appendingPathComponent("sweep.txt").path, createDirectories: true)
      print(table, terminator: "")
    }
  }
}
