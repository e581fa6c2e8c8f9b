// Numeric CSV tables: reading with errors that name the line, writing atomically.
import Foundation

/// A CSV file of numbers with a header row.
public struct NumericTable: Equatable {
  public var columns: [String]
  /// Row-major values, rows.count == number of data lines.
  public var rows: [[Double]]

  public init(columns: [String], rows: [[Double]]) {
    self.columns = columns
    self.rows = rows
  }

  /// Parses CSV text. Blank lines and lines starting with '#' are skipped. Errors name the file,
  /// the line and the column: a missing header, a row with the wrong number of fields, a value
  /// that is not a finite number.
  public static func parse(_ text: String, source: String = "<input>", requiredColumns: [String] = []) throws -> NumericTable {
    var header: [String]?
    var rows: [[Double]] = []
    for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
      let line = rawLine.trimmingCharacters(in: .whitespaces)
      if line.isEmpty || line.hasPrefix("#") { continue }
      let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
      guard let columns = header else {
        header = fields
        if let missing = requiredColumns.first(where: { !fields.contains($0) }) {
          throw NCLError.invalidArgument("\(source):\(index + 1): missing column '\(missing)' (header has: \(fields.joined(separator: ", ")))")
        }
        continue
      }
      guard fields.count == columns.count else {
        throw NCLError.invalidArgument("\(source):\(index + 1): \(fields.count) fields, the header has \(columns.count)")
      }
      rows.append(try fields.enumerated().map { column, field in
        guard let value = Double(field), value.isFinite else {
          throw NCLError.invalidArgument("\(source):\(index + 1): column '\(columns[column])': '\(field)' is not a finite number")
        }
        return value
      })
    }
    guard let columns = header else { throw NCLError.invalidArgument("\(source): empty file (no header row)") }
    return NumericTable(columns: columns, rows: rows)
  }

  public static func read(_ path: String, requiredColumns: [String] = []) throws -> NumericTable {
    let text: String
    do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
      throw NCLError.invalidArgument("\(path): cannot read: \(error.localizedDescription)")
    }
    return try parse(text, source: path, requiredColumns: requiredColumns)
  }

  public func column(_ name: String) -> [Double]? {
    columns.firstIndex(of: name).map { i in rows.map { $0[i] } }
  }

  public var csv: String {
    ([columns.joined(separator: ",")] + rows.map { $0.map { String($0) }.joined(separator: ",") }).joined(separator: "\n") + "\n"
  }

  /// Writes to a temporary file beside `path`, then renames, so readers never see half a file.
  public func write(to path: String) throws {
    try AtomicFile.write(Data(csv.utf8), to: URL(fileURLWithPath: path))
  }
}
