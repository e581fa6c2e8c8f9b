// Behaviour of the autodiff tape: higher orders, accumulation, recording modes, jvp, mixed derivatives, deep graphs.
import Foundation
import XCTest
@testable import NCLHost
@testable import NCLEngine
import _NCLTestSupport

final class AutodiffTests: XCTestCase {
  typealias T = Tensor<Double>

  private static func normal(_ shape: [Int], seed: UInt64, scale: Double = 1) -> T {
    var g = SeededGenerator(seed: seed)
    return T.randomNormal(shape, scale: scale, using: &g)
  }

  private static func mlp(_ input: Int, _ hidden: [Int], _ output: Int, _ activation: Activation, seed: UInt64) -> MLP<Double> {
    var g = SeededGenerator(seed: seed)
    return MLP<Double>(inputSize: input, hiddenSizes: hidden, outputSize: output, activation: activation, generator: &g)
  }

  private func assertClose(
    _ actual: [Double], _ expected: [Double], tolerance: Double, _ message: String = "",
    file: StaticString = #filePath, line: UInt = #line
  ) {
    XCTAssertEqual(actual.count, expected.count, message, file: file, line: line)
    for (i, (a, e)) in zip(actual, expected).enumerated()
    where !(Swift.abs(a - e) <= tolerance * Swift.max(1, Swift.abs(e))) {
      XCTFail("element \(i): got \(a), expected \(e) \(message)", file: file, line: line)
      return
    }
  }

  // MARK: - (a) Third order through an MLP

  func testThirdOrderThroughMLP() throws {
    for activation in [Activation.tanh, .silu] {
      let network = Self.mlp(2, [5, 5], 1, activation, seed: 7)
      // f(x, W1) = MLP(x) with the first weight matrix replaced by an input.
      let f: GradientCheck.Function = { inputs in
        var m = network
        m.weights[0] = inputs[1]
        return m(inputs[0])
      }
      let inputs = [Self.normal([3, 2], seed: 8), network.weights[0]]
      let second = GradientCheck.gradientOf(f, at: inputs, seed: 11)
      let third = GradientCheck.gradientOf(second, at: inputs, seed: 12)
      XCTAssertNoThrow(
        try GradientCheck.reverse(third, at: inputs, step: 1e-5, tolerance: 1e-5), "third order, \(activation)")
      // The check is not vacuous: the third derivative is nonzero somewhere.
      let leaves = inputs.map { $0.requiringGradient() }
      let g = gradient(of: [third(leaves)], wrt: leaves)
      XCTAssertTrue(g.contains { $0.scalars.contains { Swift.abs($0) > 1e-3 } }, "\(activation)")
    }
  }

  // MARK: - (b) Accumulation

  func testGradientAccumulatesWhenATensorIsUsedTwice() {
    let x = T(shape: [4], scalars: [-1.5, 0.5, 2, 3]).requiringGradient()
    let g = gradient(of: (x * x).sum(), wrt: x)
    XCTAssertEqual(g.scalars, x.scalars.map { 2 * $0 })
    // Through different paths: x*x + sin(x) + x.
    let h = gradient(of: (x * x + x.sin() + x).sum(), wrt: x)
    assertClose(h.scalars, x.scalars.map { 2 * $0 + Foundation.cos($0) + 1 }, tolerance: 1e-15)
    // Several outputs at once: gradients of the sum of outputs.
    let k = gradient(of: [x.sum(), (x * 3).sum()], wrt: [x])[0]
    XCTAssertEqual(k.scalars, [4, 4, 4, 4])
  }

  func testGradientWithRespectToAnIntermediateTensor() {
    let x = T(shape: [3], scalars: [0.1, -0.4, 1.2]).requiringGradient()
    let y = x.exp()
    let z = (y * y).sum() + x.sum()
    let grads = gradient(of: [z], wrt: [y, x])
    assertClose(grads[0].scalars, y.scalars.map { 2 * $0 }, tolerance: 1e-15, "dz/dy")
    // dz/dx = 2 e^{2x} + 1, including the path through y.
    assertClose(grads[1].scalars, x.scalars.map { 2 * Foundation.exp(2 * $0) + 1 }, tolerance: 1e-14, "dz/dx")
    // Gradient of an output with respect to itself is the seed.
    XCTAssertEqual(gradient(of: y, wrt: y).scalars, [1, 1, 1])
    let seeded = gradient(of: [y], wrt: [y], gradientOutputs: [T(shape: [3], scalars: [2, 3, 4])])[0]
    XCTAssertEqual(seeded.scalars, [2, 3, 4])
  }

  // MARK: - (c) Unused inputs

