// The data of a run: a built-in 2-D law or a user's CSV in any dimension, split into train and test.
import NCLPluginKit
import NCLSupport

/// Points in the user's units, row-major [count, dimension], split once into a training and a test
/// part by a seeded shuffle; the training part's mean and standard deviation are the data map.
public struct DataSet {
  public let dimension: Int
  public let train: [Double]
  public let test: [Double]
  /// The law the points were drawn from, when built in (KL to its known density, fresh samples).
  public let law: ToyDistribution?

  public var trainCount: Int { train.count / dimension }
  public var testCount: Int { test.count / dimension }

  /// `count` points of a built-in law from a private generator (the data are a fixed function of
  /// the seed), the last `testFraction` of them the test part.
  public init(law: ToyDistribution, count: Int, testFraction: Double, seed: UInt64) {
    var g = SeededGenerator(seed: seed)
    let points = law.sample(count, using: &g)
    self.init(points: points, dimension: 2, testFraction: testFraction, seed: seed, law: law)
  }

  /// `points` [n, dimension] shuffled with `seed` and split (at least one point on each side).
  public init(points: [Double], dimension: Int, testFraction: Double, seed: UInt64, law: ToyDistribution? = nil) {
    let n = points.count / dimension
    precondition(n >= 2, "DataSet needs at least 2 points")
    var g = SeededGenerator(seed: seed ^ 0x7E57_5EED)
    var order = Array(0..<n)
    for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, Int(g.nextUniform() * Double(i + 1)) % (i + 1)) }
    let testCount = min(max(1, Int((testFraction * Double(n)).rounded())), n - 1)
    func rows(_ indices: ArraySlice<Int>) -> [Double] { indices.flatMap { points[($0 * dimension)..<(($0 + 1) * dimension)] } }
    self.dimension = dimension
    test = rows(order[..<testCount])
    train = rows(order[testCount...])
    self.law = law
  }

  /// Reads a CSV of points: one row per point, D numeric columns (a first line that is not
  /// numeric is a header), separated by commas, semicolons, tabs or spaces; NCLSupport's
  /// `NumericCSV` rules. Errors name the file and line.
  public static func readCSV(path: String, testFraction: Double, seed: UInt64) throws -> DataSet {
    do {
      var reader = try NumericCSV.read(path: path, header: .optional, separator: .loose)
      var points: [Double] = [], width = 0
      while let row = try reader.nextRow() {
        width = row.values.count
        points += row.values
      }
      guard width > 0 else { throw reader.error("no data rows") }
      let n = points.count / width
      guard n >= 10 else { throw reader.error("only \(n) point(s); need at least 10 to split into train and test") }
      for k in 0..<width {
        let column = stride(from: k, to: points.count, by: width).map { points[$0] }
        if column.allSatisfy({ $0 == column[0] }) {
          throw reader.error("column \(reader.header.map { "'\($0[k])'" } ?? "\(k + 1)") is constant (\(column[0])): it has no density")
        }
      }
      return DataSet(points: points, dimension: width, testFraction: testFraction, seed: seed)
    } catch let error as NCLError {
      throw ObjectiveError.data(error.description)
    }
  }

  /// Per-coordinate mean and standard deviation of the training part: the data map.
  public var standardization: (shift: [Double], scale: [Double]) {
    let d = dimension, n = Double(trainCount)
    var mean = [Double](repeating: 0, count: d), variance = [Double](repeating: 0, count: d)
    for i in 0..<trainCount { for k in 0..<d { mean[k] += train[i * d + k] / n } }
    for i in 0..<trainCount { for k in 0..<d { let e = train[i * d + k] - mean[k]; variance[k] += e * e / max(n - 1, 1) } }
    return (mean, variance.map { $0.squareRoot() })
  }

  /// Writes the parts as `train.csv` and `test.csv` (columns x1..xD) in `directory`, so other
  /// programs (bench/reference) train and score on the very same points.
  public func export(to directory: String) throws {
    let columns = (1...dimension).map { "x\($0)" }
    for (name, values) in [("train", train), ("test", test)] {
      let rows = stride(from: 0, to: values.count, by: dimension).map { Array(values[$0..<($0 + dimension)]) }
      try AtomicFile.write(Array(NumericTable(columns: columns, rows: rows).csv.utf8), to: directory + "/" + name + ".csv",
                           createDirectories: true)
    }
  }
}
