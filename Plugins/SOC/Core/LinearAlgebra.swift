// Small dense linear algebra in Double for the exact solutions (d <= a few dozen).
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A dense row-major n x m matrix.
struct Matrix: Equatable {
  let rows: Int
  let columns: Int
  var values: [Double]

  init(rows: Int, columns: Int, values: [Double]) {
    precondition(values.count == rows * columns)
    (self.rows, self.columns, self.values) = (rows, columns, values)
  }

  init(zeros n: Int, _ m: Int) { self.init(rows: n, columns: m, values: Array(repeating: 0, count: n * m)) }

  static func identity(_ n: Int, scale: Double = 1) -> Matrix {
    var m = Matrix(zeros: n, n)
    for i in 0..<n { m[i, i] = scale }
    return m
  }

  static func diagonal(_ d: [Double]) -> Matrix {
    var m = Matrix(zeros: d.count, d.count)
    for i in 0..<d.count { m[i, i] = d[i] }
    return m
  }

  subscript(i: Int, j: Int) -> Double {
    get { values[i * columns + j] }
    set { values[i * columns + j] = newValue }
  }

  var transposed: Matrix {
    var t = Matrix(zeros: columns, rows)
    for i in 0..<rows { for j in 0..<columns { t[j, i] = self[i, j] } }
    return t
  }

  var trace: Double { (0..<min(rows, columns)).reduce(0) { $0 + self[$1, $1] } }

  /// Frobenius norm.
  var norm: Double { values.reduce(0) { $0 + $1 * $1 }.squareRoot() }

  /// The largest absolute row sum (the infinity norm).
  var maxRowSum: Double { (0..<rows).map { i in (0..<columns).reduce(0) { $0 + Swift.abs(self[i, $1]) } }.max() ?? 0 }

  static func * (a: Matrix, b: Matrix) -> Matrix {
    precondition(a.columns == b.rows)
    var c = Matrix(zeros: a.rows, b.columns)
    for i in 0..<a.rows {
      for k in 0..<a.columns {
        let aik = a[i, k]
        if aik == 0 { continue }
        for j in 0..<b.columns { c.values[i * b.columns + j] += aik * b.values[k * b.columns + j] }
      }
    }
    return c
  }

  static func * (a: Matrix, x: [Double]) -> [Double] {
    precondition(a.columns == x.count)
    return (0..<a.rows).map { i in (0..<a.columns).reduce(0) { $0 + a[i, $1] * x[$1] } }
  }

  static func + (a: Matrix, b: Matrix) -> Matrix { Matrix(rows: a.rows, columns: a.columns, values: zip(a.values, b.values).map(+)) }
  static func - (a: Matrix, b: Matrix) -> Matrix { Matrix(rows: a.rows, columns: a.columns, values: zip(a.values, b.values).map(-)) }
  static func * (s: Double, a: Matrix) -> Matrix { Matrix(rows: a.rows, columns: a.columns, values: a.values.map { s * $0 }) }

  /// The inverse by Gauss-Jordan elimination with partial pivoting; nil when singular.
  var inverse: Matrix? {
    precondition(rows == columns)
    let n = rows
    var a = self, inv = Matrix.identity(n)
    for col in 0..<n {
      var pivot = col
      for r in col..<n where Swift.abs(a[r, col]) > Swift.abs(a[pivot, col]) { pivot = r }
      guard Swift.abs(a[pivot, col]) > 1e-300 else { return nil }
      if pivot != col {
        for j in 0..<n {
          a.values.swapAt(col * n + j, pivot * n + j)
          inv.values.swapAt(col * n + j, pivot * n + j)
        }
      }
      let p = a[col, col]
      for j in 0..<n { a[col, j] /= p; inv[col, j] /= p }
      for r in 0..<n where r != col {
        let factor = a[r, col]
        if factor == 0 { continue }
        for j in 0..<n { a[r, j] -= factor * a[col, j]; inv[r, j] -= factor * inv[col, j] }
      }
    }
    return inv
  }

