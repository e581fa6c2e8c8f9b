// FastMath: branch-free, auto-vectorizable Float32 transcendental kernels with tested error bounds.

/// Vectorizable single-precision approximations of the transcendental functions the network needs.
///
/// The scalar helpers use only arithmetic, comparisons, selects and bit manipulation (no libm, no
/// data-dependent branches), so the array loops auto-vectorize, which libm calls prevent.
/// Every array kernel accepts `x == y` (in place); other overlaps get plain sequential-loop
/// semantics (and run unvectorized). The error bounds quoted on each function are measured against
/// the exact value (Double-precision libm) and are asserted as stated by `FastMathTests`.
/// NaN in gives NaN out for every function.
enum FastMath {
  // MARK: - Array kernels

  /// `y[i] = e^x[i]`. See `exp(_: Float)` for bounds.
  static func exp(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    apply(x, y, count) { exp($0) }
  }

  /// `y[i] = ln x[i]`. See `log(_: Float)` for bounds.
  static func log(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    apply(x, y, count) { log($0) }
  }

  /// `y[i] = ln(1 + x[i])`. See `log1p(_: Float)` for bounds.
  static func log1p(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    apply(x, y, count) { log1p($0) }
  }

  /// `y[i] = tanh x[i]`. See `tanh(_: Float)` for bounds.
  static func tanh(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    apply(x, y, count) { tanh($0) }
  }

  /// `y[i] = 1 / (1 + e^-x[i])`. See `sigmoid(_: Float)` for bounds.
  static func sigmoid(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    apply(x, y, count) { sigmoid($0) }
  }

  /// `y[i] = ln(1 + e^x[i])`. See `softplus(_: Float)` for bounds.
  static func softplus(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    apply(x, y, count) { softplus($0) }
  }

  /// `y[i] = x[i] * sigmoid(x[i])`. See `silu(_: Float)` for bounds.
  static func silu(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    apply(x, y, count) { silu($0) }
  }

  /// `y[i] = d/dx silu(x[i])`. See `siluDerivative(_: Float)` for bounds.
  static func siluDerivative(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int
  ) {
    apply(x, y, count) { siluDerivative($0) }
  }

  /// `y[i] = d^2/dx^2 silu(x[i]) = s c (2 + x (c - s))`, s = sigmoid(x[i]), c = sigmoid(-x[i]) = 1 - s
  /// computed directly so that the tails keep their relative accuracy. Relative error below 1e-6,
  /// plus 3e-8 absolute around the zero crossings at |x| = 2.40 (tested against Double in TensorOpsTests).
  static func siluSecondDerivative(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    apply(x, y, count) { v in
      let s = sigmoid(v), c = sigmoid(-v)
      return s * c * (2 + v * (c - s))
    }
  }

  /// Runs `f` elementwise. The in-place case gets its own single-pointer loop because LLVM's
  /// runtime alias check treats `x == y` as overlapping and would fall back to the scalar loop.
  @inline(__always)
  private static func apply(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int,
    _ f: (Float) -> Float
  ) {
    precondition(count >= 0, "FastMath: negative count")
    if UnsafeMutablePointer(mutating: x) == y {
      for i in 0..<count { y[i] = f(y[i]) }
    } else {
      for i in 0..<count { y[i] = f(x[i]) }
    }
  }

  // MARK: - Scalar kernels

