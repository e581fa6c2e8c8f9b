// One training run per value of one plugin parameter, and the table of their evaluations
// (`nclhost sweep`): e.g. leave_out=1,2,3 trains once per held-out snapshot.
import Foundation

/// The values one plugin parameter takes across a sweep, parsed from `NAME=V1,V2,...`.
public struct ParameterSweep: Equatable, Sendable {
  public let parameter: String
  public let values: [String]

  public init(parameter: String, values: [String]) {
    self.parameter = parameter
    self.values = values
  }

  /// Parses `NAME=V1,V2,...` (at least one value, none empty, no value twice).
  public init(_ specification: String) throws {
    let parts = specification.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
    guard parts.count == 2, !parts[0].isEmpty else {
      throw NCLError.invalidArgument("sweep '\(specification)': write NAME=V1,V2,... (e.g. leave_out=1,2,3)")
    }
    let values = parts[1].split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    guard !values.contains(where: \.isEmpty) else {
      throw NCLError.invalidArgument("sweep '\(specification)': an empty value in '\(parts[1])'")
    }
    guard Set(values).count == values.count else {
      throw NCLError.invalidArgument("sweep '\(specification)': a value is given twice")
    }
    self.init(parameter: parts[0], values: values)
  }

  /// The run folder of one value inside the sweep's folder: `NAME-VALUE` (a '/' in the value becomes '_').
  public func directory(for value: String, in base: URL) -> URL {
    base.appendingPathComponent("\(parameter)-\(value.replacingOccurrences(of: "/", with: "_"))")
  }

  /// A plain-text table: one row per run (the parameter's value first), one column per metric in
  /// `columns` (nil: every metric any run reported, sorted by name), 4 decimals, "-" where a run
  /// lacks a metric, and a last row of the mean of each column over the runs that have it.
  public static func table(parameter: String, rows: [(value: String, metrics: [String: Double])], columns: [String]? = nil) -> String {
    let names = columns ?? Array(Set(rows.flatMap(\.metrics.keys))).sorted()
    func cell(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "-" }
    var lines = [[parameter] + names]
    for row in rows { lines.append([row.value] + names.map { cell(row.metrics[$0]) }) }
    if rows.count > 1 {
      lines.append(["mean"] + names.map { name in
        let present = rows.compactMap { $0.metrics[name] }
        return cell(present.isEmpty ? nil : present.reduce(0, +) / Double(present.count))
      })
    }
    let widths = (0..<(names.count + 1)).map { column in lines.map { $0[column].count }.max()! }
    return lines.map { line in
      line.enumerated().map { column, text in
        column == 0 ? text.padding(toLength: widths[0], withPad: " ", startingAt: 0)
          : String(repeating: " ", count: widths[column] - text.count) + text
      }.joined(separator: "  ")
    }.joined(separator: "\n") + "\n"
  }
}
