// Matrix products through BLAS, and the fused affine layer of a network.

extension Tensor {
  /// op(a) op(b) for rank-2 tensors, op = transpose where asked, without materializing transposes.
  public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
    precondition(a.rank == 2 && b.rank == 2, "matmul needs rank-2 tensors, got \(a.shape) and \(b.shape)")
    let (m, k) = transposeA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
    let (kb, n) = transposeB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
    precondition(k == kb, "matmul: inner dimensions differ: \(a.shape)\(transposeA ? "ᵀ" : "") x \(b.shape)\(transposeB ? "ᵀ" : "")")
    let out = TensorStorage<Scalar>(uninitializedCount: m * n)
    gemm(a, transposeA, b, transposeB, into: out, m: m, n: n, k: k, accumulate: false)
    return recordOp(
      "matmul", inputs: [a, b], shape: [m, n], storage: out,
      backward: { g, _ in [
        !a.requiresGradient ? nil
          : transposeA ? matmul(b, g, transposeA: transposeB, transposeB: true)
          : matmul(g, b, transposeB: !transposeB),
        !b.requiresGradient ? nil
          : transposeB ? matmul(g, a, transposeA: true, transposeB: transposeA)
          : matmul(a, g, transposeA: !transposeA),
      ] },
      forward: { t, _ in
        sumOfTangents(
          t[0].map { matmul($0, b, transposeA: transposeA, transposeB: transposeB) },
          t[1].map { matmul(a, $0, transposeA: transposeA, transposeB: transposeB) }, shape: [m, n])
      })
  }

  /// C (+)= op(a) op(b) through the scalar type's BLAS gemm.
  static func gemm(
    _ a: Tensor, _ transposeA: Bool, _ b: Tensor, _ transposeB: Bool, into c: TensorStorage<Scalar>,
    m: Int, n: Int, k: Int, accumulate: Bool
  ) {
    if m == 0 || n == 0 { return }
    if k == 0 {
      if !accumulate { c.pointer.update(repeating: 0, count: m * n) }
      return
    }
    _ = BLAS.prepared
    let (lda, ldb) = (a.shape[1], b.shape[1])
    let (pa, pb, pc) = (a.storage.pointer, b.storage.pointer, c.pointer)
    let beta: Scalar = accumulate ? 1 : 0
    if k >= 8 * Swift.max(m, n) {
      // A long inner dimension (a weight gradient: the sum over a batch): each core sums its
      // share of k, so that no core packs all of the long operands; the partial products are
      // added at the end (m n elements, small next to the product).
      let blocks = Swift.min(Parallel.threads, m * n * k / Parallel.minimumBlockWork)
      if blocks > 1 {
        let partials = UnsafeMutablePointer<Scalar>.allocate(capacity: (blocks - 1) * m * n)
        defer { partials.deallocate() }
        Parallel.run(blocks: blocks) { c in
          let start = k * c / blocks, count = k * (c + 1) / blocks - start
          Scalar._gemm(
            transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: count, alpha: 1,
            pa + (transposeA ? start * lda : start), lda: lda, pb + (transposeB ? start : start * ldb), ldb: ldb,
            beta: c == 0 ? beta : 0, c == 0 ? pc : partials + (c - 1) * m * n, ldc: n)
        }
        for c in 1..<blocks {
          let partial = partials + (c - 1) * m * n
          for i in 0..<m * n { pc[i] += partial[i] }
        }
        return
      }
    }
    // Blocks of C's rows (or columns, when C is wide) on separate cores; each block reads
    // its rows of op(a) (or columns of op(b)) in place through the leading dimension.
    Parallel.forEachBlock(m >= n ? m : n, work: m * n * k) { start, count in
      if m >= n {
        Scalar._gemm(
          transposeA: transposeA, transposeB: transposeB, m: count, n: n, k: k, alpha: 1,
          pa + (transposeA ? start : start * lda), lda: lda, pb, ldb: ldb, beta: beta, pc + start * n, ldc: n)
      } else {
        Scalar._gemm(
          transposeA: transposeA, transposeB: transposeB, m: m, n: count, k: k, alpha: 1,
          pa, lda: lda, pb + (transposeB ? start * ldb : start), ldb: ldb, beta: beta, pc + start, ldc: n)
      }
    }
  }

  /// x wᵀ + bias for x [batch, in], w [out, in], bias [out]: one gemm on top of the broadcast bias.
  public static func linear(_ x: Tensor, weight w: Tensor, bias: Tensor?) -> Tensor {
    precondition(x.rank == 2 && w.rank == 2 && x.shape[1] == w.shape[1],
                 "linear: input \(x.shape) does not fit weight \(w.shape) ([out, in])")
    let (batch, outFeatures) = (x.shape[0], w.shape[0])
    guard let bias else { return matmul(x, w, transposeB: true) }
    precondition(bias.shape == [outFeatures], "linear: bias \(bias.shape) for weight \(w.shape)")
    let out = TensorStorage<Scalar>(uninitializedCount: batch * outFeatures)
    Scalar._copy(bias.storage.pointer, [0, 1], out.pointer, [batch, outFeatures])
    gemm(x, false, w, true, into: out, m: batch, n: outFeatures, k: x.shape[1], accumulate: true)
    return recordOp(
      "linear", inputs: [x, w, bias], shape: [batch, outFeatures], storage: out,
      backward: { g, _ in [
        x.requiresGradient ? matmul(g, w) : nil,
        w.requiresGradient ? matmul(g, x, transposeA: true) : nil,
        bias.requiresGradient ? g.sum(alongAxis: 0) : nil,
      ] },
      forward: { t, _ in
        let products = sumOfTangents(
          t[0].map { matmul($0, w, transposeB: true) }, t[1].map { matmul(x, $0, transposeB: true) },
          shape: [batch, outFeatures])
        return sumOfTangents(products, t[2], shape: [batch, outFeatures])
      })
  }
}
