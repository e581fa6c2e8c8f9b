// Elementwise choice between two tensors: select (NumPy's where), minimum and maximum.

extension Tensor {
  /// Elementwise choice: `a` where `condition` is nonzero (NaN counts as nonzero), `b`
  /// elsewhere, with NumPy broadcasting among the three shapes.
  ///
  /// Unlike a blend c a + (1 - c) b, an infinity or NaN in the branch not taken reaches neither
  /// the value nor the gradients: each element's gradient goes to the branch chosen there (exact
  /// zeros to the other), summed back over the axes a branch was broadcast along. The condition
  /// is a constant (build it with `less`, `isFinite`, ...).
  ///
  /// The guard covers this op only. The gradient of an op *before* it in the branch not taken is
  /// still that op's derivative times zero, which is NaN where that derivative is infinite
  /// (log at 0, sqrt at 0): guard the input too, as in
  ///
  ///     let safe = Tensor.select(positive, x, .ones(x.shape))
  ///     let y = Tensor.select(positive, safe.log(), fallback)
  public static func select(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
    guard let branches = StridedLayout.broadcast(a.shape, b.shape),
          let shape = StridedLayout.broadcast(condition.shape, branches) else {
      preconditionFailure("select: condition \(condition.shape), branches \(a.shape) and \(b.shape) do not broadcast")
    }
    return choosing("select", condition.expanded(to: shape), a, b, shape: shape)
  }

  /// NumPy's name for `select(_:_:_:)`: `a` where `mask` is nonzero, `b` elsewhere, broadcast.
  public static func `where`(_ mask: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
    select(mask, a, b)
  }

  /// Elementwise minimum with NumPy broadcasting. At ties (a == b) the value and the whole
  /// gradient go to `a`; NaN in either input gives NaN (as NumPy's `minimum`, not `fmin`), with
  /// the gradient to the input that holds it (to `a` when both do).
  public static func minimum(_ a: Tensor, _ b: Tensor) -> Tensor {
    let shape = broadcastShape(a, b, "minimum")
    // a where a <= b or a is NaN (a != a); the two masks never overlap.
    let takeA = withoutGradient { a.lessOrEqual(b) + a.notEqual(a) }
    return choosing("minimum", takeA.expanded(to: shape), a, b, shape: shape)
  }

  /// Elementwise maximum with NumPy broadcasting. At ties (a == b) the value and the whole
  /// gradient go to `a`; NaN in either input gives NaN (as NumPy's `maximum`, not `fmax`), with
  /// the gradient to the input that holds it (to `a` when both do).
  public static func maximum(_ a: Tensor, _ b: Tensor) -> Tensor {
    let shape = broadcastShape(a, b, "maximum")
    let takeA = withoutGradient { a.greaterOrEqual(b) + a.notEqual(a) }
    return choosing("maximum", takeA.expanded(to: shape), a, b, shape: shape)
  }

  private static func broadcastShape(_ a: Tensor, _ b: Tensor, _ op: String) -> [Int] {
    guard let shape = StridedLayout.broadcast(a.shape, b.shape) else {
      preconditionFailure("\(op): shapes \(a.shape) and \(b.shape) do not broadcast")
    }
    return shape
  }

  /// `a` where `mask` is nonzero, `b` elsewhere, recorded as `op`: the one implementation of
  /// select, minimum and maximum. `mask` is a constant of the result's `shape`; the branches
  /// broadcast to it. When the shapes agree nothing is copied before the choice.
  private static func choosing(_ op: String, _ mask: Tensor, _ a: Tensor, _ b: Tensor, shape: [Int]) -> Tensor {
    let out = TensorStorage<Scalar>(uninitializedCount: mask.count)
    let (expandedA, expandedB) = (a.expanded(to: shape), b.expanded(to: shape))
    withExtendedLifetime((mask, expandedA, expandedB)) {
      Scalar._select(mask.storage.pointer, expandedA.storage.pointer, expandedB.storage.pointer, out.pointer, mask.count)
    }
    return recordOp(
      op, inputs: [a, b], shape: shape, storage: out,
      backward: { g, _ in [
        a.requiresGradient ? select(mask, g, Tensor(0)).summed(toShape: a.shape) : nil,
        b.requiresGradient ? select(mask, Tensor(0), g).summed(toShape: b.shape) : nil,
      ] },
      forward: { t, _ in select(mask, t[0] ?? Tensor(0), t[1] ?? Tensor(0)) })
  }

  /// This tensor's elements repeated along broadcast axes to `target`, as a constant; no copy
  /// when the shapes agree. For kernels that read their operands contiguously.
  func expanded(to target: [Int]) -> Tensor {
    if shape == target { return detached() }
    let out = TensorStorage<Scalar>(uninitializedCount: target.reduce(1, *))
    if out.count > 0 {
      Scalar._copy(storage.pointer, StridedLayout.broadcastStrides(shape, to: target), out.pointer, target)
    }
    return Tensor(shape: target, storage: out)
  }
}
