// Elementwise functions of one tensor, each with its derivative.

extension Tensor {
  /// Runs a unary kernel into fresh storage.
  func applying(_ kernel: UnaryKernel) -> TensorStorage<Scalar> {
    let out = TensorStorage<Scalar>(uninitializedCount: count)
    Scalar._unary(kernel, storage.pointer, out.pointer, count)
    return out
  }

  /// An elementwise op whose derivative f'(x) is given as a tensor built from differentiable ops
  /// (nil: zero almost everywhere). The same factor serves backward (g f') and forward (t f').
  ///
  /// `sharesDerivative`: compute f'(x) once per node and keep it, since a loss that uses forward
  /// mode (jvp) and is then differentiated asks for it twice. Only for factors built from x alone:
  /// a factor built from the output y would hold this node and form a reference cycle.
  func elementwise(
    _ op: String, _ kernel: UnaryKernel, sharesDerivative: Bool = false,
    derivative: @escaping (_ x: Tensor, _ y: Tensor) -> Tensor?
  ) -> Tensor {
    let x = self
    let cache = sharesDerivative ? DerivativeCache<Scalar>() : nil
    let factor = { (y: Tensor) in cache.map { $0.value { derivative(x, y) } } ?? derivative(x, y) }
    return Tensor.recordOp(
      op, inputs: [x], shape: shape, storage: applying(kernel),
      backward: { g, y in [factor(y).map { g * $0 }] },
      forward: { t, y in factor(y).map { t[0]! * $0 } })
  }

  public func exp() -> Tensor { elementwise("exp", .exp) { _, y in y } }
  public func log() -> Tensor { elementwise("log", .log) { x, _ in x.reciprocal() } }
  public func log1p() -> Tensor { elementwise("log1p", .log1p) { x, _ in (x + 1).reciprocal() } }
  public func sigmoid() -> Tensor { elementwise("sigmoid", .sigmoid) { _, y in y * (1 - y) } }
  /// log(1 + e^x), stable for large |x|.
  public func softplus() -> Tensor { elementwise("softplus", .softplus, sharesDerivative: true) { x, _ in x.sigmoid() } }
  /// d/dx silu(x) = s + x s (1 - s), fused so that first-order training needs one pass per layer.
  public func siluDerivative() -> Tensor {
    elementwise("siluDerivative", .siluDerivative, sharesDerivative: true) { x, _ in x.siluSecondDerivative() }
  }
  /// d^2/dx^2 silu(x) = s (1 - s) (2 + x (1 - 2 s)), fused: second-order training calls it once per layer.
  public func siluSecondDerivative() -> Tensor {
    elementwise("siluSecondDerivative", .siluSecondDerivative, sharesDerivative: true) { x, _ in
      // s' [(1 - 2 s)(3 + x (1 - 2 s)) - 2 x s'], s' = s (1 - s), in primitive ops so every
      // further order follows.
      let s = x.sigmoid()
      let ds = s * (1 - s), a = 1 - 2 * s
      return ds * (a * (x * a + 3) - 2 * x * ds)
    }
  }
  public func tanh() -> Tensor { elementwise("tanh", .tanh) { _, y in 1 - y * y } }
  /// log sigma'(x), the standard logistic log-density, in one pass (it is evaluated on every
  /// mixture component of every coordinate). Its derivative is 1 - 2 sigma(x) = -tanh(x / 2).
  public func logisticLogDensity() -> Tensor {
    elementwise("logisticLogDensity", .logLogisticDensity, sharesDerivative: true) { x, _ in -x.affine(scale: 0.5, shift: 0).tanh() }
  }
  public func sqrt() -> Tensor { elementwise("sqrt", .sqrt) { _, y in 0.5 * y.reciprocal() } }
  public func squared() -> Tensor { elementwise("square", .square) { x, _ in 2 * x } }
  public func reciprocal() -> Tensor { elementwise("reciprocal", .reciprocal) { _, y in -(y * y) } }
  public func sin() -> Tensor { elementwise("sin", .sin) { x, _ in x.cos() } }
  public func cos() -> Tensor { elementwise("cos", .cos) { x, _ in -x.sin() } }
  public func abs() -> Tensor { elementwise("abs", .abs) { x, _ in x.sign() } }
  /// -1, 0 or 1; its derivative is zero almost everywhere.
  public func sign() -> Tensor { elementwise("sign", .sign) { _, _ in nil } }
  /// x^p for a constant exponent.
  public func pow(_ p: Scalar) -> Tensor {
    elementwise("pow", .power(Double(p))) { x, _ in p == 0 ? nil : p * x.pow(p - 1) }
  }

  /// Clamps into [lower, upper]; the gradient is passed where the input is inside, zero elsewhere.
  public func clamped(lower: Scalar, upper: Scalar) -> Tensor {
    precondition(lower <= upper, "clamp with lower \(lower) > upper \(upper)")
    let range = (lower: Double(lower), upper: Double(upper))
    return elementwise("clamp", .clamp(lower: range.lower, upper: range.upper)) { x, _ in
      Tensor(shape: x.shape, storage: x.applying(.inside(lower: range.lower, upper: range.upper)))
    }
  }

  /// scale * x + shift in one pass.
  public func affine(scale: Scalar, shift: Scalar) -> Tensor {
    let x = self
    return Tensor.recordOp(
      "affine", inputs: [x], shape: shape, storage: applying(.affine(scale: Double(scale), shift: Double(shift))),
      backward: { g, _ in [g.affine(scale: scale, shift: 0)] },
      forward: { t, _ in t[0]!.affine(scale: scale, shift: 0) })
  }

  public static prefix func - (x: Tensor) -> Tensor { x.affine(scale: -1, shift: 0) }
}

/// The derivative factor of one elementwise node, kept after its first use. A factor computed
/// while recording serves every later use; one computed without recording (a constant) is only
/// reused while recording stays off, since a recorded use must see how the factor depends on x.
final class DerivativeCache<Scalar: TensorScalar> {
  private var factor: Tensor<Scalar>??
  private var recorded = false

  func value(_ compute: () -> Tensor<Scalar>?) -> Tensor<Scalar>? {
    let recording = GradientMode.isEnabled
    if let factor, recorded || !recording { return factor }
    let computed = compute()
    factor = .some(computed)
    recorded = recording
    return computed
  }
}
