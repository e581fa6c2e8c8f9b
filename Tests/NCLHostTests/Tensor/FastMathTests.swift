// FastMathTests: error bounds, special values, NaN/inf and in-place checks for FastMath.
import Foundation
import XCTest

@testable import NCLHost
@testable import NCLEngine

/// Checks every FastMath kernel against Double-precision libm over dense grids. The bounds asserted
/// here are exactly the ones documented on each `FastMath` function; a regression that loosens
/// accuracy (or a vectorization change that alters results) fails these tests.
final class FastMathTests: XCTestCase {
  typealias Kernel = @Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void
  typealias Scalar = @Sendable (Float) -> Float

  // MARK: - Kernels and Double references

  static let expK: Kernel = { FastMath.apply(.exp, $0, $1, count: $2) }
  static let logK: Kernel = { FastMath.apply(.log, $0, $1, count: $2) }
  static let log1pK: Kernel = { FastMath.apply(.log1p, $0, $1, count: $2) }
  static let tanhK: Kernel = { FastMath.apply(.tanh, $0, $1, count: $2) }
  static let sigmoidK: Kernel = { FastMath.apply(.sigmoid, $0, $1, count: $2) }
  static let softplusK: Kernel = { FastMath.apply(.softplus, $0, $1, count: $2) }
  static let siluK: Kernel = { FastMath.apply(.silu, $0, $1, count: $2) }
  static let siluDerivativeK: Kernel = { FastMath.apply(.siluDerivative, $0, $1, count: $2) }
  static let logLogisticDensityK: Kernel = { FastMath.apply(.logLogisticDensity, $0, $1, count: $2) }

  static let allKernels: [(String, Kernel, Scalar)] = [
    ("exp", expK, { FastMath.exp($0) }),
    ("log", logK, { FastMath.log($0) }),
    ("log1p", log1pK, { FastMath.log1p($0) }),
    ("tanh", tanhK, { FastMath.tanh($0) }),
    ("sigmoid", sigmoidK, { FastMath.sigmoid($0) }),
    ("softplus", softplusK, { FastMath.softplus($0) }),
    ("silu", siluK, { FastMath.silu($0) }),
    ("siluDerivative", siluDerivativeK, { FastMath.siluDerivative($0) }),
    ("logLogisticDensity", logLogisticDensityK, { FastMath.logLogisticDensity($0) }),
  ]

