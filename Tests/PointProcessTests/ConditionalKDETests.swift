// The conditional-KDE baseline: its density by hand, normalization, and its fit.
import XCTest
@testable import PointProcess

final class ConditionalKDETests: XCTestCase {
  func testDensityByHand() {
    let kde = ConditionalKDE(firstMean: 0.5, firstStd: 2, bandwidth: 0.4, timescale: 3)
    let s = EventSequence(id: 0, times: [1, 2, 4], locations: [0, 1, 1, 1, 0.5, -1])
    let got = kde.logDensities(s)
    func gaussian(_ x: Double, _ y: Double, _ mx: Double, _ my: Double, _ sd: Double) -> Double {
      exp(-0.5 * ((x - mx) * (x - mx) + (y - my) * (y - my)) / (sd * sd)) / (2 * Double.pi * sd * sd)
    }
    XCTAssertEqual(got[0], log(gaussian(0, 1, 0.5, 0.5, 2)), accuracy: 1e-12)
    XCTAssertEqual(got[1], log(gaussian(1, 1, 0, 1, 0.4)), accuracy: 1e-12)
    let w = [exp(-3.0 / 3), exp(-2.0 / 3)], z = w[0] + w[1]
    XCTAssertEqual(got[2], log((w[0] * gaussian(0.5, -1, 0, 1, 0.4) + w[1] * gaussian(0.5, -1, 1, 1, 0.4)) / z), accuracy: 1e-12)
  }

  /// Each conditional integrates to 1 over the plane (midpoint rule on a wide grid).
  func testConditionalsAreNormalized() {
    let kde = ConditionalKDE(firstMean: 0, firstStd: 1, bandwidth: 0.3, timescale: 2)
    let history = EventSequence(id: 0, times: [1, 3], locations: [0.2, -0.4, -1, 1])
    let (n, half) = (300, 5.0), h = 2 * half / Double(n)
    var total = 0.0
    for i in 0..<n {
      for j in 0..<n {
        var s = history
        s.times.append(3.5)
        s.locations += [-half + (Double(i) + 0.5) * h, -half + (Double(j) + 0.5) * h]
        total += exp(kde.logDensities(s)[2]) * h * h
      }
    }
    XCTAssertEqual(total, 1, accuracy: 1e-6)
  }

  /// The fit beats nearby parameters, and the first-event law is the closed-form MLE.
  func testFitIsAMaximum() {
    let set = Pinwheel.generate(sequences: 30, seed: 4)
    let (mean, std) = set.locationStatistics()
    let data = set.standardized(mean: mean, std: std)
    let fit = ConditionalKDE.fit(data)
    let best = fit.totalLogLikelihood(data)
    for (db, dt) in [(1.1, 1.0), (0.9, 1.0), (1.0, 1.2), (1.0, 0.8)] {
      var other = fit
      other.bandwidth *= db
      other.timescale *= dt
      XCTAssertLessThan(other.totalLogLikelihood(data), best)
    }
    let firsts = data.sequences.flatMap { [$0.locations[0], $0.locations[1]] }
    XCTAssertEqual(fit.firstMean, firsts.reduce(0, +) / Double(firsts.count), accuracy: 1e-12)
  }
}
