// Numeric CSV tables with a header: read through NumericCSV, written atomically.

/// A CSV file of numbers with a header row (`nclhost sample` writes them, `nclhost fields` reads
/// them).
public struct NumericTable: Equatable, Sendable {
  public var columns: [String]
  /// Row-major values, rows.count == number of data lines.
  public var rows: [[Double]]

  public init(columns: [String], rows: [[Double]]) {
    self.columns = columns
    self.rows = rows
  }

  /// Parses CSV text with the rules of `NumericCSV` (a header row, then one value per column on
  /// every line). Errors name the source, the line and the column: a missing header or required
  /// column, a row with the wrong number of fields, a value that is not a finite number.
  public static func parse(_ text: String, source: String = "<input>", requiredColumns: [String] = []) throws -> NumericTable {
    try table(NumericCSV(text: text, source: source), requiredColumns: requiredColumns)
  }

  /// Reads and parses the file at `path`.
  public static func read(_ path: String, requiredColumns: [String] = []) throws -> NumericTable {
    try table(NumericCSV.read(path: path), requiredColumns: requiredColumns)
  }

  private static func table(_ reader: NumericCSV, requiredColumns: [String]) throws -> NumericTable {
    var reader = reader
    let columns = reader.header ?? []
    if let missing = requiredColumns.first(where: { !columns.contains($0) }), let line = reader.headerLine {
      throw reader.error(line: line.number, "missing column '\(missing)' (header has: \(columns.joined(separator: ", ")))")
    }
    return NumericTable(columns: columns, rows: try reader.remainingRows().map(\.values))
  }

  public func column(_ name: String) -> [Double]? {
    columns.firstIndex(of: name).map { i in rows.map { $0[i] } }
  }

  public var csv: String {
    ([columns.joined(separator: ",")] + rows.map { $0.map { String($0) }.joined(separator: ",") }).joined(separator: "\n") + "\n"
  }

  /// Writes to a temporary file beside `path`, then renames, so readers never see half a file.
  public func write(to path: String) throws {
    try AtomicFile.write(Array(csv.utf8), to: path)
  }
}
