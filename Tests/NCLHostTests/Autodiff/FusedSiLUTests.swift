// The fused Float32 SiLU passes give exactly what the differentiable rules give.
import XCTest
import NCLHost

final class FusedSiLUTests: XCTestCase {
  /// A loss with the activation and its tangent, as in the flux: first-order gradients take the
  /// fused kernels (nothing is recorded), recorded gradients the differentiable rules. They must
  /// agree to Float rounding (the fused pass shares one exponential between silu' and silu'').
  func testFusedPassesMatchTheRecordedRules() {
    var g = SeededGenerator(seed: 4)
    let a = (Tensor<Float>.randomNormal([300, 130], using: &g) * 3).requiringGradient()  // spans both silu'' branches
    let direction = Tensor<Float>.randomNormal([300, 130], using: &g)
    let (w1, w2) = (Tensor<Float>.randomNormal([300, 130], using: &g), Tensor<Float>.randomNormal([300, 130], using: &g))
    let y = a.silu()
    let tangent = jvp(of: [y], wrt: [a], tangents: [direction])[0]
    let loss = (y * w1).sum() + (tangent * tangent * w2).sum()
    let fused = gradient(of: [loss], wrt: [a])[0]
    let recorded = gradient(of: [loss], wrt: [a], createGraph: true)[0]
    XCTAssertFalse(fused.requiresGradient)
    XCTAssertTrue(recorded.requiresGradient)
    let scale = recorded.scalars.map(abs).max()!
    for (f, r) in zip(fused.scalars, recorded.scalars) {
      XCTAssertEqual(f, r, accuracy: 2e-6 * scale + 4e-6 * abs(r))
    }
    // And the fused gradient is the true one: the recorded rules are checked against central
    // differences in Double by OpGradientTests ("silu", "siluTangent").
    // The tangent's value is the product the generic rule would form.
    XCTAssertEqual(tangent.scalars, (direction * a.detached().siluDerivative()).scalars)
  }
}

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
