// Gradient checks of every op in OpIndex: first, second and third order, forward mode, in Double.
import XCTest
import NCLHost
import _NCLTestSupport

final class OpGradientTests: XCTestCase {
  typealias T = Tensor<Double>

  struct Case {
    let inputs: [T]
    let function: GradientCheck.Function
  }

  static func normal(_ shape: [Int], seed: UInt64, scale: Double = 1) -> T {
    var g = SeededGenerator(seed: seed)
    return T.randomNormal(shape, scale: scale, using: &g)
  }

  /// Values in (0.5, 2): inside the domain of log, sqrt, reciprocal, pow.
  static func positive(_ shape: [Int], seed: UInt64) -> T {
    var g = SeededGenerator(seed: seed)
    return T.randomUniform(shape, lower: 0.5, upper: 2, using: &g)
  }

  /// Values in (0.2, 1) with random signs: away from the kinks of abs, sign and clamp.
  static func awayFromZero(_ shape: [Int], seed: UInt64) -> T {
    let magnitude = positive(shape, seed: seed) * 0.5
    return magnitude * normal(shape, seed: seed + 7).sign()
  }

  /// One case per op label; `testEveryOpHasACase` keeps this in step with OpIndex.
  static let cases: [String: Case] = {
    let a = normal([3, 4], seed: 1), b = normal([3, 4], seed: 2), row = normal([4], seed: 3)
    let p = positive([3, 4], seed: 4), cube = normal([2, 3, 4], seed: 5)
    let unary = { (x: T, f: @escaping (T) -> T) in Case(inputs: [x], function: { f($0[0]) }) }
    let columnCondition = T(shape: [3, 1], scalars: [1, 0, 1])
    return [
      "exp": unary(a) { $0.exp() },
      "log": unary(p) { $0.log() },
      "log1p": unary(p) { $0.log1p() },
      "sigmoid": unary(a) { $0.sigmoid() },
      "softplus": unary(a * 3) { $0.softplus() },
      "logisticLogDensity": unary(a * 3) { $0.logisticLogDensity() },
      "silu": unary(a * 2) { $0.silu() },
      "siluDerivative": unary(a * 2) { $0.siluDerivative() },
      "siluSecondDerivative": unary(a * 2) { $0.siluSecondDerivative() },
      "siluTangent": Case(inputs: [a * 2, b]) { $0[0].siluTangent($0[1]) },
      "tanh": unary(a) { $0.tanh() },
      "sqrt": unary(p) { $0.sqrt() },
      "square": unary(a) { $0.squared() },
      "reciprocal": unary(p) { $0.reciprocal() },
      "sin": unary(a) { $0.sin() },
      "cos": unary(a) { $0.cos() },
      "abs": unary(awayFromZero([3, 4], seed: 6)) { $0.abs() * $0 },
      "sign": unary(awayFromZero([3, 4], seed: 7)) { $0.sign() * $0.squared() },
      "pow": unary(p) { $0.pow(2.5) },
      "clamp": unary(awayFromZero([3, 4], seed: 8) * 2) { $0.clamped(lower: -1, upper: 1) * $0 },
      "affine": unary(a) { $0.affine(scale: -1.5, shift: 0.25) },
      "add": Case(inputs: [a, row]) { ($0[0] + $0[1]).squared() },
      "subtract": Case(inputs: [a, row]) { ($0[1] - $0[0]).squared() },
      "multiply": Case(inputs: [a, row]) { $0[0] * $0[1] * $0[0] },
      "divide": Case(inputs: [a, p]) { $0[0] / $0[1] },
      "powTensor": Case(inputs: [p, row]) { $0[0].pow($0[1]) },
      "sum": Case(inputs: [cube]) { ($0[0].sum(alongAxis: 1)).squared() },
      "logSumExp": Case(inputs: [cube]) { $0[0].logSumExp(alongAxis: -1) * $0[0].sum(alongAxis: -1) },
      "cumulativeSum": Case(inputs: [cube]) {
        $0[0].cumulativeSum(alongAxis: 1).squared() + $0[0].cumulativeSum(alongAxis: 2, exclusive: true, reverse: true).sin()
      },
      "product": Case(inputs: [p]) { $0[0].product(alongAxis: 1) },
      "reshape": Case(inputs: [a]) { $0[0].reshaped([2, 6]).squared() },
      "broadcast": Case(inputs: [row]) { $0[0].broadcast(to: [3, 4]).squared() * b },
      "permute": Case(inputs: [cube]) { $0[0].permuted([2, 0, 1]).squared() * normal([4, 2, 3], seed: 9) },
      "slice": Case(inputs: [cube]) { $0[0].slice(alongAxis: 2, 1..<3).squared() },
      "pad": Case(inputs: [cube]) { $0[0].padded(alongAxis: 1, before: 1, after: 2).squared() * $0[0].padded(alongAxis: 1, before: 2, after: 1) },
      "concatenate": Case(inputs: [a, b]) { T.concatenate([$0[0].squared(), $0[1], $0[0]], alongAxis: 1).sin() },
      "select": Case(inputs: [a, row]) { T.select(columnCondition, $0[0].squared(), $0[1].exp()) },
      "minimum": Case(inputs: [a, row]) { T.minimum($0[0], $0[1]) * $0[0] },
      "maximum": Case(inputs: [a, row]) { T.maximum($0[1], $0[0]).squared() },
      "matmul": Case(inputs: [a, normal([4, 2], seed: 10)]) { T.matmul($0[0], $0[1]).squared() },
      "linear": Case(inputs: [a, normal([5, 4], seed: 11), normal([5], seed: 12)]) {
        T.linear($0[0], weight: $0[1], bias: $0[2]).tanh()
      },
    ]
  }()

