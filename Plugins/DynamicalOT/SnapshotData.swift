// Population snapshots: rows of (time, coordinates) from a CSV file or a built-in process.
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import NCLPluginKit
import NCLSupport

/// Samples of a population at a few times: `snapshots[k]` holds row-major [n_k, D] points at `times[k]`.
struct SnapshotData {
  var times: [Double]
  var snapshots: [[Double]]
  let dimension: Int

  /// Marginals with a deterministic held-out part (`heldOutFraction` of each snapshot, at least
  /// one point), the one at `leaveOut` marked as left out of training.
  func marginals(heldOutFraction: Double, leaveOut: Int?, seed: UInt64) -> [Marginal] {
    var g = SeededGenerator(seed: seed ^ 0x5EED_DA7A)
    return times.indices.map { k in
      let d = dimension, n = snapshots[k].count / d
      var order = Array(0..<n)
      for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, Int(g.nextUniform() * Double(i + 1)) % (i + 1)) }
      let heldCount = min(max(1, Int((heldOutFraction * Double(n)).rounded())), n - 1)
      func rows(_ indices: ArraySlice<Int>) -> [Double] { indices.flatMap { snapshots[k][($0 * d)..<(($0 + 1) * d)] } }
      var m = Marginal(time: times[k], source: .data(train: rows(order[heldCount...]), heldOut: rows(order[..<heldCount])), dimension: d)
      m.isLeftOut = k == leaveOut
      return m
    }
  }

  // MARK: - CSV

  /// Reads `path`: one row per point, the time in the first column and the D coordinates after it,
  /// separated by commas (or semicolons, tabs, spaces); a first line that is not numeric is a
  /// header; blank lines and lines starting with '#' are skipped. Errors name the file and line.
  static func readCSV(path: String) throws -> SnapshotData {
    guard let file = fopen(path, "r") else {
      throw ObjectiveError.data("\(path): cannot open (\(String(cString: strerror(errno))))")
    }
    defer { fclose(file) }
    var rows: [(time: Double, x: [Double])] = []
    var lineNumber = 0, width: Int? = nil
    var buffer: UnsafeMutablePointer<CChar>? = nil, capacity = 0
    defer { free(buffer) }
    while getline(&buffer, &capacity, file) >= 0 {
      lineNumber += 1
      let line = String(cString: buffer!).trimmingWhitespace()
      if line.isEmpty || line.hasPrefix("#") { continue }
      let fields = line.split(whereSeparator: { $0 == "," || $0 == ";" || $0 == "\t" || $0 == " " }).map(String.init)
      let numbers = fields.map { Double($0) }
      if numbers.contains(where: { $0 == nil }) {
        if rows.isEmpty && width == nil { width = fields.count; continue }  // the header
        let bad = fields[numbers.firstIndex(where: { $0 == nil })!]
        throw ObjectiveError.data("\(path):\(lineNumber): '\(bad)' is not a number")
      }
      let values = numbers.map { $0! }
      guard values.allSatisfy(\.isFinite) else { throw ObjectiveError.data("\(path):\(lineNumber): a value is not finite") }
      guard values.count >= 2 else {
        throw ObjectiveError.data("\(path):\(lineNumber): needs a time and at least one coordinate, got \(values.count) field(s)")
      }
      if let width, width != values.count {
        throw ObjectiveError.data("\(path):\(lineNumber): \(values.count) fields, but \(rows.isEmpty ? "the header has" : "earlier rows have") \(width)")
      }
      width = values.count
      rows.append((values[0], Array(values.dropFirst())))
    }
    guard let width, !rows.isEmpty else { throw ObjectiveError.data("\(path): no data rows") }
    let times = Array(Set(rows.map(\.time))).sorted()
    guard times.count >= 2 else {
      throw ObjectiveError.data("\(path): all \(rows.count) rows have time \(times[0]); need at least two distinct times")
    }
    var snapshots = [[Double]](repeating: [], count: times.count)
    let index = Dictionary(uniqueKeysWithValues: times.enumerated().map { ($1, $0) })
    for row in rows { snapshots[index[row.time]!].append(contentsOf: row.x) }
    for (k, s) in snapshots.enumerated() where s.count / (width - 1) < 2 {
      throw ObjectiveError.data("\(path): time \(times[k]) has only \(s.count / (width - 1)) point(s); need at least 2")
    }
    return SnapshotData(times: times, snapshots: snapshots, dimension: width - 1)
  }
}

extension String {
  func trimmingWhitespace() -> String {
    let scalars = unicodeScalars
    guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
          let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
    return String(scalars[first...last])
  }
}
