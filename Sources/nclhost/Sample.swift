// `nclhost sample`: exact samples of the trained density at a time t, to CSV.
import ArgumentParser
import Foundation
import NCLHost

extension NCLHostCommand {
  struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Draw exact samples of rho_t from a trained model (ancestral sampling, no SDE) and write them as CSV.")

    @OptionGroup var source: CheckpointOptions

    @Option(help: "Time t in the plugin's horizon (default: its end; [0, 1] with --model-units).")
    var time: Double?

    @Option(help: "Number of samples.")
    var count = 1000

    @Option(help: "Seed of the sampler.")
    var seed: UInt64 = 0

    @Option(help: "Output CSV (columns t, x1..xD); '-' for standard output.")
    var output = "-"

    func validate() throws {
      guard count >= 1 else { throw ValidationError("--count must be at least 1, got \(count)") }
    }

    func run() throws {
      let checkpoint = try source.load()
      let model = try checkpoint.makeModel()
      let units = source.units(of: checkpoint)
      let time = self.time ?? units.horizon.upperBound
      try units.checkTime(time, "--time")
      var generator = SeededGenerator(seed: seed)
      let x = units.dataPoints(model.sample(at: units.modelTime(time), count: count, using: &generator)).scalars  // read out once: linear in count
      let d = model.dimension
      let table = NumericTable(
        columns: ["t"] + (1...d).map { "x\($0)" },
        rows: (0..<count).map { b in [time] + (0..<d).map { Double(x[b * d + $0]) } })
      try emit(table, to: output)
    }
  }
}

/// Writes a table to a file atomically, or to standard output for "-".
func emit(_ table: NumericTable, to output: String) throws {
  if output == "-" { print(table.csv, terminator: "") } else { try table.write(to: output) }
}