  /// x^3 computed by "foreign" code on Double arrays, with its VJP and JVP as callbacks.
  static let cube = ExternalFunction(
    name: "cube",
    forward: { inputs, _ in inputs[0].values.map { $0 * $0 * $0 } },
    vjp: { inputs, _, g in [zip(inputs[0].values, g.values).map { 3 * $0 * $0 * $1 }] },
    jvp: { inputs, tangents, _ in zip(inputs[0].values, tangents[0].values).map { 3 * $0 * $0 * $1 } })

  /// Ops whose derivatives are first order only, by design: checked to first order here, and
  /// that a second derivative is reported instead of being zero.
  static let firstOrderCases: [String: Case] = [
    "external": Case(inputs: [normal([3, 4], seed: 60)]) { try! T.external(cube, [$0[0]], outputShape: [3, 4]).sin() },
    // The derivative the VJP returns, seen as a function of the input: its value is right (checked
    // through `external`'s gradient), its own derivative is refused.
    "externalDerivative": Case(inputs: [normal([3, 4], seed: 61)]) { x in
      gradient(of: [try! T.external(cube, [x[0]], outputShape: [3, 4]).sum()], wrt: [x[0]], createGraph: true)[0]
    },
  ]

  func testEveryOpHasACase() {
    XCTAssertEqual(Set(Self.cases.keys).union(Self.firstOrderCases.keys), Set(OpIndex.all), "OpIndex and the gradient-check cases differ")
    XCTAssertEqual(Set(Self.firstOrderCases.keys), OpIndex.firstOrderOnly)
    XCTAssertTrue(Set(Self.cases.keys).isDisjoint(with: OpIndex.firstOrderOnly))
    XCTAssertEqual(OpIndex.all.count, Set(OpIndex.all).count, "OpIndex lists an op twice")
  }

  func testFirstOrder() throws {
    for (op, c) in Self.cases.sorted(by: { $0.key < $1.key }) {
      XCTAssertNoThrow(try GradientCheck.reverse(c.function, at: c.inputs), "op \(op)")
    }
  }

