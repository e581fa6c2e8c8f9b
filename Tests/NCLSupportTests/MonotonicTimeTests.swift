// The monotonic clock behind the plugins' timing metrics.
import Foundation
import XCTest
import NCLSupport

final class MonotonicTimeTests: XCTestCase {
  func testAdvancesBySleptTimeAndNeverBack() {
    let start = monotonicSeconds()
    usleep(20_000)
    let elapsed = monotonicSeconds() - start
    XCTAssertGreaterThanOrEqual(elapsed, 0.019)
    XCTAssertLessThan(elapsed, 5, "seconds, not another unit")
  }
}
