// Reshape, broadcast, permute, slice, pad and concatenate: ops that move elements.

extension Tensor {
  public func reshaped(_ newShape: [Int]) -> Tensor {
    precondition(newShape.reduce(1, *) == count, "cannot reshape \(shape) (\(count) elements) to \(newShape)")
    if newShape == shape { return self }
    let x = self
    return Tensor.recordOp(
      "reshape", inputs: [x], shape: newShape, storage: storage,
      backward: { g, _ in [g.reshaped(x.shape)] },
      forward: { t, _ in t[0]!.reshaped(newShape) })
  }

  /// Repeats along broadcast axes to `target` (NumPy rules). Gradient: sum back to this shape.
  public func broadcast(to target: [Int]) -> Tensor {
    guard StridedLayout.broadcast(shape, target) == target else {
      preconditionFailure("cannot broadcast shape \(shape) to \(target)")
    }
    if target == shape { return self }
    let x = self
    let out = TensorStorage<Scalar>(uninitializedCount: target.reduce(1, *))
    Scalar._copy(storage.pointer, StridedLayout.broadcastStrides(shape, to: target), out.pointer, target)
    return Tensor.recordOp(
      "broadcast", inputs: [x], shape: target, storage: out,
      backward: { g, _ in [g.summed(toShape: x.shape)] },
      forward: { t, _ in t[0]!.broadcast(to: target) })
  }

  /// Sums over the axes along which `shape` was broadcast to this tensor's shape: the one helper
  /// every broadcasting op uses to return gradients shaped like its inputs.
  public func summed(toShape target: [Int]) -> Tensor {
    if target == shape { return self }
    guard StridedLayout.broadcast(target, shape) == shape else {
      preconditionFailure("cannot sum shape \(shape) down to \(target)")
    }
    var result = self
    for _ in 0..<(rank - target.count) { result = result.sum(alongAxis: 0) }
    for axis in 0..<target.count where target[axis] == 1 && result.shape[axis] != 1 {
      result = result.sum(alongAxis: axis, keepingDimension: true)
    }
    return result
  }

  /// Reorders axes: result axis i is this tensor's axis `axes[i]`.
  public func permuted(_ axes: [Int]) -> Tensor {
    precondition(axes.sorted() == Array(0..<rank), "permutation \(axes) for shape \(shape)")
    if axes == Array(0..<rank) { return self }
    let x = self
    let ownStrides = StridedLayout.contiguousStrides(shape)
    let newShape = axes.map { shape[$0] }
    let out = TensorStorage<Scalar>(uninitializedCount: count)
    Scalar._copy(storage.pointer, axes.map { ownStrides[$0] }, out.pointer, newShape)
    var inverse = [Int](repeating: 0, count: rank)
    for (i, a) in axes.enumerated() { inverse[a] = i }
    return Tensor.recordOp(
      "permute", inputs: [x], shape: newShape, storage: out,
      backward: { g, _ in [g.permuted(inverse)] },
      forward: { t, _ in t[0]!.permuted(axes) })
  }

  /// Swaps the last two axes.
  public func transposed() -> Tensor {
    precondition(rank >= 2, "transposed() needs rank >= 2, got shape \(shape)")
    var axes = Array(0..<rank)
    axes.swapAt(rank - 1, rank - 2)
    return permuted(axes)
  }

  /// The elements whose index along `axis` lies in `range`.
  public func slice(alongAxis axis: Int, _ range: Range<Int>) -> Tensor {
    let a = normalizedAxis(axis, "slice")
    precondition(range.lowerBound >= 0 && range.upperBound <= shape[a],
                 "slice \(range) out of bounds for axis \(a) of shape \(shape)")
    if range.count == shape[a] { return self }
    let x = self
    var newShape = shape
    newShape[a] = range.count
    let strides = StridedLayout.contiguousStrides(shape)
    let out = TensorStorage<Scalar>(uninitializedCount: newShape.reduce(1, *))
    if out.count > 0 {
      Scalar._copy(storage.pointer + range.lowerBound * strides[a], strides, out.pointer, newShape)
    }
    return Tensor.recordOp(
      "slice", inputs: [x], shape: newShape, storage: out,
      backward: { g, _ in [g.padded(alongAxis: a, before: range.lowerBound, after: x.shape[a] - range.upperBound)] },
      forward: { t, _ in t[0]!.slice(alongAxis: a, range) })
  }