  func testSecondOrder() throws {
    for (op, c) in Self.cases.sorted(by: { $0.key < $1.key }) {
      let g = GradientCheck.gradientOf(c.function, at: c.inputs)
      XCTAssertNoThrow(try GradientCheck.reverse(g, at: c.inputs, tolerance: 1e-5), "op \(op)")
    }
  }

  func testForwardMode() throws {
    for (op, c) in Self.cases.sorted(by: { $0.key < $1.key }) {
      XCTAssertNoThrow(try GradientCheck.forward(c.function, at: c.inputs), "op \(op)")
    }
  }

  func testFirstOrderOnlyOps() throws {
    _ = DifferentiationFailure.take()
    let c = Self.firstOrderCases["external"]!
    XCTAssertNoThrow(try GradientCheck.reverse(c.function, at: c.inputs), "external")
    XCTAssertNoThrow(try GradientCheck.forward(c.function, at: c.inputs), "external")
    XCTAssertNil(DifferentiationFailure.take())
    // The derivative's value: 3 x^2.
    let d = Self.firstOrderCases["externalDerivative"]!
    let x = d.inputs[0].requiringGradient()
    XCTAssertEqual(d.function([x]).scalars, x.scalars.map { 3 * $0 * $0 })
    XCTAssertNil(DifferentiationFailure.take())
    // Its own derivative, in reverse and in forward mode, is refused with the function's name.
    _ = gradient(of: [d.function([x]).sum()], wrt: [x])
    XCTAssertEqual(DifferentiationFailure.take(), "cube: a second derivative through a plugin-defined function was asked; it provides first derivatives only")
    _ = jvp(of: d.function([x]), wrt: x, tangent: .ones(x.shape))
    XCTAssertNotNil(DifferentiationFailure.take())
    XCTAssertThrowsError(try { DifferentiationFailure.record("x"); try DifferentiationFailure.check() }())
  }

  func testForwardModeIsDifferentiable() throws {
    for (op, c) in Self.cases.sorted(by: { $0.key < $1.key }) {
      let f = GradientCheck.tangentOf(c.function, at: c.inputs)
      XCTAssertNoThrow(try GradientCheck.reverse(f, at: c.inputs, tolerance: 1e-5), "op \(op)")
    }
  }

  /// Every check of the suite on one function: first and second order, forward mode and its
  /// gradient.
  private func checkEveryOrder(_ f: @escaping GradientCheck.Function, at inputs: [T], _ message: String) {
    XCTAssertNoThrow(try GradientCheck.reverse(f, at: inputs), message)
    XCTAssertNoThrow(try GradientCheck.reverse(GradientCheck.gradientOf(f, at: inputs), at: inputs, tolerance: 1e-5), message)
    XCTAssertNoThrow(try GradientCheck.forward(f, at: inputs), message)
    XCTAssertNoThrow(try GradientCheck.reverse(GradientCheck.tangentOf(f, at: inputs), at: inputs, tolerance: 1e-5), message)
  }

  func testBroadcastingVariants() {
    let a = Self.normal([3, 4], seed: 40), b = Self.normal([3, 4], seed: 41), p = Self.positive([2, 3, 4], seed: 42)
    let condition = T(shape: [3, 4], scalars: (0..<12).map { Double($0 % 3 == 0 ? 1 : 0) })
    checkEveryOrder({ T.select(condition, $0[0].squared(), $0[1].exp()) }, at: [a, b], "select, one shape")
    checkEveryOrder({ T.where(T(shape: [4], scalars: [0, 1, 1, 0]), $0[0].sin(), $0[1]) }, at: [a, Self.normal([3, 1], seed: 43)],
                    "where, every operand broadcast")
    checkEveryOrder({ T.minimum($0[0], $0[1]).exp() }, at: [a, b], "minimum, one shape")
    checkEveryOrder({ T.maximum($0[0], $0[1]) * $0[1] }, at: [Self.normal([3, 1], seed: 44), a], "maximum, both broadcast")
    checkEveryOrder({ $0[0].pow($0[1]) }, at: [Self.positive([4], seed: 45), p], "pow, base broadcast")
    checkEveryOrder({ $0[0].pow($0[1].squared()) * $0[1] }, at: [p, Self.normal([3, 1], seed: 46)], "pow inside a product")
  }

