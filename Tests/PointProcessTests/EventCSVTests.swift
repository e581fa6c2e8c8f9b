// Loading events: the shipped data sets, user CSVs with the same columns, and errors that name
// the file and line.
import XCTest
@testable import PointProcess

final class EventCSVTests: XCTestCase {
  func message(_ text: String) -> String {
    do {
      _ = try EventCSV.parse(text, name: "events.csv", window: 30)
      return "no error"
    } catch {
      return "\(error)"
    }
  }

  func testParsesSequencesInOrder() throws {
    let set = try EventCSV.parse("""
      sequence,t,longitude,latitude
      0,0.5,1,2
      0,1.5,3,4

      7,0.25,-1,-2\r
      7,0.25,5,6
      """, name: "events.csv", window: 30)
    XCTAssertEqual(set.sequences.map(\.id), [0, 7])
    XCTAssertEqual(set.sequences[0].times, [0.5, 1.5])
    XCTAssertEqual(set.sequences[0].locations, [1, 2, 3, 4])
    XCTAssertEqual(set.sequences[1].times, [0.25, 0.25], "equal times are sorted")
    XCTAssertEqual(set.coordinateNames, ["longitude", "latitude"])
    XCTAssertEqual(set.eventCount, 4)
    // Writing and reading back gives the same events.
    XCTAssertEqual(try EventCSV.parse(EventCSV.format(set), name: "again", window: 30).allLocations, set.allLocations)
  }

  func testMissingColumnNamesTheLine() {
    let m = message("sequence,t,x,y\n0,0.5,1,2\n0,0.7,1\n")
    XCTAssertTrue(m.hasPrefix("events.csv:3: missing column 'y'"), m)
    let header = message("sequence,t,x\n0,0.5,1\n")
    XCTAssertTrue(header.hasPrefix("events.csv:1: the header must have 4 columns"), header)
  }

  func testNonNumericValueNamesTheLineAndColumn() {
    let m = message("sequence,t,x,y\n0,0.5,1,2\n0,0.7,1,2\n0,abc,1,2\n")
    XCTAssertEqual(m, "events.csv:4: column 't' is not a number: 'abc'")
    let nan = message("sequence,t,x,y\n0,0.5,nan,2\n")
    XCTAssertEqual(nan, "events.csv:2: column 'x' is not finite: 'nan'")
    let id = message("sequence,t,x,y\n0.5,0.5,1,2\n")
    XCTAssertTrue(id.hasPrefix("events.csv:2: column 'sequence' must be a non-negative integer id"), id)
  }

  func testUnsortedTimesNameTheLine() {
    let m = message("sequence,t,x,y\n0,0.5,1,2\n0,2.5,1,2\n0,1.5,1,2\n")
    XCTAssertEqual(m, "events.csv:4: times are not sorted: 1.5 comes after 2.5 (line 3) in sequence 0")
  }

  func testOtherMalformedFiles() {
    XCTAssertTrue(message("0,0.5,1,2\n").hasPrefix("events.csv:1: expected a header"), message("0,0.5,1,2\n"))
    XCTAssertTrue(message("").contains("empty file"))
    XCTAssertTrue(message("sequence,t,x,y\n").contains("no events"))
    XCTAssertEqual(message("sequence,t,x,y\n0,31,1,2\n"), "events.csv:2: time 31 is outside the window [0, 30.0]")
    XCTAssertEqual(message("sequence,t,x,y\n0,1,1,2\n1,1,1,2\n0,2,1,2\n"),
                   "events.csv:4: sequence 0 appears again after other sequences; the rows of a sequence must be contiguous")
    XCTAssertThrowsError(try EventCSV.load(path: "/no/such/events.csv", window: 30)) { error in
      XCTAssertTrue("\(error)".hasPrefix("/no/such/events.csv: cannot open"), "\(error)")
    }
  }

  /// The shipped data sets load with the sizes of their README, found the way the plugin finds them.
  func testShippedDataSets() throws {
    let expected: [String: [(sequences: Int, events: Int)]] = [
      "pinwheel": [(2000, 75303), (200, 7476), (200, 7587)],
      "earthquakes_jp": [(950, 82657), (50, 4130), (50, 5110)],
    ]
    for (name, sizes) in expected {
      let folder = try DataLocation.find(dataset: name, override: "", libraryPath: nil) + "/" + name
      for (split, size) in zip(["train", "val", "test"], sizes) {
        let set = try EventCSV.load(path: "\(folder)/\(split).csv", window: 30)
        XCTAssertEqual(set.sequences.count, size.sequences, "\(name)/\(split)")
        XCTAssertEqual(set.eventCount, size.events, "\(name)/\(split)")
      }
    }
    XCTAssertThrowsError(try DataLocation.find(dataset: "pinwheel", override: "/tmp/no-such-folder", libraryPath: nil)) { error in
      XCTAssertTrue("\(error)".contains("data_dir=/tmp/no-such-folder has no folder 'pinwheel'"), "\(error)")
    }
  }

  func testStandardization() throws {
    let set = try EventCSV.parse("sequence,t,x,y\n0,1,1,10\n0,2,3,30\n1,1,5,50\n", name: "s", window: 30)
    let (mean, std) = set.locationStatistics()
    XCTAssertEqual(mean, [3, 30])
    XCTAssertEqual(std[0], 2, accuracy: 1e-12)  // n - 1 in the denominator
    XCTAssertEqual(std[1], 20, accuracy: 1e-12)
    XCTAssertEqual(set.standardized(mean: mean, std: std).allLocations, [-1, -1, 0, 0, 1, 1])
  }
}
