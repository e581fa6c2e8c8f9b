// The one reader of numeric CSV files: rows of finite numbers, every error naming file and line.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads CSV text row by row: an optional header, then lines of finite numbers.
///
/// NCL's numeric files (the host's point tables, DynamicalOT's population snapshots,
/// PointProcess's events) are all read here; what a format adds (required columns, sorted times,
/// integer ids) is checked by its owner on top, with `error(line:_:)` for messages in the same
/// form. Rules:
/// - lines end in "\n" or "\r\n"; blank lines and lines starting with '#' are skipped;
/// - `.comma`: exactly one comma between fields, so an empty field is an error; `.loose`: any run
///   of commas, semicolons, tabs and spaces separates fields;
/// - spaces and tabs around a field are ignored;
/// - with a header, every row has one value per column; without, as many as the first row;
/// - every value parses as a finite Double.
///
/// Every error is an `NCLError` whose message starts with "SOURCE:LINE: " (1-based line) and
/// names the column, eg: `points.csv:3: column 'x1' is not a number: 'abc'`.
public struct NumericCSV {
  /// Which first line is a header.
  public enum Header: Sendable {
    /// The first line that is not blank or a comment is the header; an empty file is an error.
    case required
    /// The first line is a header when one of its fields is not a number; an empty file has no rows.
    case optional
  }

  /// How fields are separated.
  public enum Separator: Sendable {
    /// One comma between fields.
    case comma
    /// Any run of commas, semicolons, tabs and spaces.
    case loose
  }

  /// One data line.
  public struct Row {
    /// 1-based line number in the source.
    public let line: Int
    /// The line without leading and trailing spaces.
    public let text: Substring
    /// The fields as written, trimmed (for messages that quote them).
    public let fields: [Substring]
    /// The fields' values, all finite.
    public let values: [Double]
  }

  /// The file name (or another label) errors start with.
  public let source: String
  /// The header's fields, nil when the text has none.
  public let header: [String]?
  /// The header's line number and text, nil when the text has none.
  public let headerLine: (number: Int, text: Substring)?
  private let separator: Separator
  private let lines: [Substring]
  private var position: Int
  /// Fields per row: the header's, else the first row's.
  private var width: Int?

  /// Splits `text` into lines and reads the header; `source` names it in errors.
  public init(text: String, source: String, header: Header = .required, separator: Separator = .comma) throws {
    self.source = source
    self.separator = separator
    // "\r\n" is one Character in Swift, so splitting on isNewline handles both line endings.
    lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
    var index = 0
    while index < lines.count && Self.isSkipped(Self.trimmed(lines[index])) { index += 1 }
    let first = index < lines.count ? Self.trimmed(lines[index]) : nil
    var headerFields: [Substring]? = nil
    switch header {
    case .required:
      guard let first else { throw NCLError.invalidArgument("\(source): empty file (no header row)") }
      headerFields = Self.split(first, separator)
    case .optional:
      if let first {
        let fields = Self.split(first, separator)
        if fields.contains(where: { Double($0) == nil }) { headerFields = fields }
      }
    }
    if let headerFields, let first {
      self.header = headerFields.map(String.init)
      headerLine = (index + 1, first)
      width = headerFields.count
      position = index + 1
    } else {
      self.header = nil
      headerLine = nil
      width = nil
      position = index
    }
  }

  /// Reads the file at `path` (its path names it in errors).
  public static func read(path: String, header: Header = .required, separator: Separator = .comma) throws -> NumericCSV {
    try NumericCSV(text: readText(path), source: path, header: header, separator: separator)
  }

  /// The next data row, or nil at the end; throws for a row with the wrong number of fields or a
  /// value that is not a finite number.
  public mutating func nextRow() throws -> Row? {
    while position < lines.count {
      let number = position + 1
      let line = Self.trimmed(lines[position])
      position += 1
      if Self.isSkipped(line) { continue }
      let fields = Self.split(line, separator)
      if let width, fields.count != width {
        guard let header else { throw error(line: number, "\(fields.count) fields, but earlier rows have \(width)") }
        let problem = fields.count < width ? "missing column '\(header[fields.count])'" : "too many columns"
        throw error(line: number, "\(problem): expected \(width) values (\(header.joined(separator: ", "))), found \(fields.count): '\(line)'")
      }
      width = fields.count
      var values: [Double] = []
      values.reserveCapacity(fields.count)
      for (column, field) in fields.enumerated() {
        guard let value = Double(field) else { throw error(line: number, "\(name(column)) is not a number: '\(field)'") }
        guard value.isFinite else { throw error(line: number, "\(name(column)) is not finite: '\(field)'") }
        values.append(value)
      }
      return Row(line: number, text: line, fields: fields, values: values)
    }
    return nil
  }

  /// Every remaining row.
  public mutating func remainingRows() throws -> [Row] {
    var rows: [Row] = []
    while let row = try nextRow() { rows.append(row) }
    return rows
  }

  /// An error about line `line`, in the reader's form: "SOURCE:LINE: message".
  public func error(line: Int, _ message: String) -> NCLError {
    NCLError.invalidArgument("\(source):\(line): \(message)")
  }

  /// An error about the whole source: "SOURCE: message".
  public func error(_ message: String) -> NCLError {
    NCLError.invalidArgument("\(source): \(message)")
  }

  /// "column 'NAME'" from the header, else "column N" (1-based).
  private func name(_ column: Int) -> String {
    header.map { "column '\($0[column])'" } ?? "column \(column + 1)"
  }

  private static func isSkipped(_ line: Substring) -> Bool { line.isEmpty || line.first == "#" }

  private static func trimmed(_ text: Substring) -> Substring {
    var s = text
    while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
    while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
    return s
  }

  private static func split(_ line: Substring, _ separator: Separator) -> [Substring] {
    switch separator {
    case .comma:
      return line.split(separator: ",", omittingEmptySubsequences: false).map(trimmed)
    case .loose:
      return line.split(whereSeparator: { $0 == "," || $0 == ";" || $0 == "\t" || $0 == " " })
    }
  }

  /// The whole file as UTF-8 text; errors name the path and the system's reason.
  static func readText(_ path: String) throws -> String {
    guard let file = fopen(path, "rb") else {
      throw NCLError.invalidArgument("\(path): cannot open (\(String(cString: strerror(errno))))")
    }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    var count = 0
    repeat {
      count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
      bytes += chunk[..<count]
    } while count == chunk.count
    guard ferror(file) == 0 else { throw NCLError.invalidArgument("\(path): cannot read (\(String(cString: strerror(errno))))") }
    return String(decoding: bytes, as: UTF8.self)
  }
}