  func testComparisonsCarryNoGradient() {
    let x = Self.normal([3, 4], seed: 50).requiringGradient(), y = Self.normal([4], seed: 51).requiringGradient()
    let masks = [x.less(y), x.lessOrEqual(y), x.greater(y), x.greaterOrEqual(y), x.equal(y), x.notEqual(y), x.isFinite()]
    for mask in masks {
      XCTAssertFalse(mask.requiresGradient, "a comparison was recorded")
      XCTAssertNil(mask.node)
      // A mask used as a weight passes the gradient through the other factor only.
      let g = gradient(of: [(mask * x.squared()).sum()], wrt: [x, y])
      XCTAssertEqual(g[0].scalars, zip(mask.scalars, x.scalars).map { $0 * 2 * $1 })
      XCTAssertEqual(g[1].scalars, [Double](repeating: 0, count: 4))
    }
  }

  func testSelectKeepsNonFiniteBranchesOutOfValuesAndGradients() {
    // NaN and -infinity in a, NaN in b, all where the other branch is taken; b broadcast.
    let taken = T(shape: [2, 3], scalars: [1, 0, 1, 1, 1, 0])
    let a = T([[1, .nan, 2], [-3, 3, -.infinity]]).requiringGradient()
    let b = T(shape: [3], scalars: [.nan, 4, 7]).requiringGradient()
    let y = T.select(taken, a, b)
    XCTAssertEqual(y.scalars, [1, 4, 2, -3, 3, 7])
    let weights = T([[1, 2, 3], [4, 5, 6]])
    let g = gradient(of: [(y.squared() * weights).sum()], wrt: [a, b], createGraph: true)
    XCTAssertEqual(g[0].scalars, [2, 0, 12, -24, 30, 0])
    XCTAssertEqual(g[1].scalars, [0, 16, 84])
    // Second order: d/da and d/db of the summed gradients are 2w on the branch taken.
    let gg = gradient(of: [g[0].sum() + g[1].sum()], wrt: [a, b])
    XCTAssertEqual(gg[0].scalars, [2, 0, 6, 8, 10, 0])
    XCTAssertEqual(gg[1].scalars, [0, 4, 12])
    // Forward mode: tangents of the branch not taken do not enter.
    XCTAssertEqual(jvp(of: y, wrt: a, tangent: T(repeating: 1, shape: [2, 3])).scalars, [1, 0, 1, 1, 1, 0])
    XCTAssertEqual(jvp(of: y, wrt: b, tangent: T(repeating: 1, shape: [3])).scalars, [0, 1, 0, 0, 0, 1])
    // minimum against +infinity: a comes through, the infinite side gets zero gradient.
    let far = T(shape: [3], scalars: [.infinity, .infinity, 5]).requiringGradient()
    let m = T.minimum(a.slice(alongAxis: 0, 0..<1), far)
    XCTAssertTrue(m.scalars[0] == 1 && m.scalars[1].isNaN && m.scalars[2] == 2, "\(m)")
    XCTAssertEqual(gradient(of: m.sum(), wrt: far).scalars, [0, 0, 0])
  }

  func testMinimumAndMaximumGiveTiesToTheFirstInput() {
    let a = T(shape: [4], scalars: [1, 2, 3, 4]).requiringGradient()
    let b = T(shape: [4], scalars: [1, 0, 3, 5]).requiringGradient()
    for (op, f) in [("minimum", T.minimum), ("maximum", T.maximum)] {
      let g = gradient(of: [f(a, b).sum()], wrt: [a, b])
      let toA: [Double] = op == "minimum" ? [1, 0, 1, 1] : [1, 1, 1, 0]
      XCTAssertEqual(g[0].scalars, toA, op)
      XCTAssertEqual(g[1].scalars, toA.map { 1 - $0 }, op)
      // NaN wins, and takes the gradient, whichever side holds it.
      let n = T(shape: [2], scalars: [.nan, 1]).requiringGradient(), c = T(shape: [2], scalars: [0, .nan]).requiringGradient()
      let y = f(n, c)
      XCTAssertTrue(y.scalars.allSatisfy(\.isNaN), op)
      let gn = gradient(of: [y.sum()], wrt: [n, c])
      XCTAssertEqual(gn[0].scalars, [1, 0], op)
      XCTAssertEqual(gn[1].scalars, [0, 1], op)
    }
  }

