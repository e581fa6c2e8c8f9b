// `nclhost sample`: exact samples of the trained density at a time t, to CSV.
import ArgumentParser
import Foundation
import NCLHost

extension NCLHostCommand {
  struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Draw exact samples of rho_t from a trained model (ancestral sampling, no SDE) and write them as CSV.")

    @OptionGroup var source: CheckpointOptions

    @Option(help: "Time t in [0, 1].")
    var time = 1.0

    @Option(help: "Number of samples.")
    var count = 1000

    @Option(help: "Seed of the sampler.")
    var seed: UInt64 = 0

    @Option(help: "Output CSV (columns t, x1..xD); '-' for standard output.")
    var output = "-"

    /// Samples per call of the sampler.
    static let blockSize = 65_536

    func validate() throws {
      guard count >= 1 else { throw ValidationError("--count must be at least 1, got \(count)") }
      guard (0...1).contains(time) else { throw ValidationError("--time must lie in [0, 1], got \(time)") }
    }

    func run() throws {
      let model = try source.load().makeModel()
      var generator = SeededGenerator(seed: seed)
      let d = model.dimension
      var rows: [[Double]] = []
      rows.reserveCapacity(count)
      // In blocks, so that memory stays bounded at any count; each block is read out once.
      while rows.count < count {
        let block = min(Self.blockSize, count - rows.count)
        let x = model.sample(at: time, count: block, using: &generator).scalars
        for b in 0..<block { rows.append([time] + (0..<d).map { Double(x[b * d + $0]) }) }
      }
      let table = NumericTable(columns: ["t"] + (1...d).map { "x\($0)" }, rows: rows)
      try emit(table, to: output)
    }
  }
}

/// Writes a table to a file atomically, or to standard output for "-".
func emit(_ table: NumericTable, to output: String) throws {
  if output == "-" { print(table.csv, terminator: "") } else { try table.write(to: output) }
}
