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

    @Flag(help: "Add a column log_density: each sample's exact log rho_t, from the same sampling pass (in the plugin's units).")
    var logDensity = false

    /// Samples per call of the sampler.
    static let blockSize = 65_536

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
      let d = model.dimension
      var rows: [[Double]] = []
      rows.reserveCapacity(count)
      // In blocks, so that memory stays bounded at any count; each block is read out once.
      while rows.count < count {
        let block = min(Self.blockSize, count - rows.count)
        let t = units.modelTime(time)
        // The samples' own log-density comes from the same sampling pass (no second evaluation).
        let (z, logDensity) = logDensity
          ? model.sampleWithLogDensity(at: t, count: block, using: &generator)
          : (model.sample(at: t, count: block, using: &generator), Tensor<Float>.zeros([block]))
        let x = units.dataPoints(z).scalars, logRho = units.dataLogDensity(logDensity).scalars
        for b in 0..<block {
          rows.append([time] + (0..<d).map { Double(x[b * d + $0]) } + (self.logDensity ? [Double(logRho[b])] : []))
        }
      }
      let table = NumericTable(columns: ["t"] + (1...d).map { "x\($0)" } + (logDensity ? ["log_density"] : []), rows: rows)
      try emit(table, to: output)
    }
  }
}

/// Writes a table to a file atomically, or to standard output for "-".
func emit(_ table: NumericTable, to output: String) throws {
  if output == "-" { print(table.csv, terminator: "") } else { try table.write(to: output) }
}
