// Forward values of every tensor op against naive reference loops, in Double and (fast kernels) Float.
import Foundation
import XCTest
@testable import NCLHost
@testable import NCLEngine

final class TensorOpsTests: XCTestCase {
  typealias T = Tensor<Double>
  typealias F = Tensor<Float>

  // MARK: - Helpers

  private static func normal(_ shape: [Int], seed: UInt64, scale: Double = 1) -> T {
    var g = SeededGenerator(seed: seed)
    return T.randomNormal(shape, scale: scale, using: &g)
  }

  private static func uniform(_ shape: [Int], _ lower: Double, _ upper: Double, seed: UInt64) -> T {
    var g = SeededGenerator(seed: seed)
    return T.randomUniform(shape, lower: lower, upper: upper, using: &g)
  }

  /// n evenly spaced values from `lower` to `upper` inclusive, as a rank-1 tensor.
  private static func grid(_ lower: Double, _ upper: Double, count n: Int) -> T {
    T(shape: [n], scalars: (0..<n).map { lower + (upper - lower) * Double($0) / Double(n - 1) })
  }

  private static func strides(_ shape: [Int]) -> [Int] {
    var s = [Int](repeating: 1, count: shape.count)
    var step = 1
    for axis in shape.indices.reversed() {
      s[axis] = step
      step *= shape[axis]
    }
    return s
  }

  private static func unravel(_ flat: Int, _ shape: [Int]) -> [Int] {
    var rest = flat
    var index = [Int](repeating: 0, count: shape.count)
    for axis in shape.indices.reversed() {
      index[axis] = rest % shape[axis]
      rest /= shape[axis]
    }
    return index
  }

  private static func ravel(_ index: [Int], _ shape: [Int]) -> Int {
    zip(index, strides(shape)).map { $0 * $1 }.reduce(0, +)
  }

  /// The flat element of a tensor of `shape` that NumPy broadcasting reads at `index` of `target`.
  private static func broadcastSource(_ index: [Int], from shape: [Int], to target: [Int]) -> Int {
    let lead = target.count - shape.count
    let s = strides(shape)
    var flat = 0
    for axis in shape.indices where shape[axis] != 1 { flat += index[axis + lead] * s[axis] }
    return flat
  }

  private static func referenceBinary(
    _ a: T, _ b: T, shape: [Int], _ f: (Double, Double) -> Double
  ) -> [Double] {
    (0..<shape.reduce(1, *)).map { flat in
      let index = unravel(flat, shape)
      return f(a.scalars[broadcastSource(index, from: a.shape, to: shape)],
               b.scalars[broadcastSource(index, from: b.shape, to: shape)])
    }
  }

  /// Reduces `x` along `axis` with `f` applied to the slice's elements in index order.
  private static func referenceReduce(_ x: T, axis: Int, _ f: ([Double]) -> Double) -> (shape: [Int], values: [Double]) {
    var outShape = x.shape
    outShape.remove(at: axis)
    let values = (0..<outShape.reduce(1, *)).map { flat -> Double in
      var index = unravel(flat, outShape)
      index.insert(0, at: axis)
      let slice = (0..<x.shape[axis]).map { l -> Double in
        index[axis] = l
        return x.scalars[ravel(index, x.shape)]
      }
      return f(slice)
    }
    return (outShape, values)
  }

  /// Maps each line of `x` along `axis` through `f` (a same-length transform).
  private static func referenceAlongAxis(_ x: T, axis: Int, _ f: ([Double]) -> [Double]) -> [Double] {
    var out = [Double](repeating: .nan, count: x.count)
    var outer = x.shape
    outer[axis] = 1
    for flat in 0..<outer.reduce(1, *) {
      var index = unravel(flat, outer)
      let positions = (0..<x.shape[axis]).map { l -> Int in
        index[axis] = l
        return ravel(index, x.shape)
      }
      for (p, v) in zip(positions, f(positions.map { x.scalars[$0] })) { out[p] = v }
    }
    return out
  }

  private func assertClose<S: BinaryFloatingPoint>(
    _ actual: [S], _ expected: [S], relative: S = 1e-12, absolute: S = 1e-300, _ message: String = "",
    file: StaticString = #filePath, line: UInt = #line
  ) {
    XCTAssertEqual(actual.count, expected.count, "element count: \(message)", file: file, line: line)
    var failures = 0
    for (i, (a, e)) in zip(actual, expected).enumerated() {
      let ok: Bool
      if e.isNaN {
        ok = a.isNaN
      } else if e.isInfinite {
        ok = a == e
      } else {
        ok = a.isFinite && Swift.abs(a - e) <= relative * Swift.abs(e) + absolute
      }
      if !ok {
        failures += 1
        if failures <= 5 {
          XCTFail("element \(i): got \(a), expected \(e) \(message)", file: file, line: line)
        }
      }
    }
    if failures > 5 { XCTFail("\(failures) elements differ in total \(message)", file: file, line: line) }
  }

  // MARK: - Construction

  func testConstructionAndIndexing() {
    let x = T([[1, 2, 3], [4, 5, 6]])
    XCTAssertEqual(x.shape, [2, 3])
    XCTAssertEqual(x.scalars, [1, 2, 3, 4, 5, 6])
    XCTAssertEqual(x[1, 2], 6)
    XCTAssertEqual(x[0, 1], 2)
    XCTAssertEqual(T(3.5).shape, [])
    XCTAssertEqual(T(3.5).scalar, 3.5)
    XCTAssertEqual(T.zeros([2, 2]).scalars, [0, 0, 0, 0])
    XCTAssertEqual(T.ones([3]).scalars, [1, 1, 1])
    XCTAssertEqual(T(repeating: 7, shape: [2, 1]).scalars, [7, 7])
    XCTAssertEqual(T.zeros([0, 3]).count, 0)
    XCTAssertFalse(x.requiresGradient)
    XCTAssertTrue(x.requiringGradient().requiresGradient)
    XCTAssertFalse(x.requiringGradient().detached().requiresGradient)
    XCTAssertEqual(x.converted(to: Float.self).scalars, [1, 2, 3, 4, 5, 6])
  }

  // MARK: - Broadcasting arithmetic