  /// e^x. Max relative error 1e-7 on [-87.3, 88.72] (normal results); below -87.3 the result is
  /// subnormal with absolute error at most 2^-149 (one subnormal ulp) and is 0 below about -104.
  /// x > 88.72 gives +inf, -inf gives 0.
  ///
  /// Cody-Waite reduction x = n ln2 + r, |r| <= ln2/2, a degree-6 minimax polynomial for e^r,
  /// then 2^n applied as two exponent-field multiplies so n = 128 (overflow edge) and n < -126
  /// (subnormal results) both come out right.
  @inline(__always)
  static func exp(_ x: Float) -> Float {
    // Selects (not min/max) so NaN passes through untouched.
    var x = x
    x = x < -104 ? -104 : x
    x = x > 89 ? 89 : x
    // Round x/ln2 to nearest with the 1.5 * 2^23 shifter; its low mantissa bits hold n.
    let shifter: Float = 12_582_912
    let t = x * 1.44269504 + shifter
    let nf = t - shifter
    let n = Int32(bitPattern: t.bitPattern) &- Int32(bitPattern: shifter.bitPattern)
    // ln2 = 0.693359375 - 2.12194440e-4; the high part has 9 bits, so nf * hi is exact.
    var r = x - nf * 0.693359375
    r = r + nf * 2.12194440e-4
    let r2 = r * r
    // e^r = 1 + r + r^2 P(r), P a degree-4 minimax fit (3e-9 relative, far below Float's ulp).
    var p: Float = 1.38145185e-3
    p = p * r + 8.36872775e-3
    p = p * r + 4.16683890e-2
    p = p * r + 1.66665211e-1
    p = p * r + 4.99999940e-1
    p = p * r2 + r + 1
    // 2^n = 2^n1 * 2^n2 with both halves in the normal exponent range for n in [-150, 129].
    let n1 = n &>> 1
    let n2 = n &- n1
    let s1 = Float(bitPattern: UInt32(bitPattern: (n1 &+ 127) &<< 23))
    let s2 = Float(bitPattern: UInt32(bitPattern: (n2 &+ 127) &<< 23))
    return p * s1 * s2
  }

  /// ln x for finite x > 0 without special-case handling (shared by `log` and `log1p`).
  ///
  /// Splits x = 2^k m with m in [sqrt(1/2), sqrt(2)), then ln m = 2 atanh(s), s = f / (2 + f),
  /// f = m - 1, using the fdlibm/musl `logf` minimax coefficients.
  @inline(__always)
  static func logCore(_ x: Float) -> Float {
    // Scale subnormals into the normal range first.
    let tiny = x < .leastNormalMagnitude
    let xs = tiny ? x * 8_388_608 : x
    // Bias by (1 - sqrt(1/2)) so the exponent field rounds m into [sqrt(1/2), sqrt(2)).
    var ix = xs.bitPattern &+ (0x3F80_0000 &- 0x3F35_04F3)
    let k = Int32(bitPattern: ix &>> 23) &- (tiny ? 150 : 127)
    ix = (ix & 0x007F_FFFF) &+ 0x3F35_04F3
    let f = Float(bitPattern: ix) - 1
    let s = f / (2 + f)
    let z = s * s
    let w = z * z
    let t1 = w * (0.40000972152 + w * 0.24279078841)
    let t2 = z * (0.66666662693 + w * 0.28498786688)
    let rr = t2 + t1
    let hfsq = 0.5 * f * f
    let dk = Float(k)
    // ln2 = 6.9313812256e-1 + 9.0580006145e-6; the high part times k is exact.
    return s * (hfsq + rr) + dk * 9.0580006145e-6 - hfsq + f + dk * 6.9313812256e-1
  }

  /// ln x. Max relative error 1e-7 for all positive finite x (normal and subnormal), including
  /// near x = 1 where the result crosses zero (ln 1 = 0 exactly). ln 0 = -inf, ln(x < 0) = NaN,
  /// ln(+inf) = +inf.
  @inline(__always)
  static func log(_ x: Float) -> Float {
    var y = logCore(x)
    y = x == .infinity ? x : y
    y = x == 0 ? -.infinity : y
    // One select covers both x < 0 and NaN (comparisons with NaN are false).
    return x >= 0 ? y : .nan
  }

  /// ln(1 + x). Max relative error 2e-7 for all x > -1, accurate for tiny x (returns x when
  /// 1 + x rounds to 1). log1p(-1) = -inf, log1p(x < -1) = NaN, log1p(+inf) = +inf.
  ///
  /// u = 1 + x loses the low bits of x; ln(1 + x) = ln u + (1 + x - u)/u restores them to first
  /// order, and (u - 1) - x is exact.
  @inline(__always)
  static func log1p(_ x: Float) -> Float {
    let u = 1 + x
    var y = logCore(u) - ((u - 1) - x) / u
    y = u == 1 ? x : y
    y = x == .infinity ? x : y
    y = x == -1 ? -.infinity : y
    return x >= -1 ? y : .nan
  }

