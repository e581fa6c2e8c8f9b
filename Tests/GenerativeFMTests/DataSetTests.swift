// The data of GenerativeFM: built-in sets (seeded, shapes, split), the data map, CSV files and their errors.
import XCTest
import Foundation
import NCLSupport
import NCLPluginKit
@testable import GenerativeFMCore
import _NCLTestSupport

final class DataSetTests: XCTestCase {
  func testBuiltInSetsAreSeededAndSplitWithoutLoss() {
    for law in [ToyDistribution.eightGaussians, .moons, .pinwheel, .checkerboard, .circles, .swissRoll, .twoSpirals] {
      let a = DataSet(law: law, count: 500, testFraction: 0.2, seed: 3), b = DataSet(law: law, count: 500, testFraction: 0.2, seed: 3)
      let c = DataSet(law: law, count: 500, testFraction: 0.2, seed: 4)
      XCTAssertEqual(a.train, b.train, law.rawValue)
      XCTAssertEqual(a.test, b.test, law.rawValue)
      XCTAssertNotEqual(a.train, c.train, law.rawValue)
      XCTAssertEqual(a.dimension, 2)
      XCTAssertEqual(a.testCount, 100)
      XCTAssertEqual(a.trainCount, 400)
      // The split is a permutation of the drawn points: nothing lost, nothing repeated.
      var g = SeededGenerator(seed: 3)
      let drawn = law.sample(500, using: &g)
      func rows(_ v: [Double]) -> [[Double]] { stride(from: 0, to: v.count, by: 2).map { [v[$0], v[$0 + 1]] } }
      XCTAssertEqual((rows(a.train) + rows(a.test)).sorted { $0.lexicographicallyPrecedes($1) },
                     rows(drawn).sorted { $0.lexicographicallyPrecedes($1) }, law.rawValue)
    }
  }

  func testStandardizationIsTheTrainingPartsMeanAndStd() {
    let points: [Double] = [1, 10, 3, 30, 5, 50, 7, 70, 9, 90, 11, 110, 13, 130, 15, 150, 17, 170, 19, 190]
    let data = DataSet(points: points, dimension: 2, testFraction: 0.3, seed: 1)
    XCTAssertEqual(data.testCount, 3)
    let (shift, scale) = data.standardization
    let xs = stride(from: 0, to: data.train.count, by: 2).map { data.train[$0] }
    let mean = xs.reduce(0, +) / Double(xs.count)
    let std = (xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(xs.count - 1)).squareRoot()
    XCTAssertEqual(shift[0], mean, accuracy: 1e-12)
    XCTAssertEqual(shift[1], 10 * mean, accuracy: 1e-9)
    XCTAssertEqual(scale[0], std, accuracy: 1e-12)
    XCTAssertEqual(scale[1], 10 * std, accuracy: 1e-9)
  }

  func file(_ name: String, _ text: String) throws -> String {
    let folder = PluginFixtures.directory.appendingPathComponent("genfm-data")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let url = folder.appendingPathComponent(name)
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
  }

  func testCSVInAnyDimensionAndItsErrors() throws {
    let rows = (0..<20).map { i in "\(i),\(i * i),\(Double(i) / 3)" }.joined(separator: "\n")
    let data = try DataSet.readCSV(path: try file("ok.csv", "a,b,c\n" + rows + "\n"), testFraction: 0.25, seed: 0)
    XCTAssertEqual(data.dimension, 3)
    XCTAssertEqual(data.testCount, 5)
    XCTAssertEqual(data.trainCount, 15)
    func message(_ text: String) throws -> String {
      do { _ = try DataSet.readCSV(path: try file("bad.csv", text), testFraction: 0.2, seed: 0); return "no error" } catch { return "\(error)" }
    }
    let notANumber = try message("x,y\n1,2\n3,abc\n")
    XCTAssertTrue(notANumber.contains("bad.csv:3: column 'y' is not a number: 'abc'"), notANumber)
    XCTAssertTrue(try message("x,y\n").contains("no data rows"))
    XCTAssertTrue(try message("1,2\n3,4\n5,6\n").contains("only 3 point(s); need at least 10"))
    let constant = (0..<12).map { "\($0),7" }.joined(separator: "\n")
    let constantColumn = try message("x,y\n" + constant)
    XCTAssertTrue(constantColumn.contains("column 'y' is constant (7.0)"), constantColumn)
    XCTAssertTrue(try message("1,2\n3\n").contains("bad.csv:2:"))
  }

  func testExportWritesTheSamePoints() throws {
    let data = DataSet(law: .moons, count: 200, testFraction: 0.1, seed: 9)
    let folder = PluginFixtures.directory.appendingPathComponent("genfm-export-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try data.export(to: folder)
    let train = try NumericTable.read(folder + "/train.csv"), test = try NumericTable.read(folder + "/test.csv")
    XCTAssertEqual(train.columns, ["x1", "x2"])
    XCTAssertEqual(train.rows.flatMap { $0 }, data.train)
    XCTAssertEqual(test.rows.flatMap { $0 }, data.test)
  }
}
