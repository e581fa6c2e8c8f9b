// Population snapshots: rows of (time, coordinates) from a CSV file or a built-in process.
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

  /// The snapshots as the CSV `readCSV` reads: a header `time,x1,...,xD`, then one row per point
  /// (shortest round-trip decimals, so reading it back gives the same numbers).
  func csv() -> String {
    var text = "time," + (1...dimension).map { "x\($0)" }.joined(separator: ",") + "\n"
    for (time, points) in zip(times, snapshots) {
      for i in 0..<(points.count / dimension) {
        text += "\(time)," + points[(i * dimension)..<((i + 1) * dimension)].map { "\($0)" }.joined(separator: ",") + "\n"
      }
    }
    return text
  }

  /// Reads `path`: one row per point, the time in the first column and the D coordinates after it,
  /// separated by commas (or semicolons, tabs, spaces); a first line that is not numeric is a
  /// header; blank lines and lines starting with '#' are skipped (NCLSupport's `NumericCSV`).
  /// Errors name the file and line.
  static func readCSV(path: String) throws -> SnapshotData {
    do {
      var reader = try NumericCSV.read(path: path, header: .optional, separator: .loose)
      var rows: [(time: Double, x: [Double])] = []
      while let row = try reader.nextRow() {
        guard row.values.count >= 2 else {
          throw reader.error(line: row.line, "needs a time and at least one coordinate, got \(row.values.count) field(s)")
        }
        rows.append((row.values[0], Array(row.values.dropFirst())))
      }
      guard let width = rows.first.map({ $0.x.count + 1 }) else { throw reader.error("no data rows") }
      let times = Array(Set(rows.map(\.time))).sorted()
      guard times.count >= 2 else {
        throw reader.error("all \(rows.count) rows have time \(times[0]); need at least two distinct times")
      }
      var snapshots = [[Double]](repeating: [], count: times.count)
      let index = Dictionary(uniqueKeysWithValues: times.enumerated().map { ($1, $0) })
      for row in rows { snapshots[index[row.time]!].append(contentsOf: row.x) }
      for (k, s) in snapshots.enumerated() where s.count / (width - 1) < 2 {
        throw reader.error("time \(times[k]) has only \(s.count / (width - 1)) point(s); need at least 2")
      }
      return SnapshotData(times: times, snapshots: snapshots, dimension: width - 1)
    } catch let error as NCLError {
      throw ObjectiveError.data(error.description)
    }
  }
}