  func testBroadcastingBinaryOps() {
    // (a shape, b shape, expected result shape)
    let cases: [([Int], [Int], [Int])] = [
      ([3, 4], [4], [3, 4]),
      ([4], [3, 4], [3, 4]),
      ([3, 4], [3, 4], [3, 4]),
      ([3, 1], [1, 4], [3, 4]),
      ([1, 4], [3, 1], [3, 4]),
      ([2, 3, 4], [3, 1], [2, 3, 4]),
      ([3, 1], [2, 3, 4], [2, 3, 4]),
      ([2, 1, 4], [3, 1], [2, 3, 4]),
      ([2, 3, 4], [1, 3, 1], [2, 3, 4]),
      ([1], [5], [5]),
      ([5], [1], [5]),
      ([], [2, 3], [2, 3]),
      ([2, 3], [], [2, 3]),
      ([], [2, 3, 4], [2, 3, 4]),
      ([], [], []),
      ([3, 4], [3, 1], [3, 4]),
    ]
    let ops: [(String, (T, T) -> T, (Double, Double) -> Double)] = [
      ("add", { $0 + $1 }, { $0 + $1 }),
      ("subtract", { $0 - $1 }, { $0 - $1 }),
      ("multiply", { $0 * $1 }, { $0 * $1 }),
      ("divide", { $0 / $1 }, { $0 / $1 }),
    ]
    for (k, (sa, sb, expectedShape)) in cases.enumerated() {
      let a = Self.normal(sa, seed: UInt64(10 + k))
      // Away from zero so division is well conditioned.
      let b = Self.uniform(sb, 0.5, 2, seed: UInt64(50 + k)) * Self.normal(sb, seed: UInt64(90 + k)).sign()
      for (name, op, reference) in ops {
        let result = op(a, b)
        XCTAssertEqual(result.shape, expectedShape, "\(name) \(sa) \(sb)")
        assertClose(result.scalars, Self.referenceBinary(a, b, shape: expectedShape, reference), relative: 1e-15,
                    "\(name) \(sa) \(sb)")
      }
    }
  }

  func testBroadcastingBinaryOpsInFloat() {
    let a = Self.normal([2, 3, 4], seed: 1), b = Self.uniform([3, 1], 0.5, 2, seed: 2)
    let fa = a.converted(to: Float.self), fb = b.converted(to: Float.self)
    let ops: [(String, (F, F) -> F, (Float, Float) -> Float)] = [
      ("add", { $0 + $1 }, { $0 + $1 }), ("subtract", { $0 - $1 }, { $0 - $1 }),
      ("multiply", { $0 * $1 }, { $0 * $1 }), ("divide", { $0 / $1 }, { $0 / $1 }),
    ]
    for (name, op, reference) in ops {
      let result = op(fa, fb)
      XCTAssertEqual(result.shape, [2, 3, 4], name)
      let expected = Self.referenceBinary(a, b, shape: [2, 3, 4]) { Double(reference(Float($0), Float($1))) }
      XCTAssertEqual(result.scalars, expected.map { Float($0) }, name)
    }
  }

  func testBroadcastingAcrossAStridedMiddleAxis() {
    // [2,1,4] with [2,3,1]: neither operand is contiguous along the output, exercising the general loop.
    let a = Self.normal([2, 1, 4], seed: 3), b = Self.normal([2, 3, 1], seed: 4)
    let result = a * b
    XCTAssertEqual(result.shape, [2, 3, 4])
    assertClose(result.scalars, Self.referenceBinary(a, b, shape: [2, 3, 4], *), relative: 0)
  }

  func testScalarOperators() {
    let a = Self.uniform([3, 4], 0.5, 3, seed: 5)
    let s = 2.5
    let cases: [(String, T, (Double) -> Double)] = [
      ("a + s", a + s, { $0 + s }), ("s + a", s + a, { s + $0 }),
      ("a - s", a - s, { $0 - s }), ("s - a", s - a, { s - $0 }),
      ("a * s", a * s, { $0 * s }), ("s * a", s * a, { s * $0 }),
      ("a / s", a / s, { $0 / s }), ("s / a", s / a, { s / $0 }),
      ("-a", -a, { -$0 }),
    ]
    for (name, result, reference) in cases {
      XCTAssertEqual(result.shape, [3, 4], name)
      assertClose(result.scalars, a.scalars.map(reference), relative: 1e-15, name)
    }
    // Rank-0 with rank-0.
    XCTAssertEqual((T(3) / T(4)).shape, [])
    XCTAssertEqual((T(3) / T(4)).scalar, 0.75)
    XCTAssertEqual((T(3) * 2).scalar, 6)
  }

  // MARK: - Unary ops

  func testUnaryOpsAgainstFoundation() {
    let x = Self.normal([5, 7], seed: 6, scale: 2)
    let positive = Self.uniform([5, 7], 0.01, 20, seed: 7)
    let aboveMinusOne = Self.uniform([5, 7], -0.95, 5, seed: 8)
    func sigmoid(_ v: Double) -> Double { 0.5 * (1 + Foundation.tanh(v / 2)) }
    let cases: [(String, T, (T) -> T, (Double) -> Double, Double)] = [
      ("exp", x, { $0.exp() }, { Foundation.exp($0) }, 1e-15),
      ("log", positive, { $0.log() }, { Foundation.log($0) }, 1e-15),
      ("log1p", aboveMinusOne, { $0.log1p() }, { Foundation.log1p($0) }, 1e-15),
      ("sigmoid", x, { $0.sigmoid() }, sigmoid, 1e-13),
      ("softplus", x, { $0.softplus() }, { Foundation.log1p(Foundation.exp($0)) }, 1e-13),
      ("silu", x, { $0.silu() }, { $0 * sigmoid($0) }, 1e-13),
      ("siluDerivative", x, { $0.siluDerivative() }, { sigmoid($0) * (1 + $0 * (1 - sigmoid($0))) }, 1e-12),
      ("siluSecondDerivative", x, { $0.siluSecondDerivative() },
       { sigmoid($0) * (1 - sigmoid($0)) * (2 + $0 * (1 - 2 * sigmoid($0))) }, 1e-12),
      ("tanh", x, { $0.tanh() }, { Foundation.tanh($0) }, 1e-15),
      ("logisticLogDensity", x, { $0.logisticLogDensity() }, { Foundation.log(sigmoid($0) * sigmoid(-$0)) }, 1e-13),
      ("sqrt", positive, { $0.sqrt() }, { Foundation.sqrt($0) }, 0),
      ("square", x, { $0.squared() }, { $0 * $0 }, 0),
      ("reciprocal", positive, { $0.reciprocal() }, { 1 / $0 }, 0),
      ("sin", x, { $0.sin() }, { Foundation.sin($0) }, 1e-15),
      ("cos", x, { $0.cos() }, { Foundation.cos($0) }, 1e-15),
      ("abs", x, { $0.abs() }, { Swift.abs($0) }, 0),
      ("sign", x, { $0.sign() }, { $0 > 0 ? 1 : -1 }, 0),
      ("pow 2.5", positive, { $0.pow(2.5) }, { Foundation.pow($0, 2.5) }, 1e-15),
      ("pow 2", x, { $0.pow(2) }, { $0 * $0 }, 0),
      ("pow -1.5", positive, { $0.pow(-1.5) }, { Foundation.pow($0, -1.5) }, 1e-15),
      ("pow 0", positive, { $0.pow(0) }, { _ in 1 }, 0),
      ("affine", x, { $0.affine(scale: -1.5, shift: 0.25) }, { -1.5 * $0 + 0.25 }, 1e-15),
    ]
    for (name, input, op, reference, tolerance) in cases {
      let result = op(input)
      XCTAssertEqual(result.shape, input.shape, name)
      assertClose(result.scalars, input.scalars.map(reference), relative: tolerance, absolute: 1e-300, name)
    }
  }

