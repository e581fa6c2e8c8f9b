// FastMath: branch-free, vectorized Float32 transcendental kernels with tested error bounds.
import NCLKernels

/// Vectorized single-precision approximations of the transcendental functions the network needs.
///
/// The kernels live in C (Sources/NCLKernels), compiled for AVX-512, AVX2 and SSE2 and chosen
/// for the CPU at load time; the algorithms use only arithmetic, comparisons, selects and bit
/// manipulation (no libm, no data-dependent branches) and round identically in every variant.
/// Every array kernel accepts `x == y` (in place). The error bounds quoted on each function are
/// measured against the exact value (Double-precision libm) and asserted by `FastMathTests`.
/// NaN in gives NaN out for every function.
enum FastMath {
  // MARK: - Array kernels

  /// The C kernel of a unary op, for the ops FastMath covers (bounds on the scalar functions below).
  static func function(for op: UnaryKernel) -> ncl_fast_function_t? {
    switch op {
    case .exp: NCL_FAST_EXP
    case .log: NCL_FAST_LOG
    case .log1p: NCL_FAST_LOG1P
    case .tanh: NCL_FAST_TANH
    case .sigmoid: NCL_FAST_SIGMOID
    case .softplus: NCL_FAST_SOFTPLUS
    case .silu: NCL_FAST_SILU
    case .siluDerivative: NCL_FAST_SILU_DERIVATIVE
    case .siluSecondDerivative: NCL_FAST_SILU_SECOND_DERIVATIVE
    case .logLogisticDensity: NCL_FAST_LOG_LOGISTIC_DENSITY
    default: nil
    }
  }

  /// `y[i] = op(x[i])` for i < count; `x == y` is allowed.
  static func apply(_ op: UnaryKernel, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    guard let function = function(for: op) else { preconditionFailure("FastMath has no kernel for \(op)") }
    precondition(count >= 0, "FastMath: negative count")
    ncl_fast_apply(function, x, y, count)
  }

  /// The instruction set the kernels run with on this CPU: "avx512f", "avx2" or "sse2".
  static var instructionSet: String { String(cString: ncl_fast_isa()) }

  // MARK: - Scalar kernels (one element through the array code; for tests and bounds)

  /// e^x. Max relative error 1e-7 on [-87.3, 88.72] (normal results); below -87.3 the result is
  /// subnormal with absolute error at most 2^-149 (one subnormal ulp) and is 0 below about -104.
  /// x > 88.72 gives +inf, -inf gives 0.
  ///
  /// Cody-Waite reduction x = n ln2 + r, |r| <= ln2/2, a degree-6 minimax polynomial for e^r,
  /// then 2^n applied as two exponent-field multiplies so n = 128 (overflow edge) and n < -126
  /// (subnormal results) both come out right.
  static func exp(_ x: Float) -> Float { ncl_fast_scalar(NCL_FAST_EXP, x) }

  /// ln x. Max relative error 1e-7 for all positive finite x (normal and subnormal), including
  /// near x = 1 where the result crosses zero (ln 1 = 0 exactly). ln 0 = -inf, ln(x < 0) = NaN,
  /// ln(+inf) = +inf.
  ///
  /// Splits x = 2^k m with m in [sqrt(1/2), sqrt(2)) (subnormals scaled up first), then
  /// ln m = 2 atanh(s), s = f / (2 + f), f = m - 1, with the fdlibm/musl `logf` coefficients.
  static func log(_ x: Float) -> Float { ncl_fast_scalar(NCL_FAST_LOG, x) }

  /// ln(1 + x). Max relative error 2e-7 for all x > -1, accurate for tiny x (returns x when
  /// 1 + x rounds to 1). log1p(-1) = -inf, log1p(x < -1) = NaN, log1p(+inf) = +inf.
  ///
  /// u = 1 + x loses the low bits of x; ln(1 + x) = ln u + (1 + x - u)/u restores them to first
  /// order, and (u - 1) - x is exact.
  static func log1p(_ x: Float) -> Float { ncl_fast_scalar(NCL_FAST_LOG1P, x) }

