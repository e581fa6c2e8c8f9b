// The running cost's times denser after t = 0: unbiased weights and where the times fall, in Double.
import XCTest
import Foundation
import NCLSupport
@testable import SOCCore

final class TimeSamplingTests: XCTestCase {
  /// T mean(w h(t)) against int_0^T h dt for h = 1 / sqrt(s^2 + t) (the shape of the narrow start's
  /// score scale; closed form 2 (sqrt(s^2 + T) - sqrt(s^2))) and h = t^2, for p = 1, 2, 3; a
  /// larger p gives the sharp h a smaller error, and puts a fraction q^(1/p) of the times before q T.
  func testWeightsAreUnbiasedAndTimesDenserAfterZero() {
    let horizon = 2.0, s = 0.1, n = 4000
    var random = SeededGenerator(seed: 9)
    let uniforms = (0..<n).map { _ in Double.random(in: 0..<1, using: &random) }
    let sharp = 2 * ((s * s + horizon).squareRoot() - s)
    var errors: [Double] = []
    for power in [1.0, 2.0, 3.0] {
      let (t, w) = EarlyDenseTimes(horizon: horizon, power: power).map(uniforms: uniforms)
      XCTAssertTrue(t.allSatisfy { $0 >= 0 && $0 <= horizon })
      let estimate = horizon * zip(t, w).reduce(0) { $0 + $1.1 / (s * s + $1.0).squareRoot() } / Double(n)
      XCTAssertEqual(estimate, sharp, accuracy: 1e-3 * sharp, "p = \(power)")
      errors.append(abs(estimate - sharp))
      let square = horizon * zip(t, w).reduce(0) { $0 + $1.1 * $1.0 * $1.0 } / Double(n)
      XCTAssertEqual(square, pow(horizon, 3) / 3, accuracy: 1e-4 * pow(horizon, 3), "p = \(power)")
      let early = Double(t.filter { $0 < horizon / 10 }.count) / Double(n)
      XCTAssertEqual(early, pow(0.1, 1 / power), accuracy: 2.0 / Double(n), "p = \(power)")
    }
    XCTAssertLessThan(errors[1], errors[0])
  }
}
