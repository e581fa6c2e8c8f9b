// The Cholesky factor of a small symmetric positive definite matrix: the geodesic's Jacobians.
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A = L L^T with L lower triangular (row-major [D * D]), for the D x D Jacobians of the geodesic
/// population's map (symmetric positive definite because phi is convex): their log-determinant
/// gives its exact density, and solving with them inverts the map (`OTGeodesic`).
struct CholeskyFactor {
  let dimension: Int
  let lower: [Double]

  /// Fails (precondition) if a pivot is not positive: the matrix is not positive definite.
  init(_ a: [Double], dimension d: Int) {
    var l = [Double](repeating: 0, count: d * d)
    for j in 0..<d {
      var pivot = a[j * d + j]
      for k in 0..<j { pivot -= l[j * d + k] * l[j * d + k] }
      precondition(pivot > 0, "CholeskyFactor: the matrix is not positive definite")
      l[j * d + j] = pivot.squareRoot()
      for i in (j + 1)..<d {
        var entry = a[i * d + j]
        for k in 0..<j { entry -= l[i * d + k] * l[j * d + k] }
        l[i * d + j] = entry / l[j * d + j]
      }
    }
    dimension = d
    lower = l
  }

  /// log det A: twice the sum of the logs of L's diagonal.
  var logDeterminant: Double { 2 * (0..<dimension).reduce(0) { $0 + log(lower[$1 * dimension + $1]) } }

  /// A^-1 b, by forward then back substitution.
  func solve(_ b: [Double]) -> [Double] {
    let (d, l) = (dimension, lower)
    var y = b
    for i in 0..<d {
      for k in 0..<i { y[i] -= l[i * d + k] * y[k] }
      y[i] /= l[i * d + i]
    }
    for i in stride(from: d - 1, through: 0, by: -1) {
      for k in (i + 1)..<d { y[i] -= l[k * d + i] * y[k] }
      y[i] /= l[i * d + i]
    }
    return y
  }
}
