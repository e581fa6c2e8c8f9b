// The engine's fork-join pool: every block runs exactly once, in every calling pattern.
import Foundation
import XCTest

@testable import NCLHost
@testable import NCLEngine

final class ParallelTests: XCTestCase {
  /// Counts how often each block ran, across many short regions (the pattern of a training step).
  private func counts(blocks: Int, regions: Int) -> [Int] {
    let counter = UnsafeMutablePointer<Int>.allocate(capacity: blocks)
    defer { counter.deallocate() }
    counter.initialize(repeating: 0, count: blocks)
    for _ in 0..<regions {
      Parallel.run(blocks: blocks) { block in counter[block] += 1 }  // one writer per block
    }
    return Array(UnsafeBufferPointer(start: counter, count: blocks))
  }

  func testEveryBlockRunsOncePerRegion() {
    for blocks in [0, 1, 2, 3, 7, 64] {
      XCTAssertEqual(counts(blocks: blocks, regions: 2000), [Int](repeating: 2000, count: blocks), "\(blocks) blocks")
    }
  }

  /// A region started from inside a region runs on the caller instead of waiting for itself.
  func testNestedRegionsRunSerially() {
    let inner = UnsafeMutablePointer<Int>.allocate(capacity: 4 * 3)
    defer { inner.deallocate() }
    inner.initialize(repeating: 0, count: 12)
    Parallel.run(blocks: 4) { outer in
      Parallel.run(blocks: 3) { block in inner[outer * 3 + block] += 1 }
    }
    XCTAssertEqual(Array(UnsafeBufferPointer(start: inner, count: 12)), [Int](repeating: 1, count: 12))
  }

  /// Two threads using the engine at once: one gets the pool, the other runs its blocks itself.
  func testConcurrentCallersBothFinish() {
    final class Results: @unchecked Sendable {
      let lock = NSLock()
      var values: [[Int]] = []
    }
    let group = DispatchGroup(), results = Results()
    for _ in 0..<2 {
      group.enter()
      Thread.detachNewThread {
        let counts = self.counts(blocks: 5, regions: 3000)
        results.lock.withLock { results.values.append(counts) }
        group.leave()
      }
    }
    XCTAssertEqual(group.wait(timeout: .now() + 60), .success, "a caller never finished")
    XCTAssertEqual(results.values, [[Int]](repeating: [Int](repeating: 3000, count: 5), count: 2))
  }

  /// The engine's own split kernels (elementwise loops, reductions) keep the order of additions
  /// within each element, so their results do not depend on the thread count, to the bit.
  func testSplitKernelsDoNotDependOnThreadCount() {
    var g = SeededGenerator(seed: 3)
    let h = Tensor<Float>.randomNormal([700, 90], scale: 5, using: &g)
    func run() -> [Float] { h.silu().scalars + h.sum(alongAxis: 0).scalars + (h * h).scalars + h.sum().scalars }
    let threads = BLAS.threadCount
    defer { BLAS.setThreadCount(threads) }
    BLAS.setThreadCount(1)
    let serial = run()
    BLAS.setThreadCount(2)
    XCTAssertEqual(run(), serial)
  }

  /// A product split into blocks of rows agrees with the unsplit one to rounding, not to the bit:
  /// OpenBLAS rounds the rows at a block's edge with other kernels than the same rows inside a
  /// larger block on some cores (Zen: about 3 % of the elements of this product differ by an ulp).
  func testSplitProductsAgreeWithTheSerialProductToRounding() {
    var g = SeededGenerator(seed: 3)
    let x = Tensor<Float>.randomNormal([700, 130], using: &g), w = Tensor<Float>.randomNormal([90, 130], using: &g)
    let threads = BLAS.threadCount
    defer { BLAS.setThreadCount(threads) }
    BLAS.setThreadCount(1)
    let serial = Tensor.linear(x, weight: w, bias: nil).scalars
    BLAS.setThreadCount(2)
    let split = Tensor.linear(x, weight: w, bias: nil).scalars
    let reference = Tensor.matmul(
      Tensor<Double>(shape: x.shape, scalars: x.scalars.map(Double.init)),
      Tensor<Double>(shape: w.shape, scalars: w.scalars.map(Double.init)), transposeB: true
    ).scalars
    for ((s, p), r) in zip(zip(serial, split), reference) {
      // Float's rounding over 130 products of unit normals: well under 1e-4 of the result's scale.
      XCTAssertEqual(Double(p), Double(s), accuracy: 1e-4 * Swift.max(1, abs(r)))
      XCTAssertEqual(Double(p), r, accuracy: 1e-4 * Swift.max(1, abs(r)))
    }
  }
}
