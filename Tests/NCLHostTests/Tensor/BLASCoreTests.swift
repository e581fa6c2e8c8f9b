// The engine runs OpenBLAS on the widest kernels the CPU supports, and products stay right after
// the switch.
import XCTest
import Foundation
@testable import NCLEngine
import NCLKernels

final class BLASCoreTests: XCTestCase {
  func testOpenBLASRunsTheWidestKernelsTheCPUSupportsUnlessTheUserChose() {
    let core = BLAS.coreName.lowercased()
    if let forced = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] {
      XCTAssertEqual(core, forced.lowercased(), "the user's OPENBLAS_CORETYPE must be kept")
      XCTAssertNil(BLAS.detectedCoreName)
    } else if let best = ncl_cpu_blas_core().map({ String(cString: $0) }) {
      XCTAssertTrue(BLAS.wideCores.contains(core), "OpenBLAS runs \(BLAS.coreName) on a CPU that supports \(best)")
      if best == "SkylakeX" { XCTAssertNotEqual(core, "haswell", "an AVX-512 CPU left on AVX2 kernels") }
    } else {
      XCTAssertNil(BLAS.detectedCoreName, "no wider kernels to choose on this CPU, yet the engine replaced \(core)")
    }
  }

  /// Products of every shape class the engine uses (thin, square, long inner dimension), in
  /// Float32, against the same products summed in Double: whichever kernel runs, the error stays
  /// at Float32 rounding.
  func testProductsMatchDoubleSumsOnTheChosenKernels() {
    var generator = SeededGenerator(seed: 7)
    for (m, k, n) in [(3, 5, 4), (64, 64, 64), (256, 3, 128), (16, 4096, 8), (1000, 128, 17)] {
      let a = Tensor<Float>.randomNormal([m, k], using: &generator)
      let b = Tensor<Float>.randomNormal([k, n], using: &generator)
      let product = Tensor.matmul(a, b).scalars
      let (x, y) = (a.scalars, b.scalars)
      var worst = 0.0
      for i in 0..<m {
        for j in 0..<n {
          var sum = 0.0, magnitude = 0.0
          for l in 0..<k {
            sum += Double(x[i * k + l]) * Double(y[l * n + j])
            magnitude += abs(Double(x[i * k + l]) * Double(y[l * n + j]))
          }
          worst = max(worst, abs(Double(product[i * n + j]) - sum) / max(magnitude, 1e-30))
        }
      }
      XCTAssertLessThan(worst, 1e-5, "\(m)x\(k) times \(k)x\(n) on \(BLAS.coreName)")
    }
  }
}
