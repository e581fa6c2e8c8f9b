// Synthetic data: multivariate Hawkes processes simulated by thinning, and the Pinwheel data set
// (Neural STPP): a 10-class Hawkes process whose classes place their events on the arms of a
// 10-arm pinwheel.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NCLSupport

extension SeededGenerator {
  /// Exponential with rate `rate` (mean 1 / rate), by inversion.
  mutating func nextExponential(rate: Double) -> Double { -log(nextUniform()) / rate }
}

/// A multivariate Hawkes process with exponential kernels:
/// lambda_c(t) = mu_c + sum_{t_j < t} alpha[c][class_j] * beta * exp(-beta (t - t_j)),
/// so alpha[c][d] is the expected number of class-c children of one class-d event.
struct MultivariateHawkes {
  var mu: [Double]
  var alpha: [[Double]]
  var beta: Double

  var classes: Int { mu.count }

  /// Ogata's thinning on [0, window]: between events the total intensity only decays, so its
  /// value just after the last accepted event bounds it until the next one.
  func simulate(window: Double, using rng: inout SeededGenerator) -> [(time: Double, mark: Int)] {
    var events: [(time: Double, mark: Int)] = []
    // excitation[c] = sum_j alpha[c][class_j] beta exp(-beta (t - t_j)) at time `now`.
    var excitation = [Double](repeating: 0, count: classes)
    var now = 0.0
    while true {
      let bound = mu.reduce(0, +) + excitation.reduce(0, +)
      let candidate = now + rng.nextExponential(rate: bound)
      if candidate > window { break }
      let decay = exp(-beta * (candidate - now))
      for c in 0..<classes { excitation[c] *= decay }
      now = candidate
      let rates = (0..<classes).map { mu[$0] + excitation[$0] }
      var u = rng.nextUniform() * bound
      var mark = -1
      for c in 0..<classes {
        if u < rates[c] { mark = c; break }
        u -= rates[c]
      }
      guard mark >= 0 else { continue }  // thinned away
      events.append((now, mark))
      for c in 0..<classes { excitation[c] += alpha[c][mark] * beta }
    }
    return events
  }
}

/// The Pinwheel data set of Neural STPP.
enum Pinwheel {
  static let classes = 10
  static let baseRate = 0.05
  static let excitation = 0.6
  static let decay = 10.0
  static let window = 30.0

  /// Class c excites class c + 1 (mod 10) with branching ratio 0.6.
  static var process: MultivariateHawkes {
    var alpha = [[Double]](repeating: [Double](repeating: 0, count: classes), count: classes)
    for c in 0..<classes { alpha[(c + 1) % classes][c] = excitation }
    return MultivariateHawkes(mu: [Double](repeating: baseRate, count: classes), alpha: alpha, beta: decay)
  }

  /// A point on arm `c`: radial r ~ N(1, 0.3^2), tangential s ~ N(0, 0.1^2), turned by
  /// 2 pi c / 10 + 0.25 exp(r), scaled by 2.
  static func location(arm c: Int, using rng: inout SeededGenerator) -> (Double, Double) {
    let r = 1 + 0.3 * rng.nextNormal(), s = 0.1 * rng.nextNormal()
    let angle = 2 * Double.pi * Double(c) / Double(classes) + 0.25 * exp(r)
    return (2 * (r * cos(angle) + s * sin(angle)), 2 * (-r * sin(angle) + s * cos(angle)))
  }

  /// `count` sequences on [0, 30], reproducible from `seed`.
  static func generate(sequences count: Int, seed: UInt64) -> EventSet {
    var rng = SeededGenerator(seed: seed)
    let hawkes = process
    var sequences: [EventSequence] = []
    while sequences.count < count {
      let events = hawkes.simulate(window: window, using: &rng)
      if events.isEmpty { continue }  // an empty window carries no events to model
      var locations: [Double] = []
      for e in events {
        let (x, y) = location(arm: e.mark, using: &rng)
        locations += [x, y]
      }
      sequences.append(EventSequence(id: sequences.count, times: events.map(\.time), locations: locations))
    }
    return EventSet(sequences: sequences, window: window)
  }
}
