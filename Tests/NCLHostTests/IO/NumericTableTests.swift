// CSV tables of numbers: what the parser accepts, the errors it names, and linear time.
import Foundation
import XCTest
@testable import NCLHost

final class NumericTableTests: XCTestCase {
  func message(_ text: String, required: [String] = []) -> String {
    do { _ = try NumericTable.parse(text, source: "in.csv", requiredColumns: required); return "no error" } catch { return "\(error)" }
  }

  func testParsesHeaderRowsCommentsBlanksAndLineEnds() throws {
    let text = "# a comment\r\n t , x1\r\n\r\n0.5, -1.25e1\n  \n# another\n1,\t2\r3,+4\n"
    let table = try NumericTable.parse(text, requiredColumns: ["t", "x1"])
    XCTAssertEqual(table.columns, ["t", "x1"])
    XCTAssertEqual(table.rows, [[0.5, -12.5], [1, 2], [3, 4]])
    XCTAssertEqual(table.column("x1"), [-12.5, 2, 4])
    XCTAssertNil(table.column("x2"))
    XCTAssertEqual(try NumericTable.parse("a,b").rows, [], "a header without rows")
  }

  func testErrorsNameFileLineAndColumn() {
    XCTAssertEqual(message("t,x1\n0.5,0.25\n0.5,abc\n"), "in.csv:3: column 'x1' is not a number: 'abc'")
    XCTAssertEqual(message("t,x1\n0.5,nan\n"), "in.csv:2: column 'x1' is not finite: 'nan'")
    XCTAssertEqual(message("t,x1\n0.5,inf\n"), "in.csv:2: column 'x1' is not finite: 'inf'")
    XCTAssertEqual(message("t,x1\n0.5,\n"), "in.csv:2: column 'x1' is not a number: ''")
    XCTAssertEqual(message("t,x1\n1 2,3\n"), "in.csv:2: column 't' is not a number: '1 2'")
    XCTAssertEqual(message("t,x1\r\n\r\n0.5,1,2\r\n"), "in.csv:3: too many columns: expected 2 values (t, x1), found 3: '0.5,1,2'")
    XCTAssertEqual(message("t,x2\n", required: ["t", "x1"]), "in.csv:1: missing column 'x1' (header has: t, x2)")
    XCTAssertEqual(message("\n# nothing\n"), "in.csv: empty file (no header row)")
    let long = String(repeating: "1", count: 80)
    XCTAssertEqual(try NumericTable.parse("a\n\(long)\n").rows, [[Double(long)!]], "a field longer than the scratch buffer")
  }

  func testWritesWhatItReads() throws {
    let table = NumericTable(columns: ["t", "x1"], rows: [[0.5, -1.0 / 3], [1, 1e-30]])
    XCTAssertEqual(try NumericTable.parse(table.csv), table)
  }

  func testManyRows() throws {
    let rows = 20_000
    var text = "t,x1,x2\n"
    for r in 0..<rows { text += "0.5,\(Double(r) * 1e-3),-\(Double(r % 977) * 0.125)\n" }
    let table = try NumericTable.parse(text)
    XCTAssertEqual(table.rows.count, rows)
    XCTAssertEqual(table.rows[rows - 1], [0.5, Double(rows - 1) * 1e-3, -Double((rows - 1) % 977) * 0.125])
  }
}
