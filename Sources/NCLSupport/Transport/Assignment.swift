// Exact optimal assignment (Hungarian algorithm) and the Wasserstein distances it gives
// (DynamicalOT's metrics and displacement interpolation, GenerativeFM's minibatch-OT coupling and sample W2).

/// Exact minimum-cost perfect matching between two equal-size point sets, so discrete W1 and W2
/// between empirical measures are exact (not entropic or sliced approximations).
public enum Assignment {
  /// The column assigned to each row of the n x n cost matrix (row-major) minimizing the total
  /// cost: the shortest-augmenting-path Hungarian algorithm with potentials, O(n^3) time and
  /// O(n^2) memory (n = 2000: a few seconds in a release build). Every cost must be finite.
  public static func solve(cost: [Double], n: Int) -> [Int] {
    precondition(cost.count == n * n, "Assignment.solve: \(cost.count) costs for n = \(n)")
    if n == 0 { return [] }
    // 1-based rows and columns; column 0 is the virtual start of each augmenting path.
    var u = [Double](repeating: 0, count: n + 1), v = [Double](repeating: 0, count: n + 1)
    var owner = [Int](repeating: 0, count: n + 1), way = [Int](repeating: 0, count: n + 1)
    var minimum = [Double](repeating: 0, count: n + 1)
    var used = [Bool](repeating: false, count: n + 1)
    cost.withUnsafeBufferPointer { a in
      for row in 1...n {
        owner[0] = row
        var j0 = 0
        for j in 0...n { minimum[j] = .infinity; used[j] = false }
        repeat {
          used[j0] = true
          let i0 = owner[j0]
          var delta = Double.infinity, j1 = 0
          let base = (i0 - 1) * n - 1, ui = u[i0]
          for j in 1...n where !used[j] {
            let current = a[base + j] - ui - v[j]
            if current < minimum[j] { minimum[j] = current; way[j] = j0 }
            if minimum[j] < delta { delta = minimum[j]; j1 = j }
          }
          for j in 0...n {
            if used[j] { u[owner[j]] += delta; v[j] -= delta } else { minimum[j] -= delta }
          }
          j0 = j1
        } while owner[j0] != 0
        repeat {
          let j1 = way[j0]
          owner[j0] = owner[j1]
          j0 = j1
        } while j0 != 0
      }
    }
    var assignment = [Int](repeating: 0, count: n)
    for j in 1...n { assignment[owner[j] - 1] = j - 1 }
    return assignment
  }

  /// The n x n cost matrix |a_i - b_j|^p (p = 1 or 2) between the first n rows of two row-major
  /// [n, D] point sets, n the smaller count.
  public static func costs(_ a: [Double], _ b: [Double], dimension d: Int, p: Int) -> (cost: [Double], n: Int) {
    let n = min(a.count, b.count) / d
    precondition(p == 1 || p == 2, "Assignment: p must be 1 or 2")
    var cost = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
      for j in 0..<n {
        var s = 0.0
        for k in 0..<d { let e = a[i * d + k] - b[j * d + k]; s += e * e }
        cost[i * n + j] = p == 2 ? s : s.squareRoot()
      }
    }
    return (cost, n)
  }

  /// Discrete Wasserstein distance W_p (p = 1 or 2) between two row-major [n, D] point sets of
  /// the same size: (min over matchings of the mean |a_i - b_sigma(i)|^p)^(1/p). Infinity when a
  /// distance is not finite (a diverged model), which the assignment could not rank.
  public static func wasserstein(_ a: [Double], _ b: [Double], dimension d: Int, p: Int) -> Double {
    let (cost, n) = costs(a, b, dimension: d, p: p)
    guard cost.allSatisfy(\.isFinite) else { return .infinity }
    let matching = solve(cost: cost, n: n)
    var total = 0.0
    for i in 0..<n { total += cost[i * n + matching[i]] }
    let mean = total / Double(max(n, 1))
    return p == 2 ? mean.squareRoot() : mean
  }

  /// McCann's displacement interpolation of two empirical measures at fraction s in [0, 1]: the
  /// points (1 - s) a_i + s b_sigma(i) for the W2-optimal matching sigma (the first n rows of each,
  /// n the smaller count). The naive predictor of a snapshot between two others.
  public static func displacementInterpolation(_ a: [Double], _ b: [Double], dimension d: Int, fraction s: Double) -> [Double] {
    let (cost, n) = costs(a, b, dimension: d, p: 2)
    let matching = solve(cost: cost, n: n)
    var points = [Double](repeating: 0, count: n * d)
    for i in 0..<n {
      for k in 0..<d { points[i * d + k] = (1 - s) * a[i * d + k] + s * b[matching[i] * d + k] }
    }
    return points
  }
}