  /// tanh x. Max relative error 2e-7 for all finite x (including near 0; tanh(+-0) = +-0);
  /// tanh(+-inf) = +-1.
  ///
  /// Odd in x, so work on |x| and copy the sign back. For |x| < 0.625 an odd minimax polynomial
  /// x + x^3 P(x^2) (degree 11, 4.4e-9 relative) avoids the cancellation in 1 - 2/(e^2x + 1);
  /// above it that form is well conditioned. |x| is clamped to 10, where tanh rounds to 1.
  @inline(__always)
  static func tanh(_ x: Float) -> Float {
    let signBit = x.bitPattern & 0x8000_0000
    var a = Float(bitPattern: x.bitPattern & 0x7FFF_FFFF)
    a = a > 10 ? 10 : a
    let e = exp(a + a)
    let large = 1 - 2 / (e + 1)
    let z = a * a
    var p: Float = -5.70495194e-3
    p = p * z + 2.06390619e-2
    p = p * z - 5.37397079e-2
    p = p * z + 1.33314416e-1
    p = p * z - 3.33332807e-1
    let small = a + a * z * p
    let r = a < 0.625 ? small : large
    return Float(bitPattern: r.bitPattern | signBit)
  }

  /// 1 / (1 + e^-x). Max relative error 2.5e-7 on [-87.3, +inf); below -87.3 the result is the
  /// subnormal e^x with absolute error at most 2^-149.
  ///
  /// Uses e = e^-|x| so nothing overflows: sigmoid(x) = 1/(1+e) for x >= 0 and e/(1+e) for x < 0,
  /// which keeps full relative accuracy in the left tail.
  @inline(__always)
  static func sigmoid(_ x: Float) -> Float {
    let e = exp(-Float(bitPattern: x.bitPattern & 0x7FFF_FFFF))
    return (x < 0 ? e : 1) / (1 + e)
  }

  /// ln(1 + e^x). Max relative error 2.5e-7 on [-87.3, +inf); below -87.3 the result is the
  /// subnormal e^x with absolute error at most 2^-149. Large x gives x and very negative x gives
  /// e^x, with no overflow anywhere.
  ///
  /// Computed as max(x, 0) + log1p(e^-|x|), whose log1p argument lies in (0, 1].
  @inline(__always)
  static func softplus(_ x: Float) -> Float {
    let e = exp(-Float(bitPattern: x.bitPattern & 0x7FFF_FFFF))
    let u = 1 + e
    // log1p(e) without special cases: e is in [0, 1] or NaN (which the correction propagates).
    let l = logCore(u) - ((u - 1) - e) / u
    return (x > 0 ? x : 0) + l
  }

  /// x * sigmoid(x). Max relative error 3e-7 on [-87.3, +inf); below -87.3 sigmoid is subnormal,
  /// so only absolute error 2e-43 is promised. silu(-inf) = -0, silu(+inf) = +inf.
  @inline(__always)
  static func silu(_ x: Float) -> Float {
    let y = x * sigmoid(x)
    return x == -.infinity ? -0.0 : y
  }

  /// d/dx silu(x) = s + x s (1 - s), s = sigmoid(x). Error at most 4e-7 |y| + 1e-8 on
  /// [-87.3, +inf) (the absolute term covers the zero crossing at x = -1.27846, the minimum of
  /// silu); below -87.3 only absolute error 2e-43 is promised. Tends to 1 at +inf, 0 at -inf.
  ///
  /// Evaluated as s (1 + x (1 - s)) with 1 - s taken from the complementary branch of the
  /// stable sigmoid so neither tail cancels; near the zero crossing a second form is selected.
  @inline(__always)
  static func siluDerivative(_ x: Float) -> Float {
    let e = exp(-Float(bitPattern: x.bitPattern & 0x7FFF_FFFF))
    let inv = 1 / (1 + e)
    // For x < 0, s = e/(1+e) and 1 - s = 1/(1+e), so y = e ((1 + x) + e) / (1+e)^2: near the
    // zero crossing the cancellation then happens in (1 + x) + e, where 1 + x is exact.
    let crossing = e * ((1 + x) + e) * inv * inv
    // Elsewhere the product form is more accurate (fewer roundings).
    let s = (x < 0 ? e : 1) * inv
    let oneMinusS = x < 0 ? 1 - s : e * inv
    let general = s * (1 + x * oneMinusS)
    var y = (x < -0.75 && x > -3) ? crossing : general
    y = x == .infinity ? 1 : y
    y = x == -.infinity ? 0 : y
    return y
  }
}
