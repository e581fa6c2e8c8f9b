// Sample moments of row-major point sets.

enum Statistics {
  /// Per-coordinate mean and standard deviation of row-major [n, D] points.
  static func moments(_ points: [Double], dimension d: Int) -> (mean: [Double], std: [Double]) {
    let (mean, covariance) = meanAndCovariance(points, dimension: d)
    return (mean, (0..<d).map { covariance[$0 * d + $0].squareRoot() })
  }

  /// Mean [D] and covariance [D * D] (row-major, divided by n - 1).
  static func meanAndCovariance(_ points: [Double], dimension d: Int) -> (mean: [Double], covariance: [Double]) {
    let n = points.count / d
    var mean = [Double](repeating: 0, count: d)
    for i in 0..<n { for k in 0..<d { mean[k] += points[i * d + k] } }
    for k in 0..<d { mean[k] /= Double(max(n, 1)) }
    var covariance = [Double](repeating: 0, count: d * d)
    for i in 0..<n {
      for a in 0..<d {
        let da = points[i * d + a] - mean[a]
        for b in 0..<d { covariance[a * d + b] += da * (points[i * d + b] - mean[b]) }
      }
    }
    for k in 0..<(d * d) { covariance[k] /= Double(max(n - 1, 1)) }
    return (mean, covariance)
  }

  /// Euclidean norm.
  static func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }

  /// Mean of |a_i - b_i|^2 over rows of two row-major [n, D] point sets.
  static func meanSquaredDistance(_ a: [Double], _ b: [Double], dimension d: Int) -> Double {
    let n = min(a.count, b.count) / d
    var total = 0.0
    for i in 0..<(n * d) { total += (a[i] - b[i]) * (a[i] - b[i]) }
    return total / Double(max(n, 1))
  }

  /// Mean of |a_i - b_i| over rows of two row-major [n, D] point sets.
  static func meanDistance(_ a: [Double], _ b: [Double], dimension d: Int) -> Double {
    let n = min(a.count, b.count) / d
    let total = (0..<n).reduce(0.0) { sum, i in sum + norm(Array(zip(a[(i * d)..<(i * d + d)], b[(i * d)..<(i * d + d)]).map { $0 - $1 })) }
    return total / Double(max(n, 1))
  }
}
