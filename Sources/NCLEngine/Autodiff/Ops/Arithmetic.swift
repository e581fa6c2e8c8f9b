// Broadcasting +, -, *, / and powers between tensors, and +, -, *, / with scalars.

extension Tensor {
  /// Runs a broadcasting binary kernel into fresh storage.
  static func combining(_ kernel: BinaryKernel, _ a: Tensor, _ b: Tensor, op: String) -> (shape: [Int], storage: TensorStorage<Scalar>) {
    guard let shape = StridedLayout.broadcast(a.shape, b.shape) else {
      preconditionFailure("\(op): shapes \(a.shape) and \(b.shape) do not broadcast")
    }
    let out = TensorStorage<Scalar>(uninitializedCount: shape.reduce(1, *))
    Scalar._binary(
      kernel, a.storage.pointer, StridedLayout.broadcastStrides(a.shape, to: shape),
      b.storage.pointer, StridedLayout.broadcastStrides(b.shape, to: shape), out.pointer, shape)
    return (shape, out)
  }

  /// a + b, written into a's storage when nothing else can see it: a constant (not recorded) that
  /// holds the only reference to its storage, as a gradient being accumulated over the consumers
  /// of a node usually is. Saves an allocation and a write to fresh memory per accumulation.
  static func accumulating(_ a: consuming Tensor, _ b: Tensor) -> Tensor {
    guard a.node == nil, b.node == nil, a.shape == b.shape else { return a + b }
    let shape = a.shape
    var storage = a.storage
    _ = consume a
    guard isKnownUniquelyReferenced(&storage) else { return Tensor(shape: shape, storage: storage) + b }
    let strides = StridedLayout.contiguousStrides(shape)
    Scalar._binary(.add, storage.pointer, strides, b.storage.pointer, strides, storage.pointer, shape)
    return Tensor(shape: shape, storage: storage)
  }

  /// The sum of two optional tangents (nil = zero), broadcast to `shape`.
  static func sumOfTangents(_ a: Tensor?, _ b: Tensor?, shape: [Int]) -> Tensor? {
    switch (a, b) {
    case let (a?, b?): return a + b
    case let (a?, nil): return a.broadcast(to: shape)
    case let (nil, b?): return b.broadcast(to: shape)
    case (nil, nil): return nil
    }
  }

  public static func + (a: Tensor, b: Tensor) -> Tensor {
    let (shape, storage) = combining(.add, a, b, op: "add")
    return recordOp(
      "add", inputs: [a, b], shape: shape, storage: storage,
      backward: { g, _ in [
        a.requiresGradient ? g.summed(toShape: a.shape) : nil,
        b.requiresGradient ? g.summed(toShape: b.shape) : nil,
      ] },
      forward: { t, _ in sumOfTangents(t[0], t[1], shape: shape) })
  }

  public static func - (a: Tensor, b: Tensor) -> Tensor {
    let (shape, storage) = combining(.subtract, a, b, op: "subtract")
    return recordOp(
      "subtract", inputs: [a, b], shape: shape, storage: storage,
      backward: { g, _ in [
        a.requiresGradient ? g.summed(toShape: a.shape) : nil,
        b.requiresGradient ? (-g).summed(toShape: b.shape) : nil,
      ] },
      forward: { t, _ in sumOfTangents(t[0], t[1].map { -$0 }, shape: shape) })
  }

  public static func * (a: Tensor, b: Tensor) -> Tensor {
    let (shape, storage) = combining(.multiply, a, b, op: "multiply")
    return recordOp(
      "multiply", inputs: [a, b], shape: shape, storage: storage,
      backward: { g, _ in [
        a.requiresGradient ? (g * b).summed(toShape: a.shape) : nil,
        b.requiresGradient ? (g * a).summed(toShape: b.shape) : nil,
      ] },
      forward: { t, _ in sumOfTangents(t[0].map { $0 * b }, t[1].map { a * $0 }, shape: shape) })
  }

  public static func / (a: Tensor, b: Tensor) -> Tensor {
    let (shape, storage) = combining(.divide, a, b, op: "divide")
    return recordOp(
      "divide", inputs: [a, b], shape: shape, storage: storage,
      backward: { g, y in [
        a.requiresGradient ? (g / b).summed(toShape: a.shape) : nil,
        b.requiresGradient ? (-(g * y) / b).summed(toShape: b.shape) : nil,
      ] },
      forward: { t, y in sumOfTangents(t[0].map { $0 / b }, t[1].map { -(y * $0) / b }, shape: shape) })
  }

