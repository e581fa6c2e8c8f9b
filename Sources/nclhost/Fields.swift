// `nclhost fields`: the model's fields at points read from CSV.
import ArgumentParser
import Foundation
import NCLHost

extension NCLHostCommand {
  struct Fields: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Evaluate log-density, score, velocity, drift and flux at points read from a CSV file.",
      discussion: """
        The input has exactly the columns t, x1..xD (a header row, then one point per line), in the \
        plugin's units: times in its horizon, points in its data coordinates (with --model-units: t in \
        [0, 1] and the model's standardized coordinates); any other column is refused. The output \
        repeats them and adds log_density, score_i, velocity_i (j / rho), drift_i (for --noise g) and \
        flux_i in the same units, or only the fields named by --only, in that order. Time is linear in \
        the number of points, which are evaluated in blocks of 4096.
        """)

    @OptionGroup var source: CheckpointOptions

    @Option(help: "Input CSV with columns t, x1..xD.")
    var input: String

    @Option(help: "Output CSV; '-' for standard output.")
    var output = "-"

    @Option(help: "Constant noise level g of the drift u = j/rho + g^2/2 score (in the plugin's units).")
    var noise = 0.0

    @Option(help: ArgumentHelp(
      "Fields to compute, comma-separated, from \(Quantity.names) (default: all); only these are computed.",
      valueName: "names"))
    var only: String?

    /// The fields `fields` can write, in their default order.
    enum Quantity: String, CaseIterable {
      case logDensity = "log_density", score, velocity, drift, flux

      static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
      /// One column (log_density) or one per coordinate (NAME_1..NAME_D).
      var isVector: Bool { self != .logDensity }
    }

    func validate() throws {
      guard noise >= 0, noise.isFinite else { throw ValidationError("--noise must be finite and >= 0, got \(noise)") }
      _ = try quantities()
    }

    /// The fields asked for, in the order given, each once.
    func quantities() throws -> [Quantity] {
      guard let only else { return Quantity.allCases }
      var chosen: [Quantity] = []
      for word in only.split(separator: ",", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces) }) {
        guard let quantity = Quantity(rawValue: word) else {
          throw ValidationError("--only: unknown field '\(word)'; valid fields: \(Quantity.names)")
        }
        if !chosen.contains(quantity) { chosen.append(quantity) }
      }
      return chosen
    }

    /// Rows per model evaluation: bounds the memory of the derivative passes at any input size, and
    /// keeps activations in cache (`ncl-bench query`, one core: 587k log-densities/s at 4096 rows,
    /// 481k at 16384).
    static let blockSize = 4_096

    func run() throws {
      let checkpoint = try source.load()
      let model = try checkpoint.makeModel().detached()
      let units = source.units(of: checkpoint)
      let quantities = try quantities()
      let d = model.dimension
      let names = ["t"] + (1...d).map { "x\($0)" }
      let table = try NumericTable.read(input, requiredColumns: names)
      if let unknown = table.columns.first(where: { !names.contains($0) }) {
        throw NCLError.invalidArgument("""
          \(input): unknown column '\(unknown)'; the input of this \(d)-dimensional model has exactly the \
          columns \(names.joined(separator: ", "))
          """)
      }
      if let repeated = names.first(where: { name in table.columns.filter { $0 == name }.count > 1 }) {
        throw NCLError.invalidArgument("\(input): column '\(repeated)' appears twice")
      }
      let n = table.rows.count
      guard n > 0 else { throw ValidationError("\(input): no points") }
      let indices = names.map { table.columns.firstIndex(of: $0)! }
      for (row, values) in table.rows.enumerated() { try units.checkTime(values[indices[0]], "\(input): row \(row + 1): t") }

      // values[q]: row-major [n] or [n, D] of quantity q, filled block by block.
      var values = quantities.map { [Float](repeating: 0, count: $0.isVector ? n * d : n) }
      var start = 0
      while start < n {
        let count = min(Self.blockSize, n - start)
        let rows = table.rows[start..<start + count]
        let t = Tensor<Float>(shape: [count, 1], scalars: rows.map { Float($0[indices[0]]) })
        let x = Tensor<Float>(shape: [count, d], scalars: rows.flatMap { row in indices.dropFirst().map { Float(row[$0]) } })
        let block = evaluate(quantities, model: model, units: units, t: t, x: x)
        for (q, scalars) in block.enumerated() {
          let width = quantities[q].isVector ? d : 1
          values[q].replaceSubrange(start * width..<(start + count) * width, with: scalars)
        }
        start += count
      }

      let header = names + quantities.flatMap { q in q.isVector ? (1...d).map { "\(q.rawValue)_\($0)" } : [q.rawValue] }
      var out: [[Double]] = []
      out.reserveCapacity(n)
      for r in 0..<n {
        var row = indices.map { table.rows[r][$0] }
        for (q, quantity) in quantities.enumerated() {
          if quantity.isVector {
            for i in 0..<d { row.append(Double(values[q][r * d + i])) }
          } else {
            row.append(Double(values[q][r]))
          }
        }
        out.append(row)
      }
      try emit(NumericTable(columns: header, rows: out), to: output)
    }

    /// The asked quantities at one block of points (in `units`), each read out of its tensor once.
    /// The log-density alone takes the cheap path (no derivative passes); the rest share one
    /// `ModelFields`, which computes only what they need.
    func evaluate(_ quantities: [Quantity], model: NCLModel<Float>, units: ProblemUnits, t: Tensor<Float>, x: Tensor<Float>) -> [[Float]] {
      if quantities == [.logDensity] {
        return [withoutGradient { units.dataLogDensity(model.logDensity(t: units.modelTime(t), x: units.modelPoints(x))).scalars }]
      }
      let fields = units.fields(of: model, t: t, x: x, differentiable: false)
      return quantities.map { quantity in
        switch quantity {
        case .logDensity: return fields.logDensity.scalars
        case .score: return fields.score.scalars
        case .velocity: return fields.velocity.scalars
        case .drift: return fields.drift(noise: .constant(noise)).scalars
        case .flux: return fields.flux.scalars
        }
      }
    }
  }
}
