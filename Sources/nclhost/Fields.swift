// `nclhost fields`: the model's fields at points read from CSV.
import ArgumentParser
import Foundation
import NCLHost

extension NCLHostCommand {
  struct Fields: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Evaluate log-density, score, velocity, drift and flux at points read from a CSV file.",
      discussion: """
        The input has columns t, x1..xD (a header row, then one point per line), in the plugin's units: \
        times in its horizon, points in its data coordinates (with --model-units: t in [0, 1] and the \
        model's standardized coordinates). The output repeats them and adds log_density, score_i, \
        velocity_i (j / rho), drift_i (for --noise g) and flux_i, in the same units.
        """)

    @OptionGroup var source: CheckpointOptions

    @Option(help: "Input CSV with columns t, x1..xD.")
    var input: String

    @Option(help: "Output CSV; '-' for standard output.")
    var output = "-"

    @Option(help: "Constant noise level g of the drift u = j/rho + g^2/2 score (in the plugin's units).")
    var noise = 0.0

    func validate() throws {
      guard noise >= 0, noise.isFinite else { throw ValidationError("--noise must be finite and >= 0, got \(noise)") }
    }

    func run() throws {
      let checkpoint = try source.load()
      let model = try checkpoint.makeModel().detached()
      let units = source.units(of: checkpoint)
      let d = model.dimension
      let names = ["t"] + (1...d).map { "x\($0)" }
      let table = try NumericTable.read(input, requiredColumns: names)
      let n = table.rows.count
      guard n > 0 else { throw ValidationError("\(input): no points") }
      let columns = names.map { table.column($0)! }
      for (row, time) in columns[0].enumerated() { try units.checkTime(time, "\(input): row \(row + 1): t") }
      let t = Tensor<Float>(shape: [n, 1], scalars: columns[0].map(Float.init))
      let x = Tensor<Float>(shape: [n, d], scalars: (0..<n).flatMap { r in (1...d).map { Float(columns[$0][r]) } })
      let fields = units.fields(of: model, t: t, x: x, differentiable: false)
      let blocks: [(String, [Float])] = [
        ("score", fields.score.scalars), ("velocity", fields.velocity.scalars),
        ("drift", fields.drift(noise: .constant(noise)).scalars), ("flux", fields.flux.scalars),
      ]
      let logDensity = fields.logDensity.scalars
      let header = names + ["log_density"] + blocks.flatMap { name, _ in (1...d).map { "\(name)_\($0)" } }
      let rows = (0..<n).map { r -> [Double] in
        (0...d).map { columns[$0][r] } + [Double(logDensity[r])] + blocks.flatMap { _, v in (0..<d).map { Double(v[r * d + $0]) } }
      }
      try emit(NumericTable(columns: header, rows: rows), to: output)
    }
  }
}