  func testUnaryEdgeValues() {
    let special = T(shape: [5], scalars: [-.infinity, -1000, 0, 1000, .infinity])
    assertClose(special.exp().scalars, [0, 0, 1, .infinity, .infinity])
    assertClose(special.sigmoid().scalars, [0, 0, 0.5, 1, 1])
    assertClose(special.softplus().scalars, [0, 0, Foundation.log(2), 1000, .infinity])
    assertClose(special.tanh().scalars, [-1, -1, 0, 1, 1])
    XCTAssertEqual(T(shape: [3], scalars: [0, 1, -0.0]).sign().scalars, [0, 1, 0])
    assertClose(T(shape: [3], scalars: [0, 1, Foundation.exp(1)]).log().scalars, [-.infinity, 0, 1])
    assertClose(T(shape: [2], scalars: [-1, .nan]).log1p().scalars, [-.infinity, .nan])
    XCTAssertTrue(T(shape: [1], scalars: [-1]).sqrt().scalars[0].isNaN)
  }

  /// x^p for integer p is defined for negative x (Foundation.pow(-2, 3) = -8), and x^0 = 1 at x = 0.
  func testPowerOfNegativeBaseWithIntegerExponent() {
    let x = T(shape: [4], scalars: [-2, -0.5, 1.5, 3])
    assertClose(x.pow(3).scalars, x.scalars.map { Foundation.pow($0, 3) }, relative: 1e-15, "x.pow(3)")
    assertClose(x.pow(1).scalars, x.scalars, relative: 0, "x.pow(1)")
    assertClose(x.pow(-2).scalars, x.scalars.map { Foundation.pow($0, -2) }, relative: 1e-15, "x.pow(-2)")
    assertClose(T(shape: [1], scalars: [0]).pow(0).scalars, [1], "0.pow(0)")
  }

  func testClamp() {
    let x = T(shape: [7], scalars: [-3, -1, -0.5, 0, 0.5, 1, 3])
    XCTAssertEqual(x.clamped(lower: -1, upper: 0.75).scalars, [-1, -1, -0.5, 0, 0.5, 0.75, 0.75])
    XCTAssertEqual(x.clamped(lower: 0, upper: 0).scalars, [0, 0, 0, 0, 0, 0, 0])
    let withNaN = T(shape: [3], scalars: [.nan, -.infinity, .infinity]).clamped(lower: -2, upper: 2)
    XCTAssertTrue(withNaN.scalars[0].isNaN, "clamp passes NaN through")
    XCTAssertEqual(Array(withNaN.scalars[1...]), [-2, 2])
    let random = Self.normal([4, 5], seed: 9, scale: 3)
    XCTAssertEqual(random.clamped(lower: -1, upper: 2).scalars, random.scalars.map { Swift.min(Swift.max($0, -1), 2) })
    let f = random.converted(to: Float.self)
    XCTAssertEqual(f.clamped(lower: -1, upper: 2).scalars, f.scalars.map { Swift.min(Swift.max($0, -1), 2) })
  }

  // MARK: - Reductions

  func testReductionsAlongEveryAxis() {
    let x = Self.normal([2, 3, 4], seed: 11)
    let positive = Self.uniform([2, 3, 4], 0.5, 1.5, seed: 12)
    for axis in 0..<3 {
      let sum = Self.referenceReduce(x, axis: axis) { $0.reduce(0, +) }
      let s = x.sum(alongAxis: axis)
      XCTAssertEqual(s.shape, sum.shape, "sum axis \(axis)")
      assertClose(s.scalars, sum.values, relative: 1e-14, absolute: 1e-15, "sum axis \(axis)")

      var kept = x.shape
      kept[axis] = 1
      let sk = x.sum(alongAxis: axis, keepingDimension: true)
      XCTAssertEqual(sk.shape, kept, "sum keeping axis \(axis)")
      assertClose(sk.scalars, sum.values, relative: 1e-14, absolute: 1e-15)
      XCTAssertEqual(x.sum(alongAxis: axis - 3).scalars, s.scalars, "negative axis \(axis - 3)")

      let mean = x.mean(alongAxis: axis)
      XCTAssertEqual(mean.shape, sum.shape)
      assertClose(mean.scalars, sum.values.map { $0 / Double(x.shape[axis]) }, relative: 1e-14, absolute: 1e-15,
                  "mean axis \(axis)")
      XCTAssertEqual(x.mean(alongAxis: axis, keepingDimension: true).shape, kept)

      let lse = Self.referenceReduce(x, axis: axis) { Foundation.log($0.map { Foundation.exp($0) }.reduce(0, +)) }
      let l = x.logSumExp(alongAxis: axis)
      XCTAssertEqual(l.shape, lse.shape)
      assertClose(l.scalars, lse.values, relative: 1e-14, absolute: 1e-15, "logSumExp axis \(axis)")
      XCTAssertEqual(x.logSumExp(alongAxis: axis, keepingDimension: true).shape, kept)

      let maxRef = Self.referenceReduce(x, axis: axis) { $0.max()! }
      let m = x.maxValues(alongAxis: axis)
      XCTAssertEqual(m.shape, maxRef.shape)
      XCTAssertEqual(m.scalars, maxRef.values, "maxValues axis \(axis)")
      XCTAssertEqual(x.maxValues(alongAxis: axis, keepingDimension: true).shape, kept)
      XCTAssertFalse(x.requiringGradient().maxValues(alongAxis: axis).requiresGradient, "maxValues is a constant")

      let prodRef = Self.referenceReduce(positive, axis: axis) { $0.reduce(1, *) }
      let p = positive.product(alongAxis: axis)
      XCTAssertEqual(p.shape, prodRef.shape)
      assertClose(p.scalars, prodRef.values, relative: 1e-14, "product axis \(axis)")
      XCTAssertEqual(positive.product(alongAxis: axis, keepingDimension: true).shape, kept)
    }
    XCTAssertEqual(x.sum().shape, [])
    XCTAssertEqual(x.sum().scalar, x.scalars.reduce(0, +), accuracy: 1e-13)
    XCTAssertEqual(x.mean().scalar, x.scalars.reduce(0, +) / 24, accuracy: 1e-14)
    XCTAssertEqual(T(4).sum().scalar, 4)
  }

