// Splits long element loops across the machine's cores.
import Dispatch
import Foundation

enum Parallel {
  /// Below this many elements a loop runs on the calling thread: waking a worker costs more.
  static let minimumChunk = 1 << 15
  static let cores = ProcessInfo.processInfo.activeProcessorCount

  /// Calls `body(start, count)` on disjoint chunks covering 0..<count, concurrently when long.
  @inline(__always)
  static func forEachChunk(_ count: Int, _ body: (Int, Int) -> Void) {
    let chunks = Swift.min(cores, count / minimumChunk)
    if chunks <= 1 {
      body(0, count)
      return
    }
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
      let start = count * c / chunks, end = count * (c + 1) / chunks
      body(start, end - start)
    }
  }
}