  func testUnusedInputGetsZeros() {
    let x = T(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]).requiringGradient()
    let unused = T(shape: [4], scalars: [1, 1, 1, 1]).requiringGradient()
    let grads = gradient(of: [x.squared().sum()], wrt: [x, unused])
    XCTAssertEqual(grads[0].scalars, x.scalars.map { 2 * $0 })
    XCTAssertEqual(grads[1].shape, [4])
    XCTAssertEqual(grads[1].scalars, [0, 0, 0, 0])
    let tangent = jvp(of: [x.squared()], wrt: [unused], tangents: [T.ones([4])])[0]
    XCTAssertEqual(tangent.shape, [2, 3])
    XCTAssertEqual(tangent.scalars, [0, 0, 0, 0, 0, 0])
    // An output that is a constant gives zeros too.
    let constant = gradient(of: T.ones([2]).sum(), wrt: x)
    XCTAssertEqual(constant.shape, [2, 3])
    XCTAssertEqual(constant.scalars, [0, 0, 0, 0, 0, 0])
  }

  // MARK: - (d) withoutGradient

  func testWithoutGradientRecordsNothingAndRestoresTheMode() {
    let x = T(shape: [3], scalars: [1, 2, 3]).requiringGradient()
    XCTAssertTrue(GradientMode.isEnabled)
    var insideMode = true
    let y = withoutGradient { () -> T in
      insideMode = GradientMode.isEnabled
      return (x.exp() * x + 1).sum()
    }
    XCTAssertFalse(insideMode, "recording is off inside")
    XCTAssertFalse(y.requiresGradient)
    XCTAssertNil(y.node)
    XCTAssertTrue(GradientMode.isEnabled, "recording is back on after")
    XCTAssertTrue((x * x).requiresGradient, "ops record again after")
    // Nested, and restored even when the body throws.
    struct Boom: Error {}
    XCTAssertThrowsError(try withoutGradient { () throws -> Void in
      withoutGradient { XCTAssertFalse(GradientMode.isEnabled) }
      XCTAssertFalse(GradientMode.isEnabled)
      throw Boom()
    })
    XCTAssertTrue(GradientMode.isEnabled)
    // The values are the same as recorded ones.
    XCTAssertEqual(y.scalar, (x.exp() * x + 1).sum().scalar)
  }

  // MARK: - (e) createGraph

  func testCreateGraphControlsWhetherGradientsAreDifferentiable() {
    let x = T(shape: [3], scalars: [0.5, -1, 2]).requiringGradient()
    let f = (x * x * x).sum()
    let constant = gradient(of: f, wrt: x, createGraph: false)
    XCTAssertFalse(constant.requiresGradient)
    XCTAssertEqual(constant.scalars, x.scalars.map { 3 * $0 * $0 })
    let recorded = gradient(of: f, wrt: x, createGraph: true)
    XCTAssertTrue(recorded.requiresGradient)
    XCTAssertEqual(recorded.scalars, constant.scalars)
    // The recorded gradient differentiates to the second derivative 6x.
    let second = gradient(of: recorded.sum(), wrt: x)
    XCTAssertEqual(second.scalars, x.scalars.map { 6 * $0 })
    XCTAssertTrue(GradientMode.isEnabled, "gradient restores the recording mode")

    let tConstant = jvp(of: x * x * x, wrt: x, tangent: T.ones([3]), createGraph: false)
    XCTAssertFalse(tConstant.requiresGradient)
    let tRecorded = jvp(of: x * x * x, wrt: x, tangent: T.ones([3]), createGraph: true)
    XCTAssertTrue(tRecorded.requiresGradient)
    XCTAssertEqual(tRecorded.scalars, tConstant.scalars)
    XCTAssertEqual(gradient(of: tRecorded.sum(), wrt: x).scalars, x.scalars.map { 6 * $0 })
  }

  // MARK: - (f) jvp over a batch

  func testBatchJVPMatchesPerRowGradientAndCentralDifference() {
    let batch = 6
    let network = Self.mlp(3, [8, 8], 1, .silu, seed: 21)
    let x = Self.normal([batch, 2], seed: 22)
    let t0 = Self.normal([batch, 1], seed: 23)
    func u(_ t: T) -> T { network(T.concatenate([t, x], alongAxis: 1)) }

    let t = t0.requiringGradient()
    let output = u(t)
    XCTAssertEqual(output.shape, [batch, 1])
    let tangent = jvp(of: output, wrt: t, tangent: T.ones([batch, 1]), createGraph: false)
    XCTAssertEqual(tangent.shape, [batch, 1])
    // Rows are independent, so the gradient of the sum holds each row's own d/dt.
    let perRow = gradient(of: output, wrt: t)
    assertClose(tangent.scalars, perRow.scalars, tolerance: 1e-12, "jvp vs gradient")
    let h = 1e-6
    let numeric = withoutGradient { (u(t0 + h) - u(t0 - h)) / (2 * h) }
    assertClose(tangent.scalars, numeric.scalars, tolerance: 1e-7, "jvp vs central difference")
    XCTAssertTrue(tangent.scalars.contains { Swift.abs($0) > 1e-3 }, "d/dt is not trivially zero")

    // Rows really are independent: perturbing row 0 changes only row 0.
    var shifted = t0.scalars
    shifted[0] += 0.5
    let moved = withoutGradient { u(T(shape: [batch, 1], scalars: shifted)) - u(t0) }
    XCTAssertNotEqual(moved.scalars[0], 0)
    XCTAssertEqual(Array(moved.scalars[1...]), [Double](repeating: 0, count: batch - 1))
  }

  // MARK: - (g) Mixed second derivative

  func testJVPWithRespectToParametersThenGradientMatchesFiniteDifferences() {
    let network = Self.mlp(3, [6, 6], 2, .tanh, seed: 31)
    let x = Self.normal([4, 3], seed: 32)
    let weights = Self.normal([4, 2], seed: 33)
    var g = SeededGenerator(seed: 34)
    let directions = network.parameters.map { T.randomNormal($0.shape, using: &g) }

    /// L(P) = sum(weights * MLP_P(x)).
    func loss(_ parameters: [T]) -> T {
      var m = network
      m.parameters = parameters
      return (m(x) * weights).sum()
    }
    func lossGradient(_ parameters: [T]) -> [T] {
      let leaves = parameters.map { $0.requiringGradient() }
      return gradient(of: [loss(leaves)], wrt: leaves)
    }

    // Analytic: d/dP [ jvp of L along V ] = H V.
    let leaves = network.parameters.map { $0.requiringGradient() }
    var m = network
    m.parameters = leaves
    let output = m(x)
    let tangent = jvp(of: [output], wrt: leaves, tangents: directions, createGraph: true)[0]
    XCTAssertTrue(tangent.requiresGradient)
    let directional = (tangent * weights).sum()
    let hessianTimesV = gradient(of: [directional], wrt: leaves)

    // The directional derivative itself agrees with the gradient: jvp = <grad L, V>.
    let firstOrder = lossGradient(network.parameters)
    let inner = zip(firstOrder, directions).map { ($0 * $1).sum().scalar }.reduce(0, +)
    XCTAssertEqual(directional.scalar, inner, accuracy: 1e-12 * Swift.max(1, Swift.abs(inner)))

    // Numeric: (grad L(P + hV) - grad L(P - hV)) / 2h.
    let h = 1e-5
    let plus = lossGradient(zip(network.parameters, directions).map { $0 + h * $1 })
    let minus = lossGradient(zip(network.parameters, directions).map { $0 - h * $1 })
    var largest = 0.0
    for (k, (analytic, (p, q))) in zip(hessianTimesV, zip(plus, minus)).enumerated() {
      XCTAssertEqual(analytic.shape, p.shape)
      let numeric = (p - q) / (2 * h)
      assertClose(analytic.scalars, numeric.scalars, tolerance: 1e-6, "parameter \(k)")
      largest = Swift.max(largest, analytic.scalars.map(Swift.abs).max() ?? 0)
    }
    XCTAssertGreaterThan(largest, 1e-2, "the mixed derivative is not trivially zero")
  }

  // MARK: - (h) Deep graphs

  /// Building, differentiating and freeing a chain this long must neither recurse in the walk
  /// nor in the release of the tape (Node.deinit frees with a worklist).
  func testDeepGraphDoesNotOverflowTheStack() {
    let depth = 60_000  // a recursive release crashed at 50,000 in a debug build
    let x = T(shape: [4], scalars: [1, 2, 3, 4]).requiringGradient()
    let step = T(shape: [4], scalars: [0.5, 0.5, 0.5, 0.5])
    var y = x
    for _ in 0..<depth { y = y + step }
    XCTAssertEqual(y.scalars, x.scalars.map { $0 + 0.5 * Double(depth) })
    let g = gradient(of: y.sum(), wrt: x)
    XCTAssertEqual(g.scalars, [1, 1, 1, 1])
    let t = jvp(of: y, wrt: x, tangent: T(shape: [4], scalars: [1, -2, 3, -4]))
    XCTAssertEqual(t.scalars, [1, -2, 3, -4])
    // Recorded backward over the chain, then differentiated again.
    let recorded = gradient(of: (y * y).sum(), wrt: x, createGraph: true)
    XCTAssertEqual(recorded.scalars, y.scalars.map { 2 * $0 })
    XCTAssertEqual(gradient(of: recorded.sum(), wrt: x).scalars, [2, 2, 2, 2])
    // Where a tensor feeds every link, gradients accumulate over the whole depth.
    var z = x
    for _ in 0..<depth { z = z + x }
    XCTAssertEqual(gradient(of: z.sum(), wrt: x).scalars, [Double](repeating: Double(depth + 1), count: 4))
  }

  // MARK: - Extra: pow's derivative at a negative base

  /// d/dx x^2 = 2x for every x; pow(2) is special-cased in the forward kernel, but its derivative
  /// is 2 x.pow(1), which goes through the general power kernel.
  func testGradientOfIntegerPowerAtNegativeBase() {
    let x = T(shape: [3], scalars: [-2, -0.5, 1.5]).requiringGradient()
    XCTAssertEqual(x.pow(2).scalars, [4, 0.25, 2.25])
    let g = gradient(of: x.pow(2).sum(), wrt: x)
    XCTAssertEqual(g.scalars, [-4, -1, 3])
    let squared = gradient(of: x.squared().sum(), wrt: x)
    XCTAssertEqual(squared.scalars, [-4, -1, 3])
  }
}
