// Splits long loops and large matrix products across the machine's cores.
import Foundation
import NCLKernels

enum Parallel {
  /// The cores this process may run on (its affinity mask: `taskset`, cpusets, MPI binding).
  static let cores = Int(ncl_available_cores())
  /// How many cores matrix products and long loops may use (see `BLAS.setThreadCount`).
  nonisolated(unsafe) static var threads = cores

  /// Below this many elements a loop runs on the calling thread. Handing a block to a spinning
  /// pool worker costs about a microsecond, a few thousand elements of the cheapest kernel
  /// (measured with `ncl-bench ref-ot2d`: 1 << 13 beat 1 << 15 by 5-10 % at B = 256 and 1024).
  static let minimumChunk = 1 << 13
  /// Below this many multiply-adds a matrix product runs on the calling thread.
  static let minimumBlockWork = 1 << 18

  /// Calls `body(block)` for every block in 0..<blocks, concurrently on the engine's pool
  /// (`ncl_pool.h`: workers spin between the many short regions of a training step instead of
  /// being woken for each), and returns when all are done.
  static func run(blocks: Int, _ body: (Int) -> Void) {
    withoutActuallyEscaping(body) { body in
      var closure = body
      withUnsafeMutablePointer(to: &closure) { pointer in
        ncl_pool_run({ context, block in
          context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(block)
        }, pointer, blocks)
      }
    }
  }

  /// Calls `body(range)` on `parts` disjoint ranges covering 0..<count, concurrently when
  /// there is more than one; on the calling thread otherwise.
  @inline(__always)
  static func forEachRange(_ count: Int, parts: Int, _ body: (Range<Int>) -> Void) {
    if parts <= 1 {
      body(0..<count)
      return
    }
    run(blocks: parts) { c in body(count * c / parts..<count * (c + 1) / parts) }
  }

  /// Calls `body(start, count)` on disjoint chunks covering 0..<count, concurrently when long.
  @inline(__always)
  static func forEachChunk(_ count: Int, _ body: (Int, Int) -> Void) {
    forEachRange(count, parts: Swift.min(threads, count / minimumChunk)) { body($0.lowerBound, $0.count) }
  }

  /// Calls `body(start, count)` on disjoint blocks of 0..<count, one per core, when `work`
  /// (multiply-adds) is worth waking the others for.
  @inline(__always)
  static func forEachBlock(_ count: Int, work: Int, _ body: (Int, Int) -> Void) {
    forEachRange(count, parts: Swift.min(threads, count, work / minimumBlockWork)) { body($0.lowerBound, $0.count) }
  }
}