  func testCumulativeSumAlongEveryAxis() {
    let x = Self.normal([2, 3, 4], seed: 13)
    func scan(_ v: [Double], exclusive: Bool, reverse: Bool) -> [Double] {
      let ordered = reverse ? Array(v.reversed()) : v
      var running = 0.0
      var out: [Double] = []
      for e in ordered {
        if exclusive { out.append(running); running += e } else { running += e; out.append(running) }
      }
      return reverse ? out.reversed() : out
    }
    for axis in 0..<3 {
      for exclusive in [false, true] {
        for reverse in [false, true] {
          let result = x.cumulativeSum(alongAxis: axis, exclusive: exclusive, reverse: reverse)
          let name = "axis \(axis) exclusive \(exclusive) reverse \(reverse)"
          XCTAssertEqual(result.shape, x.shape, name)
          let expected = Self.referenceAlongAxis(x, axis: axis) { scan($0, exclusive: exclusive, reverse: reverse) }
          assertClose(result.scalars, expected, relative: 1e-14, absolute: 1e-15, name)
        }
      }
    }
    // A hand-computed case so the reference itself is checked.
    let v = T(shape: [4], scalars: [1, 2, 3, 4])
    XCTAssertEqual(v.cumulativeSum(alongAxis: 0).scalars, [1, 3, 6, 10])
    XCTAssertEqual(v.cumulativeSum(alongAxis: 0, exclusive: true).scalars, [0, 1, 3, 6])
    XCTAssertEqual(v.cumulativeSum(alongAxis: 0, reverse: true).scalars, [10, 9, 7, 4])
    XCTAssertEqual(v.cumulativeSum(alongAxis: 0, exclusive: true, reverse: true).scalars, [9, 7, 4, 0])
  }

  func testLogSumExpIsStable() {
    let big = T(shape: [2], scalars: [1000, 1000]).logSumExp(alongAxis: 0)
    XCTAssertEqual(big.scalar, 1000 + Foundation.log(2), accuracy: 1e-12)
    let small = T(shape: [2], scalars: [-1000, -1000]).logSumExp(alongAxis: 0)
    XCTAssertEqual(small.scalar, -1000 + Foundation.log(2), accuracy: 1e-12)
    let mixed = T(shape: [3], scalars: [1000, 0, -1000]).logSumExp(alongAxis: 0)
    XCTAssertEqual(mixed.scalar, 1000, accuracy: 1e-12)
    XCTAssertEqual(T(shape: [2], scalars: [-.infinity, 0]).logSumExp(alongAxis: 0).scalar, 0)
    XCTAssertEqual(T(shape: [3], scalars: [-.infinity, -.infinity, -.infinity]).logSumExp(alongAxis: 0).scalar, -.infinity)
    XCTAssertEqual(T(shape: [2], scalars: [.infinity, 1]).logSumExp(alongAxis: 0).scalar, .infinity)
    // Columns with -inf mixed in, along a non-last axis.
    let columns = T([[-.infinity, 1000, -.infinity], [-.infinity, 1000, 0]])
    let lse = columns.logSumExp(alongAxis: 0)
    XCTAssertEqual(lse.shape, [3])
    assertClose(lse.scalars, [-.infinity, 1000 + Foundation.log(2), 0])
    // Float uses the fast exp kernel: same edge behaviour.
    let f = F([[1000, 1000], [-.infinity, 0], [-.infinity, -.infinity], [-1000, -1000]]).logSumExp(alongAxis: 1)
    assertClose(f.scalars, [1000 + Float(Foundation.log(2.0)), 0, -.infinity, -1000 + Float(Foundation.log(2.0))],
                relative: 1e-6)
  }

  func testSoftmaxRowsSumToOne() {
    let x = Self.normal([4, 6], seed: 14, scale: 5)
    for axis in 0..<2 {
      let s = x.softmax(alongAxis: axis)
      XCTAssertEqual(s.shape, x.shape)
      XCTAssertTrue(s.scalars.allSatisfy { $0 > 0 && $0 <= 1 })
      assertClose(s.sum(alongAxis: axis).scalars, [Double](repeating: 1, count: x.shape[1 - axis]), relative: 1e-14)
      let expected = Self.referenceAlongAxis(x, axis: axis) { row in
        let total = row.map { Foundation.exp($0) }.reduce(0, +)
        return row.map { Foundation.exp($0) / total }
      }
      assertClose(s.scalars, expected, relative: 1e-13, absolute: 1e-16, "softmax axis \(axis)")
      let logSoftmax = x.logSoftmax(alongAxis: axis)
      assertClose(logSoftmax.scalars, expected.map { Foundation.log($0) }, relative: 1e-13, absolute: 1e-14)
    }
    // Huge logits do not overflow. softmax is exp(x - logSumExp(x)), so the rounding of the
    // log-sum-exp near 1000 (an ulp is 1.1e-13 in Double) shows as a relative error of that size.
    let huge = T([[1000, 1000, -1000], [-.infinity, 0, 0]]).softmax(alongAxis: 1)
    assertClose(huge.scalars, [0.5, 0.5, 0, 0, 0.5, 0.5], relative: 1e-12)
    let f = F([[10, 9, 0], [3, 2, 1], [-20, 5, 7]]).softmax(alongAxis: 1)
    assertClose(f.sum(alongAxis: 1).scalars, [1, 1, 1], relative: 1e-6)
    // In Float an ulp of 1000 is 6e-5, which bounds how well rows of huge logits can sum to 1.
    let fHuge = F([[1000, 999, 0], [1000, 1000, -1000]]).softmax(alongAxis: 1)
    XCTAssertTrue(fHuge.scalars.allSatisfy(\.isFinite))
    assertClose(fHuge.sum(alongAxis: 1).scalars, [1, 1], relative: 1e-4)
  }

  // MARK: - Shape ops

  func testReshape() {
    let x = Self.normal([2, 3, 4], seed: 15)
    for shape in [[24], [4, 6], [6, 2, 2], [1, 24, 1], [2, 3, 4]] {
      let r = x.reshaped(shape)
      XCTAssertEqual(r.shape, shape)
      XCTAssertEqual(r.scalars, x.scalars)
    }
    XCTAssertEqual(T(shape: [1], scalars: [5]).reshaped([]).shape, [])
  }

