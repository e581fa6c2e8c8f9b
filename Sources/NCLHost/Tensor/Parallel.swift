// Splits long element loops across the machine's cores.
import Dispatch
import Foundation

enum Parallel {
  /// How many cores matrix products and long loops may use (see `BLAS.setThreadCount`).
  nonisolated(unsafe) static var threads = cores
  /// Below this many elements a loop runs on the calling thread: waking a worker costs more.
  static let minimumChunk = 1 << 15
  static let cores = ProcessInfo.processInfo.activeProcessorCount

  /// Calls `body(start, count)` on disjoint chunks covering 0..<count, concurrently when long.
  @inline(__always)
  static func forEachChunk(_ count: Int, _ body: (Int, Int) -> Void) {
    let chunks = Swift.min(threads, count / minimumChunk)
    if chunks <= 1 {
      body(0, count)
      return
    }
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
      let start = count * c / chunks, end = count * (c + 1) / chunks
      body(start, end - start)
    }
  }

  /// Below this many multiply-adds a matrix product runs on the calling thread.
  static let minimumBlockWork = 1 << 18

  /// Calls `body(start, count)` on disjoint blocks of 0..<count, one per core, when `work`
  /// (multiply-adds) is worth waking the others for.
  @inline(__always)
  static func forEachBlock(_ count: Int, work: Int, _ body: (Int, Int) -> Void) {
    let blocks = Swift.min(threads, count, work / minimumBlockWork)
    if blocks <= 1 {
      body(0, count)
      return
    }
    DispatchQueue.concurrentPerform(iterations: blocks) { c in
      let start = count * c / blocks, end = count * (c + 1) / blocks
      body(start, end - start)
    }
  }
}
