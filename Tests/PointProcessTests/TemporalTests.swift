// Temporal point processes: Poisson and exponential Hawkes log-likelihoods against closed forms,
// the compensator against quadrature, the gradient against central differences, maximum
// likelihood against known parameters, and the Hawkes simulators.
import XCTest
@testable import PointProcess
import NCLSupport

final class TemporalTests: XCTestCase {
  func testPoissonLikelihoodIsTheClosedForm() {
    let p = PoissonProcess(rate: 1.7)
    let times = [0.5, 1.25, 4.0, 9.5]
    XCTAssertEqual(p.logLikelihood(times: times, window: 10), 4 * log(1.7) - 17, accuracy: 1e-12)
    XCTAssertEqual(p.logLikelihood(times: [], window: 10), -17, accuracy: 1e-12)
    // The MLE is events per unit time.
    let set = EventSet(sequences: [
      EventSequence(id: 0, times: [1, 2, 3], locations: [0, 0, 0, 0, 0, 0]),
      EventSequence(id: 1, times: [5], locations: [0, 0]),
    ], window: 10)
    XCTAssertEqual(PoissonProcess.fit(set).rate, 4.0 / 20, accuracy: 1e-15)
  }

  func testHawkesLikelihoodIsTheClosedForm() {
    // Two events at 1 and 2 on [0, 3]:
    // lambda(1) = mu, lambda(2) = mu + alpha beta e^-beta,
    // Lambda(3) = 3 mu + alpha (1 - e^-2beta) + alpha (1 - e^-beta).
    let (mu, alpha, beta) = (0.4, 0.7, 1.3)
    let h = HawkesProcess(mu: mu, alpha: alpha, beta: beta)
    let expected = log(mu) + log(mu + alpha * beta * exp(-beta)) - (3 * mu + alpha * (1 - exp(-2 * beta)) + alpha * (1 - exp(-beta)))
    XCTAssertEqual(h.logLikelihood(times: [1, 2], window: 3), expected, accuracy: 1e-12)
    // No events: only the baseline's compensator.
    XCTAssertEqual(h.logLikelihood(times: [], window: 3), -3 * mu, accuracy: 1e-12)
  }

  /// The O(n) recursion equals the O(n^2) definition, and the closed-form compensator equals the
  /// integral of the intensity by quadrature.
  func testHawkesRecursionAndCompensatorMatchTheirDefinitions() {
    var rng = SeededGenerator(seed: 7)
    let h = HawkesProcess(mu: 0.3, alpha: 0.8, beta: 2.5)
    let window = 20.0
    let times = (0..<40).map { _ in rng.nextUniform() * window }.sorted()
    let intensities = h.intensities(times: times)
    for (i, t) in times.enumerated() {
      let direct = h.mu + times[..<i].reduce(0) { $0 + h.alpha * h.beta * exp(-h.beta * (t - $1)) }
      XCTAssertEqual(intensities[i], direct, accuracy: 1e-10 * direct)
    }
    // Simpson's rule on each stretch between events, where the intensity is smooth.
    let bounds = [0] + times + [window]
    var integral = 0.0
    for k in 0..<(bounds.count - 1) where bounds[k + 1] > bounds[k] {
      let (a, b) = (bounds[k], bounds[k + 1]), past = times.filter { $0 <= a }
      let intensity = { (t: Double) in h.mu + past.reduce(0) { $0 + h.alpha * h.beta * exp(-h.beta * (t - $1)) } }
      let n = 200, step = (b - a) / Double(n)
      var sum = intensity(a) + intensity(b)
      for i in 1..<n { sum += (i % 2 == 1 ? 4 : 2) * intensity(a + Double(i) * step) }
      integral += sum * step / 3
    }
    XCTAssertEqual(h.compensator(times: times, window: window), integral, accuracy: 1e-8)
  }

  func testHawkesGradientMatchesCentralDifferences() {
    let times = [0.3, 0.9, 1.0, 2.5, 2.6, 2.65, 7.0, 8.8]
    let h = HawkesProcess(mu: 0.5, alpha: 0.6, beta: 3)
    let (value, gradient) = h.logLikelihoodAndGradient(times: times, window: 10)
    XCTAssertEqual(value, h.logLikelihood(times: times, window: 10), accuracy: 1e-12)
    let e = 1e-6
    for k in 0..<3 {
      var plus = [h.mu, h.alpha, h.beta], minus = plus
      plus[k] += e
      minus[k] -= e
      let f = { (p: [Double]) in HawkesProcess(mu: p[0], alpha: p[1], beta: p[2]).logLikelihood(times: times, window: 10) }
      XCTAssertEqual(gradient[k], (f(plus) - f(minus)) / (2 * e), accuracy: 1e-6, "parameter \(k)")
    }
  }

