// Sums, means, log-sum-exp, softmax, cumulative sums and products along axes.

extension Tensor {
  /// Resolves a possibly negative axis, naming the shape when it is out of range.
  func normalizedAxis(_ axis: Int, _ op: String) -> Int {
    let a = axis < 0 ? axis + rank : axis
    precondition(a >= 0 && a < rank, "\(op): axis \(axis) out of range for shape \(shape)")
    return a
  }

  /// (outer, length, inner) extents of the view that puts `axis` in the middle.
  func extents(around axis: Int) -> (outer: Int, length: Int, inner: Int) {
    (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
  }

  func reducedShape(_ axis: Int, keepingDimension: Bool) -> [Int] {
    var s = shape
    if keepingDimension { s[axis] = 1 } else { s.remove(at: axis) }
    return s
  }

  func reducing(_ kernel: ReduceKernel, axis: Int) -> TensorStorage<Scalar> {
    let (outer, length, inner) = extents(around: axis)
    let out = TensorStorage<Scalar>(uninitializedCount: outer * inner)
    Scalar._reduce(kernel, storage.pointer, outer, length, inner, out.pointer)
    return out
  }

  /// Sum along one axis.
  public func sum(alongAxis axis: Int, keepingDimension: Bool = false) -> Tensor {
    let a = normalizedAxis(axis, "sum"), x = self
    let kept = reducedShape(a, keepingDimension: true)
    return Tensor.recordOp(
      "sum", inputs: [x], shape: reducedShape(a, keepingDimension: keepingDimension), storage: reducing(.sum, axis: a),
      backward: { g, _ in [g.reshaped(kept).broadcast(to: x.shape)] },
      forward: { t, _ in t[0]!.sum(alongAxis: a, keepingDimension: keepingDimension) })
  }

  /// Sum of every element, as a rank-0 tensor.
  public func sum() -> Tensor {
    rank == 0 ? self : reshaped([count]).sum(alongAxis: 0)
  }

  public func mean(alongAxis axis: Int, keepingDimension: Bool = false) -> Tensor {
    let a = normalizedAxis(axis, "mean")
    return sum(alongAxis: a, keepingDimension: keepingDimension) / Scalar(shape[a])
  }

  public func mean() -> Tensor { sum() / Scalar(Swift.max(count, 1)) }

  /// log sum exp along an axis, computed max-shifted so that it neither overflows nor underflows.
  public func logSumExp(alongAxis axis: Int, keepingDimension: Bool = false) -> Tensor {
    let a = normalizedAxis(axis, "logSumExp"), x = self
    let kept = reducedShape(a, keepingDimension: true)
    return Tensor.recordOp(
      "logSumExp", inputs: [x], shape: reducedShape(a, keepingDimension: keepingDimension),
      storage: reducing(.logSumExp, axis: a),
      backward: { g, y in [g.reshaped(kept) * Tensor.softmaxWeights(x, y.reshaped(kept))] },
      forward: { t, y in (t[0]! * Tensor.softmaxWeights(x, y.reshaped(kept))).sum(alongAxis: a, keepingDimension: keepingDimension) })
  }

  /// exp(x - y) for y = logsumexp(x): the derivative of log-sum-exp. A slice that is all -inf
  /// (y = -inf) gets weights 0 instead of exp(-inf + inf) = NaN.
  private static func softmaxWeights(_ x: Tensor, _ y: Tensor) -> Tensor {
    guard y.storage.buffer.contains(where: { !$0.isFinite }) else { return (x - y).exp() }
    let finite = Tensor(shape: y.shape, scalars: y.scalars.map { $0.isFinite ? 1 : 0 })
    return (x - select(finite, y, .zeros(y.shape))).exp()
  }

  /// Largest element along an axis. A constant: it carries no gradient (used for shifts).
  public func maxValues(alongAxis axis: Int, keepingDimension: Bool = false) -> Tensor {
    let a = normalizedAxis(axis, "maxValues")
    return Tensor(shape: reducedShape(a, keepingDimension: keepingDimension), storage: reducing(.max, axis: a))
  }

  public func logSoftmax(alongAxis axis: Int) -> Tensor {
    self - logSumExp(alongAxis: axis, keepingDimension: true)
  }

  public func softmax(alongAxis axis: Int) -> Tensor { logSoftmax(alongAxis: axis).exp() }

  /// Running sum along an axis. `exclusive`: element i holds the sum of the elements before i
  /// (so the first is 0); `reverse`: sums run from the end.
  public func cumulativeSum(alongAxis axis: Int, exclusive: Bool = false, reverse: Bool = false) -> Tensor {
    let a = normalizedAxis(axis, "cumulativeSum"), x = self
    let (outer, length, inner) = extents(around: a)
    let out = TensorStorage<Scalar>(uninitializedCount: count)
    Scalar._cumsum(storage.pointer, outer, length, inner, reverse: reverse, exclusive: exclusive, out.pointer)
    return Tensor.recordOp(
      "cumulativeSum", inputs: [x], shape: shape, storage: out,
      backward: { g, _ in [g.cumulativeSum(alongAxis: a, exclusive: exclusive, reverse: !reverse)] },
      forward: { t, _ in t[0]!.cumulativeSum(alongAxis: a, exclusive: exclusive, reverse: reverse) })
  }

  /// Product along an axis. Its derivative divides by the input, so inputs must be nonzero;
  /// prefer sums of logarithms in likelihood code.
  public func product(alongAxis axis: Int, keepingDimension: Bool = false) -> Tensor {
    let a = normalizedAxis(axis, "product"), x = self
    let kept = reducedShape(a, keepingDimension: true)
    let (outer, length, inner) = extents(around: a)
    let out = TensorStorage<Scalar>(repeating: 1, count: outer * inner)
    for o in 0..<outer {
      for l in 0..<length {
        for i in 0..<inner { out.pointer[o * inner + i] *= storage.pointer[(o * length + l) * inner + i] }
      }
    }
    return Tensor.recordOp(
      "product", inputs: [x], shape: reducedShape(a, keepingDimension: keepingDimension), storage: out,
      backward: { g, y in [g.reshaped(kept) * y.reshaped(kept) / x] },
      forward: { t, y in (t[0]! / x).sum(alongAxis: a, keepingDimension: keepingDimension) * y })
  }
}
