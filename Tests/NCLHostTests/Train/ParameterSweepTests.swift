// `nclhost sweep`'s parameter specification and table.
import Foundation
import XCTest
import NCLHost

final class ParameterSweepTests: XCTestCase {
  func testParsesNameAndValuesAndRefusesMalformedOnes() throws {
    XCTAssertEqual(try ParameterSweep("leave_out=1,2, 3"), ParameterSweep(parameter: "leave_out", values: ["1", "2", "3"]))
    XCTAssertEqual(try ParameterSweep("csv=a=b.csv").values, ["a=b.csv"], "only the first '=' separates the name")
    for (bad, message) in [("leave_out", "write NAME=V1,V2"), ("=1,2", "write NAME=V1,V2"), ("k=1,,2", "an empty value"),
                           ("k=", "an empty value"), ("k=1,1", "a value is given twice")] {
      XCTAssertThrowsError(try ParameterSweep(bad)) { XCTAssertTrue("\($0)".contains(message), "\(bad): \($0)") }
    }
    let sweep = ParameterSweep(parameter: "csv", values: ["runs/a.csv"])
    XCTAssertEqual(sweep.directory(for: "runs/a.csv", in: URL(fileURLWithPath: "/tmp/s")).path, "/tmp/s/csv-runs_a.csv")
  }

  func testTableHasOneRowPerRunAMeanRowAndDashesForMissingMetrics() {
    let rows: [(value: String, metrics: [String: Double])] = [("1", ["w1": 0.5, "nll": 2]), ("2", ["w1": 0.25])]
    let table = ParameterSweep.table(parameter: "leave_out", rows: rows)
    XCTAssertEqual(table, """
      leave_out     nll      w1
      1          2.0000  0.5000
      2               -  0.2500
      mean       2.0000  0.3750

      """)
    XCTAssertEqual(ParameterSweep.table(parameter: "k", rows: [("a", ["x": 1, "y": 2])], columns: ["y"]), "k       y\na  2.0000\n")
  }
}