  /// Stable Double sigmoid (no overflow in either tail).
  static func refSigmoid(_ x: Double) -> Double {
    x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x))
  }

  static func refSoftplus(_ x: Double) -> Double {
    max(x, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(x)))
  }

  static func refSilu(_ x: Double) -> Double { x * refSigmoid(x) }

  static func refSiluDerivative(_ x: Double) -> Double {
    let s = refSigmoid(x)
    return s * (1 + x * refSigmoid(-x))
  }

  // MARK: - Grids

  /// `n` evenly spaced points covering [lo, hi] (both ends included).
  static func linear(_ lo: Double, _ hi: Double, _ n: Int) -> [Float] {
    (0..<n).map { Float(lo + (hi - lo) * Double($0) / Double(n - 1)) }
  }

  /// `n` log-spaced positive points covering [lo, hi].
  static func geometric(_ lo: Double, _ hi: Double, _ n: Int) -> [Float] {
    let a = Foundation.log(lo), b = Foundation.log(hi)
    return (0..<n).map { Float(Foundation.exp(a + (b - a) * Double($0) / Double(n - 1))) }
  }

  /// Geometric grid mirrored to both signs.
  static func symmetricGeometric(_ lo: Double, _ hi: Double, _ n: Int) -> [Float] {
    let g = geometric(lo, hi, n / 2)
    return g + g.map { -$0 }
  }

  // MARK: - Helpers

  /// Applies an array kernel out of place.
  func apply(_ kernel: Kernel, _ xs: [Float]) -> [Float] {
    var ys = [Float](repeating: 0, count: xs.count)
    xs.withUnsafeBufferPointer { xp in
      ys.withUnsafeMutableBufferPointer { yp in kernel(xp.baseAddress!, yp.baseAddress!, xs.count) }
    }
    return ys
  }

  /// Asserts |y - ref| <= rel * |ref| + abs at every grid point, reporting the worst offender.
  /// References beyond Float range must come out as the same-signed infinity.
  func assertBound(
    _ name: String, _ kernel: Kernel, _ xs: [Float], ref: (Double) -> Double,
    rel: Double, abs: Double = 0, file: StaticString = #filePath, line: UInt = #line
  ) {
    let ys = apply(kernel, xs)
    var worst = 0.0, worstX: Float = 0, worstY: Float = 0, worstRef = 0.0
    for (x, y) in zip(xs, ys) {
      let r = ref(Double(x))
      var excess: Double
      if Swift.abs(r) > Double(Float.greatestFiniteMagnitude) {
        excess = (y.isInfinite && (y < 0) == (r < 0)) ? 0 : .infinity
      } else {
        let err = Swift.abs(Double(y) - r)
        let allowed = rel * Swift.abs(r) + abs
        excess = err.isNaN ? .infinity : (allowed > 0 ? err / allowed : (err == 0 ? 0 : .infinity))
      }
      if excess > worst { worst = excess; worstX = x; worstY = y; worstRef = r }
    }
    XCTAssertLessThanOrEqual(
      worst, 1, "\(name): error exceeds \(rel) rel + \(abs) abs at x = \(worstX): got \(worstY), "
        + "want \(worstRef)", file: file, line: line)
  }

  /// Asserts exact (bitwise, NaN-aware) results for special inputs.
  func assertExact(
    _ name: String, _ kernel: Kernel, _ cases: [(Float, Float)],
    file: StaticString = #filePath, line: UInt = #line
  ) {
    let ys = apply(kernel, cases.map { $0.0 })
    for ((x, want), got) in zip(cases, ys) {
      let ok = want.isNaN ? got.isNaN : (got == want && got.sign == want.sign)
      XCTAssertTrue(ok, "\(name)(\(x)) = \(got), want \(want)", file: file, line: line)
    }
  }

  /// Subnormal results: one subnormal ulp.
  static let subnormalUlp = Double(Float.leastNonzeroMagnitude)

  // MARK: - exp

  /// Documented: 1e-7 relative on [-87.3, 88.72]; 2^-149 absolute below; overflow to +inf.
  func testExpErrorBounds() {
    let grid = Self.linear(-87.3, 88.72, 200_000) + Self.symmetricGeometric(1e-30, 1, 20_000)
    assertBound("exp", Self.expK, grid, ref: Foundation.exp, rel: 1e-7)
    assertBound(
      "exp subnormal", Self.expK, Self.linear(-110, -87.3, 50_000), ref: Foundation.exp, rel: 0,
      abs: Self.subnormalUlp)
    assertExact("exp", Self.expK, [
      (0, 1), (-0.0, 1), (.infinity, .infinity), (-.infinity, 0), (88.723, .infinity),
      (1e10, .infinity), (.greatestFiniteMagnitude, .infinity), (-200, 0),
      (-.greatestFiniteMagnitude, 0),
    ])
    XCTAssertEqual(FastMath.exp(88.72283), 3.4027985e38, accuracy: 3e31)
  }

  // MARK: - log

  /// Documented: 1e-7 relative for every positive finite x, including subnormals and x near 1.
  func testLogErrorBounds() {
    let tiny = Double(Float.leastNonzeroMagnitude), huge = Double(Float.greatestFiniteMagnitude)
    let grid = Self.geometric(tiny, huge, 200_000) + Self.linear(0.5, 2, 100_000)
      + Self.linear(1 - 1e-4, 1 + 1e-4, 20_000)
    assertBound("log", Self.logK, grid, ref: Foundation.log, rel: 1e-7)
    assertExact("log", Self.logK, [
      (1, 0), (0, -.infinity), (-0.0, -.infinity), (.infinity, .infinity), (-1, .nan),
      (-.infinity, .nan), (-.leastNonzeroMagnitude, .nan),
    ])
  }

  // MARK: - log1p

  /// Documented: 2e-7 relative for every x > -1, including tiny |x|.
  func testLog1pErrorBounds() {
    let grid = Self.linear(-0.99999994, 10, 200_000) + Self.symmetricGeometric(1e-38, 0.5, 40_000)
      + Self.geometric(10, Double(Float.greatestFiniteMagnitude), 20_000)
      + Self.linear(-1 + 1e-6, -0.999, 20_000)
    assertBound("log1p", Self.log1pK, grid, ref: Foundation.log1p, rel: 2e-7)
    assertExact("log1p", Self.log1pK, [
      (0, 0), (-0.0, -0.0), (1e-30, 1e-30), (-1e-30, -1e-30), (-1, -.infinity), (-1.5, .nan),
      (-.infinity, .nan), (.infinity, .infinity),
    ])
  }

  // MARK: - tanh

  /// Documented: 2e-7 relative for all finite x (relative, so the small-|x| branch counts).
  func testTanhErrorBounds() {
    let grid = Self.linear(-10, 10, 200_000) + Self.symmetricGeometric(1e-38, 20, 40_000)
      + Self.linear(0.6, 0.65, 10_000) + Self.linear(-0.65, -0.6, 10_000)
    assertBound("tanh", Self.tanhK, grid, ref: Foundation.tanh, rel: 2e-7)
    assertExact("tanh", Self.tanhK, [
      (0, 0), (-0.0, -0.0), (.infinity, 1), (-.infinity, -1), (100, 1), (-100, -1),
      (.greatestFiniteMagnitude, 1), (-.leastNonzeroMagnitude, -.leastNonzeroMagnitude),
    ])
  }

  // MARK: - sigmoid

  /// Documented: 2.5e-7 relative on [-87.3, +inf); 2^-149 absolute below.
  func testSigmoidErrorBounds() {
    let grid = Self.linear(-87.3, 30, 200_000) + Self.symmetricGeometric(1e-30, 1, 20_000)
      + Self.geometric(30, 1e30, 5_000)
    assertBound("sigmoid", Self.sigmoidK, grid, ref: Self.refSigmoid, rel: 2.5e-7)
    assertBound(
      "sigmoid subnormal", Self.sigmoidK, Self.linear(-110, -87.3, 50_000), ref: Self.refSigmoid,
      rel: 0, abs: Self.subnormalUlp)
    assertExact("sigmoid", Self.sigmoidK, [
      (0, 0.5), (-0.0, 0.5), (.infinity, 1), (-.infinity, 0), (200, 1), (-200, 0),
    ])
  }

  // MARK: - softplus

  /// Documented: 2.5e-7 relative on [-87.3, +inf); 2^-149 absolute below; x for large x.
  func testSoftplusErrorBounds() {
    let grid = Self.linear(-87.3, 100, 200_000) + Self.symmetricGeometric(1e-30, 1, 20_000)
      + Self.geometric(100, Double(Float.greatestFiniteMagnitude), 5_000)
    assertBound("softplus", Self.softplusK, grid, ref: Self.refSoftplus, rel: 2.5e-7)
    assertBound(
      "softplus subnormal", Self.softplusK, Self.linear(-110, -87.3, 50_000),
      ref: Self.refSoftplus, rel: 0, abs: Self.subnormalUlp)
    assertExact("softplus", Self.softplusK, [
      (.infinity, .infinity), (-.infinity, 0), (30, 30), (1e20, 1e20),
      (.greatestFiniteMagnitude, .greatestFiniteMagnitude), (-200, 0),
    ])
  }

  // MARK: - log-logistic density

  /// Documented: 2.5e-7 relative for all finite x; -inf at +-inf.
  func testLogLogisticDensityErrorBounds() {
    let grid = Self.linear(-100, 100, 200_000) + Self.symmetricGeometric(1e-30, 1, 20_000)
      + Self.symmetricGeometric(100, Double(Float.greatestFiniteMagnitude), 5_000)
    assertBound("logLogisticDensity", Self.logLogisticDensityK, grid, ref: { x in
      -Swift.abs(x) - 2 * Foundation.log1p(Foundation.exp(-Swift.abs(x)))
    }, rel: 2.5e-7)
    assertExact("logLogisticDensity", Self.logLogisticDensityK, [
      (.infinity, -.infinity), (-.infinity, -.infinity), (1e20, -1e20), (-1e20, -1e20),
    ])
  }

  // MARK: - silu

  /// Documented: 3e-7 relative on [-87.3, +inf); 2e-43 absolute below.
  func testSiluErrorBounds() {
    let grid = Self.linear(-87.3, 88, 200_000) + Self.symmetricGeometric(1e-30, 1, 20_000)
      + Self.geometric(88, Double(Float.greatestFiniteMagnitude), 5_000)
    assertBound("silu", Self.siluK, grid, ref: Self.refSilu, rel: 3e-7)
    assertBound(
      "silu tail", Self.siluK, Self.linear(-120, -87.3, 50_000), ref: Self.refSilu, rel: 0,
      abs: 2e-43)
    assertExact("silu", Self.siluK, [
      (0, 0), (-0.0, -0.0), (.infinity, .infinity), (-.infinity, -0.0), (-200, -0.0),
      (.greatestFiniteMagnitude, .greatestFiniteMagnitude),
    ])
  }

  // MARK: - siluDerivative

  /// Documented: |error| <= 4e-7 |y| + 1e-8 on [-87.3, +inf), covering the zero crossing at
  /// x = -1.27846; 2e-43 absolute below -87.3.
  func testSiluDerivativeErrorBounds() {
    let grid = Self.linear(-87.3, 88, 200_000) + Self.linear(-1.4, -1.15, 50_000)
      + Self.linear(-3.1, -0.7, 50_000) + Self.symmetricGeometric(1e-30, 1, 20_000)
      + Self.geometric(88, Double(Float.greatestFiniteMagnitude), 5_000)
    assertBound(
      "siluDerivative", Self.siluDerivativeK, grid, ref: Self.refSiluDerivative, rel: 4e-7,
      abs: 1e-8)
    assertBound(
      "siluDerivative tail", Self.siluDerivativeK, Self.linear(-120, -87.3, 50_000),
      ref: Self.refSiluDerivative, rel: 0, abs: 2e-43)
    assertExact("siluDerivative", Self.siluDerivativeK, [
      (0, 0.5), (-0.0, 0.5), (.infinity, 1), (-.infinity, 0), (200, 1),
      (.greatestFiniteMagnitude, 1),
    ])
    // The sign change at the minimum of silu must be where it belongs.
    XCTAssertLessThan(FastMath.siluDerivative(-1.2786), 0)
    XCTAssertGreaterThan(FastMath.siluDerivative(-1.2783), 0)
  }

  // MARK: - NaN, in place, scalar/array agreement

  func testNaNPropagates() {
    let nans: [Float] = [.nan, -.nan, .signalingNaN, Float(bitPattern: 0x7FC0_1234)]
    for (name, kernel, scalar) in Self.allKernels {
      for y in apply(kernel, nans) { XCTAssertTrue(y.isNaN, "\(name)(NaN) = \(y)") }
      for x in nans { XCTAssertTrue(scalar(x).isNaN, "scalar \(name)(NaN) = \(scalar(x))") }
    }
  }

  /// In-place results must match out-of-place ones bitwise, and the array loops must agree with
  /// the scalar helpers bitwise. The odd count exercises the vector loop's remainder.
  func testInPlaceAndScalarAgreement() {
    let specials: [Float] = [
      0, -0.0, 1, -1, .infinity, -.infinity, .nan, .leastNonzeroMagnitude,
      -Float.leastNormalMagnitude / 3,
    ]
    let xs = Self.linear(-20, 20, 1_003) + specials
    for (name, kernel, scalar) in Self.allKernels {
      let outOfPlace = apply(kernel, xs)
      var buffer = xs
      buffer.withUnsafeMutableBufferPointer { p in
        kernel(UnsafePointer(p.baseAddress!), p.baseAddress!, p.count)
      }
      for i in xs.indices {
        XCTAssertTrue(Self.same(buffer[i], outOfPlace[i]), "\(name) in place at x = \(xs[i])")
        XCTAssertTrue(Self.same(scalar(xs[i]), outOfPlace[i]), "\(name) scalar at x = \(xs[i])")
      }
    }
  }

  /// Bitwise equality, except that any two NaNs match (NaN sign/payload may differ by path).
  static func same(_ a: Float, _ b: Float) -> Bool {
    (a.isNaN && b.isNaN) || a.bitPattern == b.bitPattern
  }

  func testZeroCountTouchesNothing() {
    var y: [Float] = [42]
    let x: [Float] = [1]
    for (_, kernel, _) in Self.allKernels {
      x.withUnsafeBufferPointer { xp in
        y.withUnsafeMutableBufferPointer { yp in kernel(xp.baseAddress!, yp.baseAddress!, 0) }
      }
    }
    XCTAssertEqual(y, [42])
  }
}
