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

  /// Parses CSV text. Blank lines and lines starting with '#' are skipped; spaces and tabs
  /// around fields are ignored; lines end with LF, CRLF or CR. Errors name the file, the line and
  /// the column: a missing header, a row with the wrong number of fields, a value that is not a
  /// finite number. Time and memory are linear in the text's length (it is read as bytes, and a
  /// number is parsed without making a String of it).
  public static func parse(_ text: String, source: String = "<input>", requiredColumns: [String] = []) throws -> NumericTable {
    var text = text
    return try text.withUTF8 { try parse(bytes: $0, source: source, requiredColumns: requiredColumns) }
  }

  static func parse(bytes: UnsafeBufferPointer<UInt8>, source: String, requiredColumns: [String]) throws -> NumericTable {
    let newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r"), comma = UInt8(ascii: ","), hash = UInt8(ascii: "#")
    func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
    func text(_ range: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self) }
    /// The range without the blanks at its ends.
    func trimmed(_ range: Range<Int>) -> Range<Int> {
      var low = range.lowerBound, high = range.upperBound
      while low < high, isBlank(bytes[low]) { low += 1 }
      while high > low, isBlank(bytes[high - 1]) { high -= 1 }
      return low..<high
    }
    /// The fields of a line, trimmed.
    func fields(_ line: Range<Int>) -> [Range<Int>] {
      var result: [Range<Int>] = []
      var start = line.lowerBound
      for i in line where bytes[i] == comma {
        result.append(trimmed(start..<i))
        start = i + 1
      }
      result.append(trimmed(start..<line.upperBound))
      return result
    }
    // strtod on a NUL-terminated copy; nil unless it reads the whole field.
    var scratch = [CChar](repeating: 0, count: 64)
    func number(_ range: Range<Int>) -> Double? {
      guard !range.isEmpty else { return nil }
      if range.count >= scratch.count { return Double(text(range)) }
      return scratch.withUnsafeMutableBufferPointer { buffer -> Double? in
        for (k, i) in range.enumerated() { buffer[k] = CChar(bitPattern: bytes[i]) }
        buffer[range.count] = 0
        var end: UnsafeMutablePointer<CChar>?
        let value = strtod(buffer.baseAddress!, &end)
        return end == buffer.baseAddress! + range.count ? value : nil
      }
    }

    var header: [String]?
    var rows: [[Double]] = []
    var lineNumber = 0
    var position = 0
    while position < bytes.count {
      lineNumber += 1
      var end = position
      while end < bytes.count, bytes[end] != newline, bytes[end] != carriageReturn { end += 1 }
      let line = trimmed(position..<end)
      position = end + (end + 1 < bytes.count && bytes[end] == carriageReturn && bytes[end + 1] == newline ? 2 : 1)
      if line.isEmpty || bytes[line.lowerBound] == hash { continue }
      let ranges = fields(line)
      guard let columns = header else {
        let names = ranges.map(text)
        header = names
        if let missing = requiredColumns.first(where: { !names.contains($0) }) {
          throw NCLError.invalidArgument("\(source):\(lineNumber): missing column '\(missing)' (header has: \(names.joined(separator: ", ")))")
        }
        continue
      }
      guard ranges.count == columns.count else {
        throw NCLError.invalidArgument("\(source):\(lineNumber): \(ranges.count) fields, the header has \(columns.count)")
      }
      var row: [Double] = []
      row.reserveCapacity(columns.count)
      for (column, range) in ranges.enumerated() {
        guard let value = number(range), value.isFinite else {
          throw NCLError.invalidArgument("\(source):\(lineNumber): column '\(columns[column])': '\(text(range))' is not a finite number")
        }
        row.append(value)
      }
      rows.append(row)
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
