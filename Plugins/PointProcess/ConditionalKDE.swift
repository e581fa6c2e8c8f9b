// The conditional kernel density baseline of Neural STPP ("conditional KDE"): each event's
// location is a Gaussian kernel mixture over the locations of the earlier events of its
// sequence, weighted by how recent they are.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// p(x_1) = N(x_1; m0 1, s0^2 I), and for i > 1
///
///     p(x_i | history) = sum_{j<i} w_ij N(x_i; x_j, bandwidth^2 I),  w_ij = softmax_j(-(t_i - t_j) / timescale)
///
/// in D = 2 standardized coordinates. m0 and s0 have closed-form MLEs (the first events alone);
/// the bandwidth and the time scale are fitted by maximum likelihood (Nelder-Mead on their logs).
struct ConditionalKDE: Equatable {
  var firstMean: Double
  var firstStd: Double
  var bandwidth: Double
  var timescale: Double

  /// log p of every event of a sequence given its history, in order.
  func logDensities(_ s: EventSequence) -> [Double] {
    var out: [Double] = []
    out.reserveCapacity(s.count)
    let logNorm2 = -log(2 * Double.pi)
    let (x0, y0) = s.location(0)
    let z0 = ((x0 - firstMean) * (x0 - firstMean) + (y0 - firstMean) * (y0 - firstMean)) / (firstStd * firstStd)
    out.append(logNorm2 - 2 * log(firstStd) - 0.5 * z0)
    let inverseVariance = 1 / (bandwidth * bandwidth), logKernelNorm = logNorm2 - 2 * log(bandwidth)
    var weights: [Double] = [], kernels: [Double] = []
    for i in 1..<max(s.count, 1) {
      let (xi, yi) = s.location(i)
      weights.removeAll(keepingCapacity: true)
      kernels.removeAll(keepingCapacity: true)
      for j in 0..<i {
        let (xj, yj) = s.location(j)
        weights.append(-(s.times[i] - s.times[j]) / timescale)
        kernels.append(-0.5 * ((xi - xj) * (xi - xj) + (yi - yj) * (yi - yj)) * inverseVariance)
      }
      let logZ = logSumExp(weights)
      for j in 0..<i { weights[j] += kernels[j] }
      out.append(logKernelNorm + logSumExp(weights) - logZ)
    }
    return out
  }

  /// Sum of log p over every event of the set.
  func totalLogLikelihood(_ set: EventSet) -> Double {
    set.sequences.reduce(0) { $0 + logDensities($1).reduce(0, +) }
  }

  /// Mean negative log-likelihood per event.
  func negativeLogLikelihoodPerEvent(_ set: EventSet) -> Double {
    -totalLogLikelihood(set) / Double(set.eventCount)
  }

  /// Maximum likelihood on `set` (standardized locations).
  static func fit(_ set: EventSet, iterations: Int = 80) -> ConditionalKDE {
    // First events: one mean and one standard deviation shared by both coordinates.
    var sum = 0.0, n = 0.0
    for s in set.sequences { let (x, y) = s.location(0); sum += x + y; n += 2 }
    let m0 = sum / n
    var sq = 0.0
    for s in set.sequences { let (x, y) = s.location(0); sq += (x - m0) * (x - m0) + (y - m0) * (y - m0) }
    let s0 = max((sq / n).squareRoot(), 1e-6)
    func objective(_ p: [Double]) -> Double {
      let model = ConditionalKDE(firstMean: m0, firstStd: s0, bandwidth: exp(p[0]), timescale: exp(p[1]))
      let v = -model.totalLogLikelihood(set)
      return v.isFinite ? v : .infinity
    }
    let best = nelderMead(objective, start: [log(0.3), log(set.window / 10)], step: 1.0, iterations: iterations)
    return ConditionalKDE(firstMean: m0, firstStd: s0, bandwidth: exp(best[0]), timescale: exp(best[1]))
  }
}

func logSumExp(_ v: [Double]) -> Double {
  guard let m = v.max(), m.isFinite else { return v.max() ?? -.infinity }
  return m + log(v.reduce(0) { $0 + exp($1 - m) })
}

/// Minimizes f by the Nelder-Mead simplex method (standard coefficients).
func nelderMead(_ f: ([Double]) -> Double, start: [Double], step: Double, iterations: Int, tolerance: Double = 1e-7) -> [Double] {
  let n = start.count
  var simplex: [[Double]] = [start]
  for k in 0..<n { var p = start; p[k] += step; simplex.append(p) }
  var values = simplex.map(f)
  for _ in 0..<iterations {
    let order = values.indices.sorted { values[$0] < values[$1] }
    simplex = order.map { simplex[$0] }
    values = order.map { values[$0] }
    if abs(values[n] - values[0]) <= tolerance * max(1, abs(values[0])) { break }
    let centroid = (0..<n).map { k in simplex[0..<n].reduce(0) { $0 + $1[k] } / Double(n) }
    func toward(_ t: Double) -> [Double] { (0..<n).map { centroid[$0] + t * (simplex[n][$0] - centroid[$0]) } }
    let reflected = toward(-1), fr = f(reflected)
    if fr < values[0] {
      let expanded = toward(-2), fe = f(expanded)
      (simplex[n], values[n]) = fe < fr ? (expanded, fe) : (reflected, fr)
    } else if fr < values[n - 1] {
      (simplex[n], values[n]) = (reflected, fr)
    } else {
      let contracted = fr < values[n] ? toward(-0.5) : toward(0.5), fc = f(contracted)
      if fc < min(fr, values[n]) {
        (simplex[n], values[n]) = (contracted, fc)
      } else {
        for i in 1...n {
          simplex[i] = (0..<n).map { simplex[0][$0] + 0.5 * (simplex[i][$0] - simplex[0][$0]) }
          values[i] = f(simplex[i])
        }
      }
    }
  }
  return simplex[values.indices.min { values[$0] < values[$1] }!]
}
