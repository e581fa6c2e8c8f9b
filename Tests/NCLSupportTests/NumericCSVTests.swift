// The numeric CSV reader: headers, separators, skipped lines, and errors naming file and line.
import Foundation
import XCTest
import NCLSupport

final class NumericCSVTests: XCTestCase {
  func message(_ body: () throws -> Void) -> String {
    do {
      try body()
      return "no error"
    } catch {
      return "\(error)"
    }
  }

  func rows(_ text: String, header: NumericCSV.Header = .required, separator: NumericCSV.Separator = .comma) throws -> [[Double]] {
    var reader = try NumericCSV(text: text, source: "f.csv", header: header, separator: separator)
    return try reader.remainingRows().map(\.values)
  }

  func testHeaderRowsCommentsBlankLinesAndCRLF() throws {
    var reader = try NumericCSV(text: "# a comment\n\n t , x \r\n0.5, 1\n  \n# more\n1,-2e-3\r\n", source: "f.csv")
    XCTAssertEqual(reader.header, ["t", "x"])
    XCTAssertEqual(reader.headerLine?.number, 3)
    let first = try XCTUnwrap(reader.nextRow())
    XCTAssertEqual(first.line, 4)
    XCTAssertEqual(first.values, [0.5, 1])
    XCTAssertEqual(first.fields, ["0.5", "1"])
    XCTAssertEqual(first.text, "0.5, 1")
    let second = try XCTUnwrap(reader.nextRow())
    XCTAssertEqual(second.line, 7)
    XCTAssertEqual(second.values, [1, -2e-3])
    XCTAssertNil(try reader.nextRow())
  }

  func testOptionalHeaderAndLooseSeparators() throws {
    XCTAssertEqual(try rows("0;1\t2\n1  3,,4\n", header: .optional, separator: .loose), [[0, 1, 2], [1, 3, 4]])
    let headed = try NumericCSV(text: "day x y\n0 1 2\n", source: "f.csv", header: .optional, separator: .loose)
    XCTAssertEqual(headed.header, ["day", "x", "y"])
    let bare = try NumericCSV(text: "0,1\n", source: "f.csv", header: .optional)
    XCTAssertNil(bare.header)
    XCTAssertNil(bare.headerLine)
    XCTAssertEqual(try rows("", header: .optional), [])
  }

  func testErrorsNameFileLineAndColumn() {
    XCTAssertEqual(message { _ = try self.rows("t,x\n0,1\n0,abc\n") }, "f.csv:3: column 'x' is not a number: 'abc'")
    XCTAssertEqual(message { _ = try self.rows("t,x\n0,nan\n") }, "f.csv:2: column 'x' is not finite: 'nan'")
    XCTAssertEqual(message { _ = try self.rows("t,x\n0,\n") }, "f.csv:2: column 'x' is not a number: ''")
    XCTAssertEqual(message { _ = try self.rows("t,x,y\n0,1\n") }, "f.csv:2: missing column 'y': expected 3 values (t, x, y), found 2: '0,1'")
    XCTAssertEqual(message { _ = try self.rows("t,x\n0,1,2\n") }, "f.csv:2: too many columns: expected 2 values (t, x), found 3: '0,1,2'")
    XCTAssertEqual(message { _ = try self.rows("0,1,2\n0,2,3\n1,3\n", header: .optional) }, "f.csv:3: 2 fields, but earlier rows have 3")
    XCTAssertEqual(message { _ = try self.rows("0,1\n0,x\n", header: .optional) }, "f.csv:2: column 2 is not a number: 'x'")
    XCTAssertEqual(message { _ = try self.rows("\n# only a comment\n") }, "f.csv: empty file (no header row)")
    let reader = try? NumericCSV(text: "a\n", source: "f.csv")
    XCTAssertEqual(reader?.error(line: 7, "too early").description, "f.csv:7: too early")
    XCTAssertEqual(reader?.error("no rows").description, "f.csv: no rows")
  }

  func testReadingFiles() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ncl-csv-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("p.csv").path
    try "t,x1\n0.5,0.25\n".write(toFile: path, atomically: true, encoding: .utf8)
    var reader = try NumericCSV.read(path: path)
    XCTAssertEqual(try reader.nextRow()?.values, [0.5, 0.25])
    XCTAssertEqual(reader.source, path)
    XCTAssertTrue(message { _ = try NumericCSV.read(path: directory.path + "/none.csv") }
      .hasPrefix("\(directory.path)/none.csv: cannot open (No such file or directory)"))
    XCTAssertTrue(message { _ = try NumericCSV.read(path: directory.path) }.hasPrefix("\(directory.path): cannot read"))
  }

  // MARK: - NumericTable

  func testTableRoundTripAndRequiredColumns() throws {
    let table = NumericTable(columns: ["t", "x1"], rows: [[0.5, -1.25], [1, 3]])
    XCTAssertEqual(table.csv, "t,x1\n0.5,-1.25\n1.0,3.0\n")
    XCTAssertEqual(try NumericTable.parse(table.csv), table)
    XCTAssertEqual(table.column("x1"), [-1.25, 3])
    XCTAssertNil(table.column("x2"))
    XCTAssertEqual(message { _ = try NumericTable.parse("t,x1\n0,1\n", source: "in.csv", requiredColumns: ["t", "x2"]) },
                   "in.csv:1: missing column 'x2' (header has: t, x1)")
    XCTAssertEqual(message { _ = try NumericTable.parse("", source: "in.csv") }, "in.csv: empty file (no header row)")

    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ncl-table-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("t.csv").path
    try table.write(to: path)
    XCTAssertEqual(try NumericTable.read(path, requiredColumns: ["x1"]), table)
  }
}