  func testPowDerivativesAtTheEdgesOfItsDomain() {
    // Zero base, nonnegative exponent: d/db is 0 (not log(0) 0^b = NaN), at every order.
    let a = T(shape: [4], scalars: [0, 0, 2, 0.5]).requiringGradient()
    let b = T(shape: [4], scalars: [2, 0, 0.5, -1]).requiringGradient()
    let y = a.pow(b)
    XCTAssertEqual(y.scalars[0], 0)
    XCTAssertEqual(y.scalars[1], 1)
    XCTAssertEqual(y.scalars[2], 2.0.squareRoot(), accuracy: 1e-15)
    XCTAssertEqual(y.scalars[3], 2)
    let g = gradient(of: [y.sum()], wrt: [a, b], createGraph: true)
    XCTAssertEqual(g[0].scalars[0], 0)       // 2 * 0^1
    XCTAssertEqual(g[0].scalars[1], 0)       // 0 * 0^-1: b = 0 makes a^b constant in a
    XCTAssertEqual(g[1].scalars[0], 0)
    XCTAssertEqual(g[1].scalars[1], 0)
    XCTAssertEqual(g[1].scalars[2], Double.log(2) * 2.0.squareRoot(), accuracy: 1e-15)
    XCTAssertEqual(g[1].scalars[3], Double.log(0.5) * 2, accuracy: 1e-15)
    let gg = gradient(of: [g[0].sum() + g[1].sum()], wrt: [a, b])
    XCTAssertTrue(gg.allSatisfy { $0.scalars.allSatisfy(\.isFinite) }, "\(gg)")
    // Negative base, whole exponent: values and d/da by repeated multiplication.
    let n = T(shape: [2], scalars: [-2, -0.5]).requiringGradient()
    let cube = n.pow(T(3))
    XCTAssertEqual(cube.scalars, [-8, -0.125])
    XCTAssertEqual(gradient(of: cube.sum(), wrt: n).scalars, [12, 0.75])
    XCTAssertTrue(n.pow(T(0.5)).scalars.allSatisfy(\.isNaN), "negative base, non-whole exponent")
  }

  func testTransposedMatmulVariants() throws {
    let a = Self.normal([4, 3], seed: 20), b = Self.normal([2, 4], seed: 21)
    try GradientCheck.reverse({ T.matmul($0[0], $0[1], transposeA: true, transposeB: true).squared() }, at: [a, b])
    let g = GradientCheck.gradientOf({ T.matmul($0[0], $0[1], transposeA: true, transposeB: true).squared() }, at: [a, b])
    try GradientCheck.reverse(g, at: [a, b], tolerance: 1e-5)
    try GradientCheck.forward({ T.matmul($0[1], $0[0], transposeA: true).sin() }, at: [b.transposed(), a])
  }

  func testCheckRejectsNonFiniteInput() {
    let bad = T(shape: [2], scalars: [1, .nan])
    XCTAssertThrowsError(try GradientCheck.reverse({ $0[0].exp() }, at: [bad])) { error in
      XCTAssertTrue("\(error)".contains("NaN"), "\(error)")
    }
  }

  func testCheckCatchesAWrongDerivative() {
    // sign() claims a zero derivative; used as if it were the identity, the check must fail.
    XCTAssertThrowsError(try GradientCheck.reverse({ $0[0].sign() + $0[0] * 0 }, at: [Self.normal([3], seed: 30)].map { $0 * 0 + 0.5 }, step: 0.7))
  }
}