  /// tanh x. Max relative error 2e-7 for all finite x (including near 0; tanh(+-0) = +-0);
  /// tanh(+-inf) = +-1.
  ///
  /// Odd in x, so work on |x| and copy the sign back. For |x| < 0.625 an odd minimax polynomial
  /// x + x^3 P(x^2) (degree 11, 4.4e-9 relative) avoids the cancellation in 1 - 2/(e^2x + 1);
  /// above it that form is well conditioned. |x| is clamped to 10, where tanh rounds to 1.
  static func tanh(_ x: Float) -> Float { ncl_fast_scalar(NCL_FAST_TANH, x) }

  /// 1 / (1 + e^-x). Max relative error 2.5e-7 on [-87.3, +inf); below -87.3 the result is the
  /// subnormal e^x with absolute error at most 2^-149.
  ///
  /// Uses e = e^-|x| so nothing overflows: sigmoid(x) = 1/(1+e) for x >= 0 and e/(1+e) for x < 0,
  /// which keeps full relative accuracy in the left tail.
  static func sigmoid(_ x: Float) -> Float { ncl_fast_scalar(NCL_FAST_SIGMOID, x) }

  /// ln(1 + e^x). Max relative error 2.5e-7 on [-87.3, +inf); below -87.3 the result is the
  /// subnormal e^x with absolute error at most 2^-149. Large x gives x and very negative x gives
  /// e^x, with no overflow anywhere.
  ///
  /// Computed as max(x, 0) + log1p(e^-|x|), whose log1p argument lies in (0, 1].
  static func softplus(_ x: Float) -> Float { ncl_fast_scalar(NCL_FAST_SOFTPLUS, x) }

  /// x * sigmoid(x). Max relative error 3e-7 on [-87.3, +inf); below -87.3 sigmoid is subnormal,
  /// so only absolute error 2e-43 is promised. silu(-inf) = -0, silu(+inf) = +inf.
  static func silu(_ x: Float) -> Float { ncl_fast_scalar(NCL_FAST_SILU, x) }

  /// d/dx silu(x) = s + x s (1 - s), s = sigmoid(x). Error at most 4e-7 |y| + 1e-8 on
  /// [-87.3, +inf) (the absolute term covers the zero crossing at x = -1.27846, the minimum of
  /// silu); below -87.3 only absolute error 2e-43 is promised. Tends to 1 at +inf, 0 at -inf.
  ///
  /// Evaluated as s (1 + x (1 - s)) with 1 - s taken from the complementary branch of the
  /// stable sigmoid so neither tail cancels; near the zero crossing a second form is selected.
  static func siluDerivative(_ x: Float) -> Float { ncl_fast_scalar(NCL_FAST_SILU_DERIVATIVE, x) }

  /// log sigma'(x) = log(sigma(x) (1 - sigma(x))), the log-density of the standard logistic law.
  /// Max relative error 2.5e-7 for all finite x; -inf at +-inf.
  ///
  /// Even in x: -|x| - 2 log1p(e^-|x|), with the log1p argument in (0, 1] (as in softplus).
  static func logLogisticDensity(_ x: Float) -> Float { ncl_fast_scalar(NCL_FAST_LOG_LOGISTIC_DENSITY, x) }

  /// d^2/dx^2 silu(x) = s c (2 + x (c - s)), s = sigmoid(x), c = sigmoid(-x) = 1 - s, computed
  /// directly so that the tails keep their relative accuracy. Relative error below 1e-6, plus 3e-8
  /// absolute around the zero crossings at |x| = 2.40 (tested against Double in TensorOpsTests).
  static func siluSecondDerivative(_ x: Float) -> Float { ncl_fast_scalar(NCL_FAST_SILU_SECOND_DERIVATIVE, x) }
}