  /// Maximum likelihood on data simulated from a known Hawkes process recovers its parameters,
  /// and on a Poisson process (alpha = 0) finds no excitation.
  func testHawkesMaximumLikelihoodRecoversTheParameters() {
    let truth = MultivariateHawkes(mu: [0.5], alpha: [[0.5]], beta: 2)
    var rng = SeededGenerator(seed: 11)
    let set = EventSet(sequences: (0..<300).map { k in
      let times = truth.simulate(window: 30, using: &rng).map(\.time)
      return EventSequence(id: k, times: times, locations: [Double](repeating: 0, count: 2 * times.count))
    }, window: 30)
    // Stationary rate mu / (1 - alpha) = 1, minus the start-up transient.
    XCTAssertEqual(Double(set.eventCount) / (300 * 30), 1, accuracy: 0.08)
    let fit = HawkesProcess.fit(set)
    XCTAssertEqual(fit.mu, 0.5, accuracy: 0.06)
    XCTAssertEqual(fit.alpha, 0.5, accuracy: 0.05)
    XCTAssertEqual(fit.beta, 2, accuracy: 0.3)
    // The fit is a maximum: the gradient vanishes there and the truth is no better.
    let (best, gradient) = fit.totalLogLikelihoodAndGradient(set)
    XCTAssertLessThan(abs(gradient[0] * fit.mu) + abs(gradient[1] * fit.alpha) + abs(gradient[2] * fit.beta), 1e-3)
    XCTAssertGreaterThanOrEqual(best, HawkesProcess(mu: 0.5, alpha: 0.5, beta: 2).totalLogLikelihoodAndGradient(set).value)

    let poisson = MultivariateHawkes(mu: [1.2], alpha: [[0]], beta: 1)
    let flat = EventSet(sequences: (0..<100).map { k in
      let times = poisson.simulate(window: 30, using: &rng).map(\.time)
      return EventSequence(id: k, times: times, locations: [Double](repeating: 0, count: 2 * times.count))
    }, window: 30)
    XCTAssertEqual(PoissonProcess.fit(flat).rate, 1.2, accuracy: 0.05)
    let hawkes = HawkesProcess.fit(flat)
    XCTAssertLessThan(hawkes.alpha, 0.05)
    XCTAssertEqual(hawkes.mu, 1.2, accuracy: 0.08)
  }

  /// The Pinwheel generator: 10 classes, class c exciting c + 1 with branching 0.6, decay 10,
  /// baseline 0.05 each; the univariate Hawkes fit of its times sees the total baseline 0.5,
  /// branching 0.6 and decay 10.
  func testPinwheelGenerator() {
    let set = Pinwheel.generate(sequences: 300, seed: 5)
    XCTAssertEqual(set.sequences.count, 300)
    XCTAssertEqual(set.window, 30)
    for s in set.sequences {
      XCTAssertEqual(s.times, s.times.sorted())
      XCTAssertTrue(s.times.allSatisfy { $0 >= 0 && $0 <= 30 })
      XCTAssertEqual(s.locations.count, 2 * s.count)
    }
    // Stationary rate 10 * 0.05 / (1 - 0.6) = 1.25 per unit of time.
    XCTAssertEqual(Double(set.eventCount) / (300 * 30), 1.25, accuracy: 0.1)
    let fit = HawkesProcess.fit(set)
    XCTAssertEqual(fit.mu, 0.5, accuracy: 0.06)
    XCTAssertEqual(fit.alpha, 0.6, accuracy: 0.05)
    XCTAssertEqual(fit.beta, 10, accuracy: 1.5)
    // Locations: radius 2 |(r, s)| with r ~ N(1, 0.3^2), s ~ N(0, 0.1^2): mean radius about 2.
    let all = set.allLocations
    let radii = (0..<set.eventCount).map { i -> Double in
      let x = all[2 * i], y = all[2 * i + 1]
      return (x * x + y * y).squareRoot()
    }
    XCTAssertEqual(radii.reduce(0, +) / Double(radii.count), 2.0, accuracy: 0.05)
    // Reproducible from the seed.
    XCTAssertEqual(Pinwheel.generate(sequences: 3, seed: 5), Pinwheel.generate(sequences: 3, seed: 5))
  }
}
