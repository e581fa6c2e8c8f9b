// The element types a Tensor can hold, and the per-type kernels every op runs on.
import COpenBLAS
import RealModule

/// A floating-point element type for `Tensor`: `Float` for training, `Double` for gradient checks.
///
/// Every loop over elements lives behind one of these requirements, so that the loops are
/// compiled for `Float` and `Double` concretely even when a caller in another module uses
/// `Tensor<Scalar>` generically. The default implementations (in `Kernels.swift`) are generic;
/// the conformances below only override what is faster for one type (BLAS, fast `Float` math).
public protocol TensorScalar: BinaryFloatingPoint, Real, Sendable, CustomStringConvertible
where Self.RawSignificand: FixedWidthInteger {
  /// Human-readable type name used in messages and benchmark output ("Float32", "Float64").
  static var typeName: String { get }

  /// y[i] = op(x[i]) for i in 0..<count; `x` and `y` may alias.
  static func _unary(_ op: UnaryKernel, _ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>, _ count: Int)

  /// out = op(a, b) over `shape`, reading `a` and `b` through element strides (0 = broadcast).
  static func _binary(
    _ op: BinaryKernel, _ a: UnsafePointer<Self>, _ aStrides: [Int],
    _ b: UnsafePointer<Self>, _ bStrides: [Int], _ out: UnsafeMutablePointer<Self>, _ shape: [Int])

  /// out[contiguous] = x[strided] over `shape`.
  static func _copy(_ x: UnsafePointer<Self>, _ strides: [Int], _ out: UnsafeMutablePointer<Self>, _ shape: [Int])

  /// Reduces the middle axis of an (outer, length, inner) view.
  static func _reduce(
    _ op: ReduceKernel, _ x: UnsafePointer<Self>, _ outer: Int, _ length: Int, _ inner: Int,
    _ y: UnsafeMutablePointer<Self>)

  /// Cumulative sum along the middle axis of an (outer, length, inner) view.
  static func _cumsum(
    _ x: UnsafePointer<Self>, _ outer: Int, _ length: Int, _ inner: Int, reverse: Bool, exclusive: Bool,
    _ y: UnsafeMutablePointer<Self>)

  /// out[i] = condition[i] != 0 ? a[i] : b[i]
  static func _select(
    _ condition: UnsafePointer<Self>, _ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>,
    _ out: UnsafeMutablePointer<Self>, _ count: Int)

  /// C = alpha op(A) op(B) + beta C, row-major (CBLAS).
  static func _gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Self,
    _ a: UnsafePointer<Self>, lda: Int, _ b: UnsafePointer<Self>, ldb: Int, beta: Self,
    _ c: UnsafeMutablePointer<Self>, ldc: Int)
}

extension Float: TensorScalar {
  public static var typeName: String { "Float32" }

  public static func _unary(_ op: UnaryKernel, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int) {
    let fast = FastMath.function(for: op) != nil
    Parallel.forEachChunk(count) { start, n in
      if fast {
        FastMath.apply(op, x + start, y + start, count: n)
      } else {
        Kernels.unary(op, x + start, y + start, n)
      }
    }
  }

  public static func _gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int, beta: Float,
    _ c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    cblas_sgemm(
      CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
      Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }
}

extension Double: TensorScalar {
  public static var typeName: String { "Float64" }

  /// Double is the gradient-check type: it keeps libm accuracy rather than fast approximations.
  public static func _unary(_ op: UnaryKernel, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ count: Int) {
    Parallel.forEachChunk(count) { start, n in Kernels.unary(op, x + start, y + start, n) }
  }

  public static func _gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double,
    _ a: UnsafePointer<Double>, lda: Int, _ b: UnsafePointer<Double>, ldb: Int, beta: Double,
    _ c: UnsafeMutablePointer<Double>, ldc: Int
  ) {
    cblas_dgemm(
      CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
      Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }
}