  /// self^exponent elementwise, with NumPy broadcasting (`pow(_:)` with a `Scalar` is the
  /// one-input op for a constant exponent).
  ///
  /// Domain: a base a > 0 with any exponent b. A base a <= 0 only with whole exponents, which run
  /// by repeated multiplication up to |b| = 1024 ((-2)^3 = -8, 0^0 = 1); a negative base with a
  /// non-whole exponent gives NaN. Derivatives:
  ///
  ///     d/da a^b = b a^(b - 1),   d/db a^b = log(a) a^b
  ///
  /// The derivative in a is 0 where b = 0 (also at a = 0). The derivative in b is 0 where a = 0 and b >= 0 (0^b is flat in b for b > 0; PyTorch's
  /// convention at b = 0) and NaN where a < 0, where a^b has no real derivative in b: keep the
  /// exponent constant when the base can be negative.
  public func pow(_ exponent: Tensor) -> Tensor {
    let (a, b) = (self, exponent)
    let (shape, storage) = Tensor.combining(.power, a, b, op: "powTensor")
    return Tensor.recordOp(
      "powTensor", inputs: [a, b], shape: shape, storage: storage,
      backward: { g, y in [
        a.requiresGradient ? (g * Tensor.powerBaseFactor(a, b)).summed(toShape: a.shape) : nil,
        b.requiresGradient ? (g * Tensor.powerExponentFactor(a, b, y)).summed(toShape: b.shape) : nil,
      ] },
      forward: { t, y in
        Tensor.sumOfTangents(
          t[0].map { $0 * Tensor.powerBaseFactor(a, b) }, t[1].map { $0 * Tensor.powerExponentFactor(a, b, y) }, shape: shape)
      })
  }

  /// d/da a^b = b a^(b - 1), and 0 where b = 0 (a^0 = 1 is constant, also at a = 0 where
  /// 0 * 0^-1 would be NaN). There the power reads exponent 0 (a^0 = 1), which keeps NaN out of
  /// higher derivatives too.
  private static func powerBaseFactor(_ a: Tensor, _ b: Tensor) -> Tensor {
    let zeroExponent = b.equal(Tensor(0))
    guard zeroExponent.storage.buffer.contains(where: { $0 != 0 }) else { return b * a.pow(b - 1) }
    let safe = select(zeroExponent, Tensor(1), b)
    return select(zeroExponent, Tensor(0), safe * a.pow(safe - 1))
  }

  /// d/db a^b = log(a) a^b (y = a^b), and 0 where a = 0 and b >= 0. There log reads 1 instead
  /// of a, so that neither the value nor a higher derivative through log meets log(0).
  private static func powerExponentFactor(_ a: Tensor, _ b: Tensor, _ y: Tensor) -> Tensor {
    let zeroBase = a.equal(Tensor(0)) * b.greaterOrEqual(Tensor(0))
    guard zeroBase.storage.buffer.contains(where: { $0 != 0 }) else { return a.log() * y }
    return select(zeroBase, Tensor(0), select(zeroBase, Tensor(1), a).log() * y)
  }

  public static func + (a: Tensor, s: Scalar) -> Tensor { a.affine(scale: 1, shift: s) }
  public static func + (s: Scalar, a: Tensor) -> Tensor { a.affine(scale: 1, shift: s) }
  public static func - (a: Tensor, s: Scalar) -> Tensor { a.affine(scale: 1, shift: -s) }
  public static func - (s: Scalar, a: Tensor) -> Tensor { a.affine(scale: -1, shift: s) }
  public static func * (a: Tensor, s: Scalar) -> Tensor { a.affine(scale: s, shift: 0) }
  public static func * (s: Scalar, a: Tensor) -> Tensor { a.affine(scale: s, shift: 0) }
  public static func / (a: Tensor, s: Scalar) -> Tensor { a.affine(scale: 1 / s, shift: 0) }
  public static func / (s: Scalar, a: Tensor) -> Tensor { s * a.reciprocal() }
}
