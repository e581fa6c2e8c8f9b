// The polarizing drift of DeepGSB's opinion dynamics (mfg/opinion_lib.py, mfg/sde.py), a mean-field
// drift: it depends on the law of the opinions at time t.
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import NCLSupport

/// b(t, x) = s m(t) sign(<x, xi_t>) B_t / sqrt|B_t|,  B_t = E_{y ~ rho_t}[ sign(<y, xi_t>) y / sqrt|y| ],
/// with m(t) = clip(1 - e^{8 (t - T)} + 1e-5, 1e-4, 1)^5 (it switches the drift off near T) and xi_t
/// unit vectors that move like a mean-reverting random walk over DeepGSB's 100 steps per unit of time.
/// DeepGSB draws xi from numpy's stream (seed 4078213); ours comes from `SeededGenerator` with the
/// same seed: another draw of the same law.
public struct OpinionDrift: Sendable {
  public let dimension: Int
  public let horizon: Double
  public let strength: Double
  /// xi at the grid times k T / steps, unit vectors, row-major [steps, D].
  public let directions: [Double]
  public let steps: Int

  public init(dimension d: Int, horizon: Double, strength: Double, seed: UInt64 = 4_078_213) {
    self.dimension = d
    self.horizon = horizon
    self.strength = strength
    steps = Int((100 * horizon).rounded())
    var random = SeededGenerator(seed: seed)
    var xi = (0..<d).map { _ in random.nextNormal() }
    var all: [Double] = []
    for k in 0..<steps {
      if k > 0 { xi = xi.map { $0 - 2 * $0 * 0.01 + 0.4 * 0.1 * random.nextNormal() } }
      let norm = xi.reduce(0) { $0 + $1 * $1 }.squareRoot()
      all += xi.map { $0 / norm }
    }
    directions = all
  }

  /// xi_t (piecewise constant on the grid, as DeepGSB's t_to_idx).
  public func direction(at t: Double) -> ArraySlice<Double> {
    let k = min(max(Int((t / horizon * Double(steps)).rounded(.down)), 0), steps - 1)
    return directions[(k * dimension)..<((k + 1) * dimension)]
  }

  /// m(t).
  public func multiplier(_ t: Double) -> Double {
    pow(min(max(1 - exp(8 * (t - horizon)) + 1e-5, 1e-4), 1), 5)
  }

  /// b at each of n points x (row-major [n, D]) at times t [n], with B_t estimated from the same
  /// points: sample j counts for time t_i with weight exp(-(t_i - t_j)^2 / (2 h^2)), h = `bandwidth`
  /// (the points are samples of rho at their own times). Row-major [n, D].
  public func drift(x: [Double], t: [Double], bandwidth: Double) -> [Double] {
    let d = dimension, n = t.count
    var out = [Double](repeating: 0, count: n * d)
    // y_j / sqrt|y_j|, once.
    var normalized = x
    for j in 0..<n {
      let norm = (0..<d).reduce(0.0) { $0 + x[j * d + $1] * x[j * d + $1] }.squareRoot()
      let factor = norm > 0 ? 1 / norm.squareRoot() : 0
      for k in 0..<d { normalized[j * d + k] *= factor }
    }
    for i in 0..<n {
      let xi = direction(at: t[i])
      var mean = [Double](repeating: 0, count: d), total = 0.0
      for j in 0..<n {
        let w = exp(-(t[i] - t[j]) * (t[i] - t[j]) / (2 * bandwidth * bandwidth))
        guard w > 1e-8 else { continue }
        let agree = Self.sign(x, j, xi, d) * w
        for k in 0..<d { mean[k] += agree * normalized[j * d + k] }
        total += w
      }
      let norm = (mean.reduce(0) { $0 + $1 * $1 }).squareRoot() / total
      guard norm > 0 else { continue }
      let factor = strength * multiplier(t[i]) * Self.sign(x, i, xi, d) / (total * norm.squareRoot())
      for k in 0..<d { out[i * d + k] = factor * mean[k] }
    }
    return out
  }

  /// sign(<x_j, xi>), +1 at 0 (DeepGSB's 2 (inner > 0) - 1 maps 0 to -1; a null set either way).
  static func sign(_ x: [Double], _ j: Int, _ xi: ArraySlice<Double>, _ d: Int) -> Double {
    var s = 0.0
    for k in 0..<d { s += x[j * d + k] * xi[xi.startIndex + k] }
    return s >= 0 ? 1 : -1
  }
}
