// Gradient accumulation over a node's consumers.
import XCTest
import NCLHost

/// Gradients summed over a node's consumers are added in place when nothing else holds them.
final class GradientAccumulationTests: XCTestCase {
  func testAccumulationLeavesCallersTensorsAlone() {
    let x = Tensor<Float>(shape: [40_000], scalars: (0..<40_000).map { Float($0 % 7) - 3 }).requiringGradient()
    let seed = Tensor<Float>(repeating: 1, shape: [40_000])
    let before = seed.scalars
    // x feeds four consumers, so its gradient is accumulated three times.
    let y = x * x + x + x.exp() * 0 + x
    let g = gradient(of: [y], wrt: [x], gradientOutputs: [seed])[0]
    XCTAssertEqual(g.scalars, x.scalars.map { 2 * $0 + 2 })
    XCTAssertEqual(seed.scalars, before, "the caller's seed was overwritten")
    // The same in a recorded gradient (no in-place adds: the sum is on the tape).
    let recorded = gradient(of: [y], wrt: [x], gradientOutputs: [seed], createGraph: true)[0]
    XCTAssertEqual(recorded.scalars, g.scalars)
  }
}
