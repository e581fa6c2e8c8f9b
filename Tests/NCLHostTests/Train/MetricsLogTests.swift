// metrics.jsonl: valid JSON rows, and no duplicated steps after a resume.
import Foundation
import XCTest
@testable import NCLHost

final class MetricsLogTests: XCTestCase {
  func testRowsAreJSONObjectsWithTermsAndEvalRows() throws {
    let url = TrainTestSupport.temporaryDirectory(self).appendingPathComponent("metrics.jsonl")
    let log = try MetricsLog(url: url, continuingAt: nil)
    try log.record(step: 1, loss: 1.5, learningRate: 1e-3, terms: ["nll": 1.25, "kinetic": .nan, "loss": 7, "we\"ird": 2], elapsedSeconds: 0.5)
    try log.recordEvaluation(step: 1, metrics: ["heldOutNLL": 1.75], elapsedSeconds: 0.75)
    // Every line is a JSON object to an independent parser.
    let lines = try Data(contentsOf: url).split(separator: UInt8(ascii: "\n"))
    XCTAssertEqual(lines.count, 2)
    for line in lines {
      XCTAssertNotNil(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
    }
    let rows = try MetricsLog.rows(at: url)
    XCTAssertEqual(rows.count, 2)
    XCTAssertEqual(rows[0].kind, "train")
    XCTAssertEqual(rows[0].step, 1)
    XCTAssertEqual(rows[0]["loss"], 1.5)
    XCTAssertEqual(rows[0]["learningRate"], 1e-3)
    XCTAssertEqual(rows[0]["elapsedSeconds"], 0.5)
    XCTAssertEqual(rows[0]["nll"], 1.25)
    XCTAssertEqual(rows[0].values["kinetic"], .some(nil))
    XCTAssertEqual(rows[0]["term.loss"], 7)
    XCTAssertEqual(rows[0]["we\"ird"], 2)
    XCTAssertEqual(rows[1].kind, "eval")
    XCTAssertEqual(rows[1]["heldOutNLL"], 1.75)
    XCTAssertEqual(Set(rows[1].values.keys), ["elapsedSeconds", "heldOutNLL"])
  }

  func testContinuingDropsRowsAfterTheCheckpointAndTornLines() throws {
    let url = TrainTestSupport.temporaryDirectory(self).appendingPathComponent("metrics.jsonl")
    do {
      let log = try MetricsLog(url: url, continuingAt: nil)
      for step in 1...7 { try log.record(step: step, loss: Double(step), learningRate: 0.1, terms: [:], elapsedSeconds: 0) }
      try log.recordEvaluation(step: 5, metrics: ["m": 1], elapsedSeconds: 0)
    }
    // A crash in the middle of a write leaves a torn last line.
    let handle = try FileHandle(forWritingTo: url)
    try handle.seekToEnd()
    try handle.write(contentsOf: Data(#"{"kind":"train","st"#.utf8))
    try handle.close()

    let log = try MetricsLog(url: url, continuingAt: 5)
    try log.record(step: 6, loss: 60, learningRate: 0.1, terms: [:], elapsedSeconds: 0)
    let rows = try MetricsLog.rows(at: url)
    XCTAssertEqual(rows.map(\.step), [1, 2, 3, 4, 5, 5, 6])
    XCTAssertEqual(rows.last?["loss"], 60)

    _ = try MetricsLog(url: url, continuingAt: nil)
    XCTAssertEqual(try MetricsLog.rows(at: url).count, 0)
  }
}