  /// exp(self) by scaling and squaring with a degree-18 Taylor polynomial (ample in Double once
  /// the scaled norm is below 1/2).
  var exponential: Matrix {
    precondition(rows == columns)
    let norm = maxRowSum
    var squarings = 0
    if norm > 0.5 { squarings = Int(ceil(log2(norm / 0.5))) }
    let scaled = (1 / pow(2, Double(squarings))) * self
    var term = Matrix.identity(rows), sum = Matrix.identity(rows)
    for k in 1...18 {
      term = (1 / Double(k)) * (term * scaled)
      sum = sum + term
    }
    for _ in 0..<squarings { sum = sum * sum }
    return sum
  }

  /// Eigenvalues and orthonormal eigenvectors (columns) of a symmetric matrix, by cyclic Jacobi.
  var symmetricEigen: (values: [Double], vectors: Matrix) {
    precondition(rows == columns)
    let n = rows
    var a = self, v = Matrix.identity(n)
    for _ in 0..<100 {
      var off = 0.0
      for i in 0..<n { for j in (i + 1)..<n { off += a[i, j] * a[i, j] } }
      if off < 1e-30 * max(1, a.norm * a.norm) { break }
      for p in 0..<n {
        for q in (p + 1)..<n where a[p, q] != 0 {
          let theta = (a[q, q] - a[p, p]) / (2 * a[p, q])
          let t = (theta >= 0 ? 1 : -1) / (Swift.abs(theta) + (theta * theta + 1).squareRoot())
          let c = 1 / (t * t + 1).squareRoot(), s = t * c
          for k in 0..<n {
            let akp = a[k, p], akq = a[k, q]
            a[k, p] = c * akp - s * akq
            a[k, q] = s * akp + c * akq
          }
          for k in 0..<n {
            let apk = a[p, k], aqk = a[q, k]
            a[p, k] = c * apk - s * aqk
            a[q, k] = s * apk + c * aqk
          }
          for k in 0..<n {
            let vkp = v[k, p], vkq = v[k, q]
            v[k, p] = c * vkp - s * vkq
            v[k, q] = s * vkp + c * vkq
          }
        }
      }
    }
    return ((0..<n).map { a[$0, $0] }, v)
  }

  /// The symmetric positive semi-definite square root (negative eigenvalues from rounding clipped to 0).
  var symmetricSquareRoot: Matrix {
    let (lambda, v) = symmetricEigen
    let root = Matrix.diagonal(lambda.map { max($0, 0).squareRoot() })
    return v * root * v.transposed
  }
}

/// Squared W2 distance between N(m1, S1) and N(m2, S2):
/// |m1 - m2|^2 + tr(S1 + S2 - 2 (S1^1/2 S2 S1^1/2)^1/2).
func gaussianW2Squared(mean1: [Double], covariance1: Matrix, mean2: [Double], covariance2: Matrix) -> Double {
  let shift = zip(mean1, mean2).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
  let r = covariance1.symmetricSquareRoot
  let cross = (r * covariance2 * r).symmetricSquareRoot
  return max(shift + covariance1.trace + covariance2.trace - 2 * cross.trace, 0)
}

/// Sample mean and (unbiased) covariance of n points of dimension d, row-major.
func meanAndCovariance(_ points: [Double], dimension d: Int) -> (mean: [Double], covariance: Matrix) {
  let n = points.count / d
  var mean = [Double](repeating: 0, count: d)
  for i in 0..<n { for k in 0..<d { mean[k] += points[i * d + k] } }
  mean = mean.map { $0 / Double(n) }
  var c = Matrix(zeros: d, d)
  for i in 0..<n {
    for a in 0..<d {
      let da = points[i * d + a] - mean[a]
      for b in a..<d { c[a, b] += da * (points[i * d + b] - mean[b]) }
    }
  }
  for a in 0..<d { for b in a..<d { c[a, b] /= Double(max(n - 1, 1)); c[b, a] = c[a, b] } }
  return (mean, c)
}
