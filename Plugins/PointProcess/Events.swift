// Spatio-temporal event sequences and their CSV format: `sequence,t,x,y`, one event per line.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NCLSupport

/// One sequence: event times in [0, window], sorted, and a location per event.
struct EventSequence: Equatable {
  var id: Int
  var times: [Double]
  /// Row-major [count, 2].
  var locations: [Double]

  var count: Int { times.count }
  func location(_ i: Int) -> (Double, Double) { (locations[2 * i], locations[2 * i + 1]) }
}

/// A split (train, val or test): its sequences and the window they live in.
struct EventSet: Equatable {
  var sequences: [EventSequence]
  /// The observation window [0, window] of every sequence.
  var window: Double
  /// The names of the two spatial columns, from the header.
  var coordinateNames: [String] = ["x", "y"]

  var eventCount: Int { sequences.reduce(0) { $0 + $1.count } }

  /// Every event's time and location, flattened in sequence order.
  var allTimes: [Double] { sequences.flatMap(\.times) }
  var allLocations: [Double] { sequences.flatMap(\.locations) }

  /// Per-coordinate mean and standard deviation (n - 1 in the denominator, like the published
  /// preprocessing), over every event.
  func locationStatistics() -> (mean: [Double], std: [Double]) {
    let n = Double(eventCount)
    var mean = [0.0, 0.0], sq = [0.0, 0.0]
    for s in sequences {
      for i in 0..<s.count {
        mean[0] += s.locations[2 * i]
        mean[1] += s.locations[2 * i + 1]
      }
    }
    mean = mean.map { $0 / n }
    for s in sequences {
      for i in 0..<s.count {
        let a = s.locations[2 * i] - mean[0], b = s.locations[2 * i + 1] - mean[1]
        sq[0] += a * a
        sq[1] += b * b
      }
    }
    let std = sq.map { (n > 1 ? $0 / (n - 1) : 0).squareRoot() }
    return (mean, std)
  }

  /// Locations mapped to (x - mean) / std.
  func standardized(mean: [Double], std: [Double]) -> EventSet {
    var copy = self
    for k in copy.sequences.indices {
      for i in 0..<copy.sequences[k].count {
        copy.sequences[k].locations[2 * i] = (copy.sequences[k].locations[2 * i] - mean[0]) / std[0]
        copy.sequences[k].locations[2 * i + 1] = (copy.sequences[k].locations[2 * i + 1] - mean[1]) / std[1]
      }
    }
    return copy
  }
}

/// A malformed or missing data file; the message names the file and, where there is one, the line.
struct DataError: Error, CustomStringConvertible, Equatable {
  let message: String
  var description: String { message }
}

/// Reads and writes the CSV format of the shipped data sets.
///
/// The first line is a header `sequence,t,NAME1,NAME2` (the coordinate names are free, eg:
/// `longitude,latitude`); every other line is one event: an integer sequence id, a time in
/// [0, window], and two coordinates. Rows of one sequence are contiguous and sorted by time.
/// Blank lines and lines starting with '#' are skipped. Every error names the file and the
/// 1-based line.
enum EventCSV {
  static let columnCount = 4

  static func load(path: String, window: Double) throws -> EventSet {
    try parse(DataLocation.readFile(path), name: path, window: window)
  }

  /// Parses CSV text (with NCLSupport's `NumericCSV`, which checks the field count and that every
  /// value is a finite number); `name` is used in error messages.
  static func parse(_ text: String, name: String, window: Double) throws -> EventSet {
    do {
      return try parse(NumericCSV(text: text, source: name), window: window)
    } catch let error as NCLError {
      throw DataError(message: error.description)
    }
  }

  /// The format's own rules on top of the numbers: the header's columns, integer ids, times in
  /// the window and sorted, the rows of a sequence contiguous.
  private static func parse(_ reader: NumericCSV, window: Double) throws -> EventSet {
    var reader = reader
    guard let columns = reader.header, let headerLine = reader.headerLine else { throw reader.error("no header") }
    guard columns.count == columnCount else {
      throw reader.error(line: headerLine.number, "the header must have \(columnCount) columns `sequence,t,X,Y`, found \(columns.count): '\(headerLine.text)'")
    }
    if Double(columns[1]) != nil {
      throw reader.error(line: headerLine.number, "expected a header `sequence,t,X,Y`, found data: '\(headerLine.text)'")
    }
    guard columns[0].lowercased() == "sequence", columns[1].lowercased() == "t" else {
      throw reader.error(line: headerLine.number, "the header must start with `sequence,t`, found '\(columns[0]),\(columns[1])'")
    }
    var sequences: [EventSequence] = []
    var seen = Set<Int>()
    var previousTimeLine = 0
    while let row = try reader.nextRow() {
      let values = row.values, fields = row.fields
      guard values[0] >= 0, values[0] == values[0].rounded(), values[0] < 1e15 else {
        throw reader.error(line: row.line, "column '\(columns[0])' must be a non-negative integer id, found '\(fields[0])'")
      }
      let id = Int(values[0]), t = values[1]
      guard t >= 0, t <= window else {
        throw reader.error(line: row.line, "time \(fields[1]) is outside the window [0, \(window)]")
      }
      if let last = sequences.last, last.id == id {
        let previous = last.times[last.times.count - 1]
        guard t >= previous else {
          throw reader.error(line: row.line, "times are not sorted: \(fields[1]) comes after \(previous) (line \(previousTimeLine)) in sequence \(id)")
        }
        sequences[sequences.count - 1].times.append(t)
        sequences[sequences.count - 1].locations.append(contentsOf: [values[2], values[3]])
      } else {
        guard seen.insert(id).inserted else {
          throw reader.error(line: row.line, "sequence \(id) appears again after other sequences; the rows of a sequence must be contiguous")
        }
        sequences.append(EventSequence(id: id, times: [t], locations: [values[2], values[3]]))
      }
      previousTimeLine = row.line
    }
    guard !sequences.isEmpty else { throw reader.error("no events after the header") }
    return EventSet(sequences: sequences, window: window, coordinateNames: Array(columns[2...]))
  }

  /// The CSV text of a set (header `sequence,t,NAME1,NAME2`), sequences renumbered from 0.
  static func format(_ set: EventSet) -> String {
    var out = "sequence,t,\(set.coordinateNames[0]),\(set.coordinateNames[1])\n"
    for (k, s) in set.sequences.enumerated() {
      for i in 0..<s.count {
        let (x, y) = s.location(i)
        out += "\(k),\(s.times[i]),\(x),\(y)\n"
      }
    }
    return out
  }

  static func write(_ set: EventSet, to path: String) throws {
    guard let file = fopen(path, "w") else {
      throw DataError(message: "\(path): cannot write (\(String(cString: strerror(errno))))")
    }
    defer { fclose(file) }
    let bytes = Array(format(set).utf8)
    guard fwrite(bytes, 1, bytes.count, file) == bytes.count else { throw DataError(message: "\(path): write error") }
  }
}

extension Substring {
  func trimmingSpaces() -> String {
    var s = self[...]
    while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
    while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
    return String(s)
  }
}