  func testPermuteAndTranspose() {
    let x = Self.normal([2, 3, 4], seed: 16)
    let permutations = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]]
    for axes in permutations {
      let p = x.permuted(axes)
      let shape = axes.map { x.shape[$0] }
      XCTAssertEqual(p.shape, shape, "\(axes)")
      let expected = (0..<x.count).map { flat -> Double in
        let j = Self.unravel(flat, shape)
        var source = [Int](repeating: 0, count: 3)
        for i in 0..<3 { source[axes[i]] = j[i] }
        return x.scalars[Self.ravel(source, x.shape)]
      }
      XCTAssertEqual(p.scalars, expected, "permuted \(axes)")
      for i in 0..<shape[0] { for j in 0..<shape[1] { for k in 0..<shape[2] {
        var source = [0, 0, 0]
        source[axes[0]] = i; source[axes[1]] = j; source[axes[2]] = k
        XCTAssertEqual(p[i, j, k], x[source[0], source[1], source[2]])
      } } }
    }
    let m = T([[1, 2, 3], [4, 5, 6]])
    XCTAssertEqual(m.transposed().shape, [3, 2])
    XCTAssertEqual(m.transposed().scalars, [1, 4, 2, 5, 3, 6])
    let t = x.transposed()
    XCTAssertEqual(t.shape, [2, 4, 3])
    XCTAssertEqual(t.scalars, x.permuted([0, 2, 1]).scalars)
    XCTAssertEqual(t[1, 3, 2], x[1, 2, 3])
  }

  func testSliceAndPadAlongEveryAxis() {
    let x = Self.normal([3, 4, 5], seed: 17)
    for axis in 0..<3 {
      for range in [0..<1, 1..<3, 0..<x.shape[axis], (x.shape[axis] - 1)..<x.shape[axis], 2..<2] {
        let s = x.slice(alongAxis: axis, range)
        var shape = x.shape
        shape[axis] = range.count
        XCTAssertEqual(s.shape, shape, "slice axis \(axis) \(range)")
        let expected = (0..<shape.reduce(1, *)).map { flat -> Double in
          var index = Self.unravel(flat, shape)
          index[axis] += range.lowerBound
          return x.scalars[Self.ravel(index, x.shape)]
        }
        XCTAssertEqual(s.scalars, expected, "slice axis \(axis) \(range)")
      }
      XCTAssertEqual(x.slice(alongAxis: axis - 3, 1..<2).scalars, x.slice(alongAxis: axis, 1..<2).scalars)

      let padded = x.padded(alongAxis: axis, before: 2, after: 1)
      var shape = x.shape
      shape[axis] += 3
      XCTAssertEqual(padded.shape, shape, "padded axis \(axis)")
      let expected = (0..<shape.reduce(1, *)).map { flat -> Double in
        var index = Self.unravel(flat, shape)
        index[axis] -= 2
        guard index[axis] >= 0 && index[axis] < x.shape[axis] else { return 0 }
        return x.scalars[Self.ravel(index, x.shape)]
      }
      XCTAssertEqual(padded.scalars, expected, "padded axis \(axis)")
      XCTAssertEqual(padded.slice(alongAxis: axis, 2..<(2 + x.shape[axis])).scalars, x.scalars)
      XCTAssertEqual(x.padded(alongAxis: axis, before: 0, after: 0).scalars, x.scalars)
      XCTAssertEqual(x.padded(alongAxis: axis, before: 0, after: 2).shape[axis], x.shape[axis] + 2)
    }
  }

  func testConcatenateAlongEveryAxis() {
    let base = [2, 3, 4]
    for axis in 0..<3 {
      var shapes = [base, base, base]
      shapes[0][axis] = 1
      shapes[1][axis] = 2
      shapes[2][axis] = 3
      let parts = shapes.enumerated().map { Self.normal($1, seed: UInt64(20 + $0)) }
      let c = T.concatenate(parts, alongAxis: axis)
      var shape = base
      shape[axis] = 6
      XCTAssertEqual(c.shape, shape, "concatenate axis \(axis)")
      let expected = (0..<shape.reduce(1, *)).map { flat -> Double in
        var index = Self.unravel(flat, shape)
        var part = 0
        while index[axis] >= parts[part].shape[axis] {
          index[axis] -= parts[part].shape[axis]
          part += 1
        }
        return parts[part].scalars[Self.ravel(index, parts[part].shape)]
      }
      XCTAssertEqual(c.scalars, expected, "concatenate axis \(axis)")
      XCTAssertEqual(T.concatenate(parts, alongAxis: axis - 3).scalars, expected, "negative axis")
      XCTAssertEqual(T.concatenate([parts[1]], alongAxis: axis).scalars, parts[1].scalars)
    }
    XCTAssertEqual(T.concatenate([T(shape: [2], scalars: [1, 2]), T(shape: [1], scalars: [3])], alongAxis: 0).scalars, [1, 2, 3])
  }

  func testSelect() {
    let condition = T(shape: [2, 3], scalars: [1, 0, 1, 0, 0, 2])
    let a = T([[1, 2, 3], [4, 5, 6]]), b = T([[-1, -2, -3], [-4, -5, -6]])
    let s = T.select(condition, a, b)
    XCTAssertEqual(s.shape, [2, 3])
    XCTAssertEqual(s.scalars, [1, -2, 3, -4, -5, 6])
    // Infinities and NaN in the branch not taken do not leak, unlike c a + (1 - c) b.
    let inf = T([[.infinity, .nan, -.infinity], [.nan, .infinity, 7]])
    let chosen = T.select(condition, b, inf)
    // Where b is taken its values come through unchanged; elsewhere the other branch's own values.
    assertClose(chosen.scalars, [-1, .nan, -3, .nan, .infinity, -6], relative: 0)
    let blended = condition.sign() * b + (1 - condition.sign()) * inf
    XCTAssertTrue(blended.scalars[0].isNaN, "the blend this op replaces does leak (sanity check of the inputs)")
    let safe = T.select(T(shape: [3], scalars: [1, 1, 0]), T(shape: [3], scalars: [1, 2, 3]),
                        T(shape: [3], scalars: [.infinity, .nan, 4]))
    XCTAssertEqual(safe.scalars, [1, 2, 4])
    // log of a non-positive value in the branch not taken.
    let x = T(shape: [4], scalars: [-1, 0, 2, 3])
    let logged = T.select(T(shape: [4], scalars: [0, 0, 1, 1]), x.log(), T.zeros([4]))
    assertClose(logged.scalars, [0, 0, Foundation.log(2), Foundation.log(3)])
    XCTAssertTrue(logged.scalars.allSatisfy(\.isFinite))
    let fs = F.select(F(shape: [2], scalars: [0, 1]), F(shape: [2], scalars: [.nan, 1]), F(shape: [2], scalars: [5, .infinity]))
    XCTAssertEqual(fs.scalars, [5, 1])
  }

  /// Shape pairs that broadcast, with the result's shape.
  private static let broadcastPairs: [([Int], [Int], [Int])] = [
    ([3, 4], [4], [3, 4]), ([4], [3, 4], [3, 4]), ([3, 4], [3, 4], [3, 4]), ([3, 1], [1, 4], [3, 4]),
    ([2, 1, 4], [3, 1], [2, 3, 4]), ([], [2, 3], [2, 3]), ([2, 3], [], [2, 3]), ([], [], []),
  ]

  /// Values in {-1, 0, 1} (so that ties occur), with a NaN and infinities when large enough.
  private static func coarse(_ shape: [Int], seed: UInt64) -> T {
    var values = uniform(shape, -1.5, 1.5, seed: seed).scalars.map { $0.rounded() }
    for (i, special) in [Double.nan, .infinity, -.infinity].enumerated() where values.count > 5 * (i + 1) {
      values[5 * (i + 1)] = special
    }
    return T(shape: shape, scalars: values)
  }

  func testComparisonsBroadcastLikeNumPy() {
    let ops: [(String, (T, T) -> T, (Double, Double) -> Bool)] = [
      ("less", { $0.less($1) }, { $0 < $1 }), ("lessOrEqual", { $0.lessOrEqual($1) }, { $0 <= $1 }),
      ("greater", { $0.greater($1) }, { $0 > $1 }), ("greaterOrEqual", { $0.greaterOrEqual($1) }, { $0 >= $1 }),
      ("equal", { $0.equal($1) }, { $0 == $1 }), ("notEqual", { $0.notEqual($1) }, { $0 != $1 }),
    ]
    for (k, (sa, sb, shape)) in Self.broadcastPairs.enumerated() {
      let a = Self.coarse(sa, seed: UInt64(10 + k)), b = Self.coarse(sb, seed: UInt64(30 + k))
      for (name, op, reference) in ops {
        let result = op(a, b)
        XCTAssertEqual(result.shape, shape, "\(name) \(sa) \(sb)")
        XCTAssertEqual(result.scalars, Self.referenceBinary(a, b, shape: shape) { reference($0, $1) ? 1 : 0 }, "\(name) \(sa) \(sb)")
      }
    }
    // Float runs the same loops.
    let fa = Self.coarse([3, 4], seed: 50).converted(to: Float.self), fb = Self.coarse([4], seed: 51).converted(to: Float.self)
    let floatOps: [(String, (F, F) -> F, (Float, Float) -> Bool)] = [
      ("less", { $0.less($1) }, { $0 < $1 }), ("lessOrEqual", { $0.lessOrEqual($1) }, { $0 <= $1 }),
      ("greater", { $0.greater($1) }, { $0 > $1 }), ("greaterOrEqual", { $0.greaterOrEqual($1) }, { $0 >= $1 }),
      ("equal", { $0.equal($1) }, { $0 == $1 }), ("notEqual", { $0.notEqual($1) }, { $0 != $1 }),
    ]
    for (name, op, reference) in floatOps {
      let expected = (0..<12).map { reference(fa.scalars[$0], fb.scalars[$0 % 4]) ? Float(1) : 0 }
      XCTAssertEqual(op(fa, fb).scalars, expected, "\(name) in Float")
    }
    // NaN compares false except under notEqual; 0 == -0.
    let x = T(shape: [3], scalars: [.nan, 0, 1]), y = T(shape: [3], scalars: [.nan, -0.0, .nan])
    XCTAssertEqual(x.equal(y).scalars, [0, 1, 0])
    XCTAssertEqual(x.notEqual(y).scalars, [1, 0, 1])
    XCTAssertEqual(x.lessOrEqual(y).scalars, [0, 1, 0])
    XCTAssertEqual(x.notEqual(x).scalars, [1, 0, 0], "x != x marks NaN")
    // Constants even when an input is on the tape.
    XCTAssertFalse(x.requiringGradient().less(y.requiringGradient()).requiresGradient)
  }

  func testIsFinite() {
    let values: [Double] = [1, -0.0, .infinity, -.infinity, .nan, .greatestFiniteMagnitude, -.leastNonzeroMagnitude]
    let expected: [Double] = [1, 1, 0, 0, 0, 1, 1]
    let x = T(shape: [7], scalars: values)
    XCTAssertEqual(x.isFinite().scalars, expected)
    XCTAssertEqual(x.reshaped([7, 1]).isFinite().shape, [7, 1])
    let floats: [Float] = [1, -0.0, .infinity, -.infinity, .nan, .greatestFiniteMagnitude, -.leastNonzeroMagnitude]
    XCTAssertEqual(F(shape: [7], scalars: floats).isFinite().scalars, expected.map { Float($0) })
    XCTAssertEqual(T(shape: [], scalars: [.nan]).isFinite().scalars, [0])
    XCTAssertFalse(x.requiringGradient().isFinite().requiresGradient)
  }

  func testSelectBroadcastsItsThreeOperands() {
    let shapes: [([Int], [Int], [Int], [Int])] = [
      ([3, 1], [4], [3, 4], [3, 4]), ([4], [3, 1], [], [3, 4]), ([], [2, 3], [3], [2, 3]),
      ([2, 1, 4], [3, 1], [1, 4], [2, 3, 4]), ([2, 3], [2, 3], [2, 3], [2, 3]), ([1], [], [], [1]),
    ]
    for (k, (sc, sa, sb, shape)) in shapes.enumerated() {
      let c = Self.uniform(sc, -1, 1, seed: UInt64(60 + k)).sign().affine(scale: 0.5, shift: 0.5)
      let a = Self.normal(sa, seed: UInt64(70 + k)), b = Self.normal(sb, seed: UInt64(80 + k))
      let expected = (0..<shape.reduce(1, *)).map { flat -> Double in
        let index = Self.unravel(flat, shape)
        let source = { (x: T) in x.scalars[Self.broadcastSource(index, from: x.shape, to: shape)] }
        return source(c) != 0 ? source(a) : source(b)
      }
      for (name, result) in [("select", T.select(c, a, b)), ("where", T.where(c, a, b))] {
        XCTAssertEqual(result.shape, shape, "\(name) \(sc) \(sa) \(sb)")
        XCTAssertEqual(result.scalars, expected, "\(name) \(sc) \(sa) \(sb)")
      }
    }
    // A NaN condition counts as nonzero; a broadcast branch's infinities stay where not chosen.
    let chosen = T.select(T(shape: [3, 1], scalars: [.nan, 0, 1]), T(shape: [2], scalars: [1, 2]), T(shape: [], scalars: [.infinity]))
    XCTAssertEqual(chosen.scalars, [1, 2, .infinity, .infinity, 1, 2])
  }

  func testMinimumAndMaximum() {
    for (k, (sa, sb, shape)) in Self.broadcastPairs.enumerated() {
      let a = Self.coarse(sa, seed: UInt64(110 + k)), b = Self.coarse(sb, seed: UInt64(130 + k))
      // NumPy's minimum and maximum: NaN if either is NaN.
      let nanOr = { (f: @escaping (Double, Double) -> Double) in { (x: Double, y: Double) in x.isNaN || y.isNaN ? .nan : f(x, y) } }
      let minimum = T.minimum(a, b), maximum = T.maximum(a, b)
      XCTAssertEqual(minimum.shape, shape)
      XCTAssertEqual(maximum.shape, shape)
      assertClose(minimum.scalars, Self.referenceBinary(a, b, shape: shape, nanOr(Swift.min)), relative: 0, "minimum \(sa) \(sb)")
      assertClose(maximum.scalars, Self.referenceBinary(a, b, shape: shape, nanOr(Swift.max)), relative: 0, "maximum \(sa) \(sb)")
    }
    let fa = F(shape: [4], scalars: [1, .nan, -.infinity, 2]), fb = F(shape: [4], scalars: [3, 0, 0, .nan])
    XCTAssertEqual(F.minimum(fa, fb).scalars.map { $0.isNaN ? 99 : $0 }, [1, 99, -.infinity, 99])
    XCTAssertEqual(F.maximum(fa, fb).scalars.map { $0.isNaN ? 99 : $0 }, [3, 99, 0, 99])
  }

  func testPowWithATensorExponent() {
    // Broadcasting, against Foundation's pow on positive bases.
    for (k, (sa, sb, shape)) in Self.broadcastPairs.enumerated() {
      let a = Self.uniform(sa, 0.1, 3, seed: UInt64(150 + k)), b = Self.normal(sb, seed: UInt64(170 + k), scale: 2)
      let result = a.pow(b)
      XCTAssertEqual(result.shape, shape)
      assertClose(result.scalars, Self.referenceBinary(a, b, shape: shape) { Foundation.pow($0, $1) }, relative: 1e-15, "pow \(sa) \(sb)")
    }
    // The same numbers as the scalar exponent, whole or not, negative bases with whole exponents.
    let x = T(shape: [5], scalars: [-2, -0.5, 0, 1.5, 3])
    for p in [3.0, -2, 0, 1, 2] {
      assertClose(x.pow(T(p)).scalars, x.pow(p).scalars, relative: 0, "x.pow(\(p))")
    }
    let positive = T(shape: [3], scalars: [0.5, 1.5, 3])
    assertClose(positive.pow(T(2.5)).scalars, positive.pow(2.5).scalars, relative: 0, "x.pow(2.5)")
    XCTAssertEqual(T(shape: [2], scalars: [-2, 0]).pow(T(shape: [2], scalars: [0.5, -1])).scalars.map { $0.isNaN ? 99 : $0 },
                   [99, .infinity], "negative base, non-whole exponent: NaN; 0^-1 = inf")
    let fx = F(shape: [3], scalars: [-2, 0.5, 4]), fe = F(shape: [3], scalars: [3, -1.5, 0.5])
    assertClose(fx.pow(fe).scalars, [-8, Float(Foundation.pow(0.5, -1.5)), 2], relative: 1e-6, "Float")
  }

  func testBroadcastToAndSummedToShape() {
    let cases: [([Int], [Int])] = [
      ([4], [3, 4]), ([3, 1], [3, 4]), ([1, 4], [3, 4]), ([], [2, 3]), ([3, 1], [2, 3, 4]),
      ([1, 1, 4], [2, 3, 4]), ([2, 1, 4], [2, 3, 4]), ([1], [5]), ([2, 3], [2, 3]),
    ]
    for (k, (small, target)) in cases.enumerated() {
      let x = Self.normal(small, seed: UInt64(30 + k))
      let b = x.broadcast(to: target)
      XCTAssertEqual(b.shape, target, "broadcast \(small) to \(target)")
      let expected = (0..<target.reduce(1, *)).map { x.scalars[Self.broadcastSource(Self.unravel($0, target), from: small, to: target)] }
      XCTAssertEqual(b.scalars, expected, "broadcast \(small) to \(target)")

      let y = Self.normal(target, seed: UInt64(60 + k))
      let s = y.summed(toShape: small)
      XCTAssertEqual(s.shape, small, "summed \(target) to \(small)")
      var reference = [Double](repeating: 0, count: small.reduce(1, *))
      for flat in 0..<y.count {
        reference[Self.broadcastSource(Self.unravel(flat, target), from: small, to: target)] += y.scalars[flat]
      }
      assertClose(s.scalars, reference, relative: 1e-14, absolute: 1e-15, "summed \(target) to \(small)")
    }
  }

  // MARK: - Matrix products

  private static func naiveMatmul(_ a: T, _ b: T, transposeA: Bool, transposeB: Bool) -> (shape: [Int], values: [Double]) {
    let (m, k) = transposeA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
    let n = transposeB ? b.shape[0] : b.shape[1]
    var out = [Double](repeating: 0, count: m * n)
    for i in 0..<m {
      for j in 0..<n {
        var s = 0.0
        for l in 0..<k {
          let av = transposeA ? a[l, i] : a[i, l]
          let bv = transposeB ? b[j, l] : b[l, j]
          s += av * bv
        }
        out[i * n + j] = s
      }
    }
    return ([m, n], out)
  }

  func testMatmulAllTransposeCombinations() {
    let (m, k, n) = (3, 5, 4)
    for transposeA in [false, true] {
      for transposeB in [false, true] {
        let a = Self.normal(transposeA ? [k, m] : [m, k], seed: 40)
        let b = Self.normal(transposeB ? [n, k] : [k, n], seed: 41)
        let c = T.matmul(a, b, transposeA: transposeA, transposeB: transposeB)
        let reference = Self.naiveMatmul(a, b, transposeA: transposeA, transposeB: transposeB)
        let name = "transposeA \(transposeA) transposeB \(transposeB)"
        XCTAssertEqual(c.shape, [m, n], name)
        assertClose(c.scalars, reference.values, relative: 1e-13, absolute: 1e-14, name)

        let fc = F.matmul(a.converted(), b.converted(), transposeA: transposeA, transposeB: transposeB)
        let scale = Self.naiveMatmul(a.abs(), b.abs(), transposeA: transposeA, transposeB: transposeB).values
        for (i, (f, d)) in zip(fc.scalars, reference.values).enumerated() {
          XCTAssertEqual(Double(f), d, accuracy: 1e-6 * scale[i], "Float \(name) element \(i)")
        }
      }
    }
    // Degenerate inner dimension: zeros.
    XCTAssertEqual(T.matmul(T.zeros([2, 0]), T.zeros([0, 3])).scalars, [Double](repeating: 0, count: 6))
    // 1x1 hand check.
    XCTAssertEqual(T.matmul(T([[2, 3]]), T([[4], [5]])).scalars, [23])
  }

  /// Padding and concatenation long enough to be split across cores match the zero-filled layout.
  func testSplitPaddingAndConcatenation() {
    let x = Self.normal([300, 7, 40], seed: 51)
    let padded = x.padded(alongAxis: 1, before: 2, after: 1)
    let zeros = { (n: Int) in T.zeros([300, n, 40]) }
    XCTAssertEqual(padded.scalars, T.concatenate([zeros(2), x, zeros(1)], alongAxis: 1).scalars)
    for o in [0, 151, 299] {
      for j in 0..<10 {
        let row = padded.scalars[(o * 10 + j) * 40..<(o * 10 + j + 1) * 40]
        let want = (2..<9).contains(j) ? Array(x.scalars[(o * 7 + j - 2) * 40..<(o * 7 + j - 1) * 40]) : [Double](repeating: 0, count: 40)
        XCTAssertEqual(Array(row), want, "block \(o), row \(j)")
      }
    }
  }

  /// Reductions long enough to be split across cores (by rows, and by columns) give the serial sums.
  func testSplitReductionsMatchSerialLoops() {
    let x = Self.normal([1200, 70], seed: 50)
    let v = x.scalars
    let columnSums = (0..<70).map { j in (0..<1200).reduce(0.0) { $0 + v[$1 * 70 + j] } }
    let columnMaxima = (0..<70).map { j in (0..<1200).map { v[$0 * 70 + j] }.max()! }
    let rowSums = (0..<1200).map { i in v[(i * 70)..<(i * 70 + 70)].reduce(0, +) }
    assertClose(x.sum(alongAxis: 0).scalars, columnSums, relative: 1e-12, absolute: 1e-12, "sum over rows")
    XCTAssertEqual(x.maxValues(alongAxis: 0).scalars, columnMaxima, "max over rows")
    assertClose(x.sum(alongAxis: 1).scalars, rowSums, relative: 1e-12, absolute: 1e-12, "sum over columns")
  }

  /// Products big enough to be split across cores, by rows (tall C), by columns (wide C) and
  /// along a long inner dimension (partial sums added at the end),
  /// with every transpose and with the bias accumulation of `linear`, against the naive loop.
  func testSplitMatmulMatchesNaiveProduct() {
    let threads = BLAS.threadCount
    defer { BLAS.setThreadCount(threads) }
    BLAS.setThreadCount(3)  // an uneven split of odd sizes
    for (m, k, n) in [(301, 70, 33), (29, 80, 257), (20, 5000, 30)] {
      for transposeA in [false, true] {
        for transposeB in [false, true] {
          let a = Self.normal(transposeA ? [k, m] : [m, k], seed: 45)
          let b = Self.normal(transposeB ? [n, k] : [k, n], seed: 46)
          let c = T.matmul(a, b, transposeA: transposeA, transposeB: transposeB)
          let reference = Self.naiveMatmul(a, b, transposeA: transposeA, transposeB: transposeB)
          assertClose(c.scalars, reference.values, relative: 1e-12, absolute: 1e-12, "\(m)x\(k)x\(n) \(transposeA) \(transposeB)")
        }
      }
      let x = Self.normal([m, k], seed: 47), w = Self.normal([n, k], seed: 48), bias = Self.normal([n], seed: 49)
      let product = Self.naiveMatmul(x, w, transposeA: false, transposeB: true).values
      assertClose(T.linear(x, weight: w, bias: bias).scalars, product.enumerated().map { $1 + bias.scalars[$0 % n] },
                  relative: 1e-12, absolute: 1e-12, "linear \(m)x\(k)x\(n)")
    }
  }

  func testLinearWithAndWithoutBias() {
    let x = Self.normal([6, 4], seed: 42), w = Self.normal([3, 4], seed: 43), bias = Self.normal([3], seed: 44)
    let product = Self.naiveMatmul(x, w, transposeA: false, transposeB: true).values
    let withBias = T.linear(x, weight: w, bias: bias)
    XCTAssertEqual(withBias.shape, [6, 3])
    assertClose(withBias.scalars, product.enumerated().map { $1 + bias.scalars[$0 % 3] }, relative: 1e-13, absolute: 1e-14)
    let noBias = T.linear(x, weight: w, bias: nil)
    XCTAssertEqual(noBias.shape, [6, 3])
    assertClose(noBias.scalars, product, relative: 1e-13, absolute: 1e-14)
    let f = F.linear(x.converted(), weight: w.converted(), bias: bias.converted())
    assertClose(f.scalars.map(Double.init), withBias.scalars, relative: 1e-5, absolute: 1e-5)
  }

  // MARK: - Float fast kernels

  /// Float results of the FastMath-backed ops against the Double (libm) ops on the same inputs.
  func testFloatFastKernelsAgreeWithDouble() {
    let wide = Self.grid(-80, 80, count: 4001)
    let tanhGrid = T.concatenate([Self.grid(-12, 12, count: 2001), Self.grid(-1e-3, 1e-3, count: 201)], alongAxis: 0)
    let logGrid = T(shape: [1201], scalars: (0..<1201).map { Foundation.pow(10, -30 + Double($0) * 0.05) })
    let nearOne = Self.grid(0.9, 1.1, count: 401)
    let log1pGrid = T.concatenate([Self.grid(-0.99, 100, count: 2001), Self.grid(-1e-4, 1e-4, count: 201)], alongAxis: 0)
    let cases: [(String, T, (F) -> F, (T) -> T, Float)] = [
      ("exp", wide, { $0.exp() }, { $0.exp() }, 0),
      ("log", logGrid, { $0.log() }, { $0.log() }, 0),
      ("log near 1", nearOne, { $0.log() }, { $0.log() }, 0),
      ("log1p", log1pGrid, { $0.log1p() }, { $0.log1p() }, 0),
      ("tanh", tanhGrid, { $0.tanh() }, { $0.tanh() }, 0),
      ("sigmoid", wide, { $0.sigmoid() }, { $0.sigmoid() }, 0),
      ("softplus", wide, { $0.softplus() }, { $0.softplus() }, 0),
      ("silu", wide, { $0.silu() }, { $0.silu() }, 0),
      ("siluDerivative", wide, { $0.siluDerivative() }, { $0.siluDerivative() }, 3e-8),
      ("siluSecondDerivative", wide, { $0.siluSecondDerivative() }, { $0.siluSecondDerivative() }, 3e-8),
      ("logisticLogDensity", wide, { $0.logisticLogDensity() }, { $0.logisticLogDensity() }, 0),
    ]
    for (name, input, floatOp, doubleOp, absolute) in cases {
      let f = input.converted(to: Float.self)
      // The reference runs on exactly the Float inputs, widened.
      let reference = doubleOp(f.converted(to: Double.self)).scalars.map { Float($0) }
      let result = floatOp(f)
      XCTAssertEqual(result.shape, input.shape)
      assertClose(result.scalars, reference, relative: 1e-6, absolute: Swift.max(absolute, .leastNonzeroMagnitude), name)
    }
    // Reductions and softmax built on the fast exp.
    let x = Self.normal([5, 16], seed: 45, scale: 10).converted(to: Float.self)
    let wideX = x.converted(to: Double.self)
    for axis in 0..<2 {
      assertClose(x.logSumExp(alongAxis: axis).scalars,
                  wideX.logSumExp(alongAxis: axis).scalars.map { Float($0) }, relative: 1e-6, absolute: 1e-6,
                  "logSumExp axis \(axis)")
      assertClose(x.softmax(alongAxis: axis).scalars,
                  wideX.softmax(alongAxis: axis).scalars.map { Float($0) }, relative: 1e-5, absolute: 1e-30,
                  "softmax axis \(axis)")
    }
  }

  func testFloatKernelsInPlaceSafeShapesAndSpecialValues() {
    let special = F(shape: [6], scalars: [-.infinity, -200, 0, 200, .infinity, .nan])
    let e = special.exp().scalars
    XCTAssertEqual(Array(e[0..<5]), [0, 0, 1, .infinity, .infinity])
    XCTAssertTrue(e[5].isNaN)
    let t = special.tanh().scalars
    XCTAssertEqual(Array(t[0..<5]), [-1, -1, 0, 1, 1])
    XCTAssertTrue(t[5].isNaN)
    let s = special.sigmoid().scalars
    XCTAssertEqual(Array(s[0..<5]), [0, 0, 0.5, 1, 1])
    XCTAssertTrue(s[5].isNaN)
    let sp = special.softplus().scalars
    XCTAssertEqual(sp[1], 0)
    XCTAssertEqual(sp[3], 200)
    XCTAssertEqual(sp[4], .infinity)
    XCTAssertEqual(sp[2], Float(Foundation.log(2.0)), accuracy: 1e-7)
    let l = F(shape: [4], scalars: [0, -1, 1, .infinity]).log().scalars
    XCTAssertEqual(l[0], -.infinity)
    XCTAssertTrue(l[1].isNaN)
    XCTAssertEqual(l[2], 0)
    XCTAssertEqual(l[3], .infinity)
  }
}
