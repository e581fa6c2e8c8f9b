// Progress output: plain lines off a terminal, one redrawn line on it.
import Foundation
import XCTest
@testable import NCLHost

final class ProgressReporterTests: XCTestCase {
  func testPlainModeWritesALineEveryLogEverySteps() {
    var output = ""
    var now = 100.0
    let reporter = ProgressReporter(mode: .plain, sink: { output += $0 }, clock: { now })
    reporter.begin(step: 0, total: 10, logEvery: 4)
    for step in 1...10 {
      now += 0.5
      reporter.update(step: step, loss: 1.0 / Double(step), learningRate: 1e-3)
    }
    reporter.message("eval step 10: m 1.0000")
    reporter.end()
    let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    XCTAssertEqual(lines, [
      "step  4/10  loss 0.2500  lr 1.00e-03  2.0 steps/s  ETA 3s",
      "step  8/10  loss 0.1250  lr 1.00e-03  2.0 steps/s  ETA 1s",
      "step 10/10  loss 0.1000  lr 1.00e-03  2.0 steps/s  ETA 0s",
      "eval step 10: m 1.0000",
      "",
    ])
    XCTAssertFalse(output.contains("\r"))
  }

  func testTerminalModeRedrawsOneLineAndThrottles() {
    var output: [String] = []
    var now = 0.0
    let reporter = ProgressReporter(mode: .terminal, sink: { output.append($0) }, clock: { now })
    reporter.begin(step: 100, total: 200, logEvery: 1000)
    for step in 101...200 {
      now += 0.01
      reporter.update(step: step, loss: 2, learningRate: 0.5)
    }
    reporter.end()
    // About one redraw per 0.1 s of the 1 s run, plus the last step; then the closing newline.
    XCTAssertTrue((9...12).contains(output.count - 1), "\(output.count)")
    XCTAssertTrue(output.dropLast().allSatisfy { $0.hasPrefix("\rstep ") && !$0.contains("\n") })
    XCTAssertTrue(output[output.count - 2].hasPrefix("\rstep 200/200  loss 2.0000  lr 5.00e-01  100.0 steps/s  ETA 0s"))
    XCTAssertEqual(output.last, "\n")
  }

  func testDurations() {
    XCTAssertEqual(ProgressReporter.duration(45.2), "45s")
    XCTAssertEqual(ProgressReporter.duration(725), "12m05s")
    XCTAssertEqual(ProgressReporter.duration(3 * 3600 + 7 * 60 + 30), "3h07m")
  }
}
