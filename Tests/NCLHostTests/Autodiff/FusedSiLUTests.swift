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