  /// Pads with zeros along an axis (the adjoint of `slice`, so every sliced tensor's backward
  /// runs it: one buffer, no zero tensors to concatenate).
  public func padded(alongAxis axis: Int, before: Int, after: Int) -> Tensor {
    let a = normalizedAxis(axis, "padded")
    precondition(before >= 0 && after >= 0, "negative padding \(before), \(after)")
    if before == 0 && after == 0 { return self }
    let x = self
    var newShape = shape
    newShape[a] += before + after
    let out = TensorStorage<Scalar>(uninitializedCount: newShape.reduce(1, *))
    let (outer, length, inner) = extents(around: a)
    let (source, target) = (storage.pointer, out.pointer)
    // Each outer block: zeros, this block, zeros; blocks split across cores when large.
    func fill(_ blocks: Range<Int>) {
      for o in blocks {
        let row = target + o * newShape[a] * inner
        row.update(repeating: 0, count: before * inner)
        (row + before * inner).update(from: source + o * length * inner, count: length * inner)
        (row + (before + length) * inner).update(repeating: 0, count: after * inner)
      }
    }
    Parallel.forEachRange(outer, parts: Swift.min(Parallel.threads, outer, out.count / Parallel.minimumChunk), fill)
    return Tensor.recordOp(
      "pad", inputs: [x], shape: newShape, storage: out,
      backward: { g, _ in [g.slice(alongAxis: a, before..<before + x.shape[a])] },
      forward: { t, _ in t[0]!.padded(alongAxis: a, before: before, after: after) })
  }

  /// Joins tensors that agree on every axis but `axis`.
  public static func concatenate(_ parts: [Tensor], alongAxis axis: Int) -> Tensor {
    precondition(!parts.isEmpty, "concatenate of no tensors")
    let first = parts[0]
    let a = first.normalizedAxis(axis, "concatenate")
    for p in parts {
      var s = p.shape, f = first.shape
      guard s.count == f.count else { preconditionFailure("concatenate: shapes \(parts.map(\.shape)) differ in rank") }
      s[a] = 0; f[a] = 0
      precondition(s == f, "concatenate along axis \(a): shapes \(parts.map(\.shape)) differ off that axis")
    }
    var shape = first.shape
    shape[a] = parts.map { $0.shape[a] }.reduce(0, +)
    let out = TensorStorage<Scalar>(uninitializedCount: shape.reduce(1, *))
    let offsets = parts.reduce(into: [0]) { $0.append($0.last! + $1.shape[a]) }
    // Each outer block of a part is one contiguous run inside the output's block.
    func copyBlocks(_ blocks: Range<Int>) {
      for (p, start) in zip(parts, offsets) {
        let (_, length, inner) = p.extents(around: a)
        for o in blocks {
          (out.pointer + (o * shape[a] + start) * inner)
            .update(from: p.storage.pointer + o * length * inner, count: length * inner)
        }
      }
    }
    let outer = first.extents(around: a).outer
    Parallel.forEachRange(outer, parts: Swift.min(Parallel.threads, outer, out.count / Parallel.minimumChunk), copyBlocks)
    return recordOp(
      "concatenate", inputs: parts, shape: shape, storage: out,
      backward: { g, _ in
        parts.indices.map { i in parts[i].requiresGradient ? g.slice(alongAxis: a, offsets[i]..<offsets[i + 1]) : nil }
      },
      forward: { t, _ in
        concatenate(parts.indices.map { i in t[i] ?? .zeros(parts[i].shape) }, alongAxis: a)
      })
  }
}
