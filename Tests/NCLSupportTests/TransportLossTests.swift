// The transport loss on plain values: each term and estimator computes the formula it documents.
import Foundation
import XCTest
import NCLSupport

/// Forward values only, rows of `width` (1 for vectors and scalars), scalars broadcast.
struct Values: TransportTensor, Equatable {
  var values: [Double]
  var width = 1

  static func zip(_ a: Values, _ b: Values, _ op: (Double, Double) -> Double) -> Values {
    if a.values.count == 1 { return Values(values: b.values.map { op(a.values[0], $0) }, width: b.width) }
    if b.values.count == 1 { return Values(values: a.values.map { op($0, b.values[0]) }, width: a.width) }
    precondition(a.values.count == b.values.count, "shapes")
    return Values(values: Swift.zip(a.values, b.values).map(op), width: a.width)
  }
  static func + (a: Values, b: Values) -> Values { zip(a, b, +) }
  static func - (a: Values, b: Values) -> Values { zip(a, b, -) }
  static func * (a: Values, b: Values) -> Values { zip(a, b, *) }
  static prefix func - (a: Values) -> Values { Values(values: a.values.map { -$0 }, width: a.width) }
  func scaled(by scale: Double) -> Values { Values(values: values.map { scale * $0 }, width: width) }
  func exp() -> Values { Values(values: values.map { Foundation.exp($0) }, width: width) }
  func squared() -> Values { Values(values: values.map { $0 * $0 }, width: width) }
  func rowSums() -> Values {
    Values(values: stride(from: 0, to: values.count, by: width).map { values[$0..<($0 + width)].reduce(0, +) })
  }
  func elementSum() -> Values { Values(values: [values.reduce(0, +)]) }
  func elementMean() -> Values { Values(values: [values.reduce(0, +) / Double(values.count)]) }
  func detached() -> Values { self }
  var count: Int { values.count }
}

final class TransportLossTests: XCTestCase {
  func testTermsAreTheirFormulas() {
    XCTAssertEqual(TransportLoss.negativeLogLikelihood(logDensity: Values(values: [-1, -2, -3.5])).values, [6.5 / 3])
    let drift = Values(values: [1, 2, 3, -1], width: 2)
    XCTAssertEqual(TransportLoss.kineticEnergy(drift: drift).values, [2.5, 5])
    let loss = TransportLoss(kineticWeight: 0.25)
    let total = loss.loss(negativeLogLikelihoods: [Values(values: [1]), Values(values: [2.5])], kinetic: Values(values: [4]))
    XCTAssertEqual(total.values, [4.5])
    XCTAssertEqual(loss.loss(negativeLogLikelihoods: [Values(values: [1])], kinetic: Values(values: [4])).values, [2])
  }

  /// Every estimator's value is its estimate of (T1 - T0) E[f]: importance weights rho / q, the
  /// sample estimators the plain mean (the score surrogate adds a term of value zero).
  func testEstimatorValues() {
    let f = Values(values: [1, 2, 3, 6]), logRho = Values(values: [-1, -2, 0, -0.5]), logQ = Values(values: [-2])
    let importance = TransportLoss.Estimator.importance.expectation(f, logDensity: logRho, logProposal: logQ, length: 2)
    let weights = logRho.values.map { Foundation.exp($0 + 2) }
    let expected = 2 * Swift.zip(weights, f.values).map(*).reduce(0, +) / 4
    XCTAssertEqual(importance.values[0], expected, accuracy: 1e-12)
    for estimator in [TransportLoss.Estimator.score, .reparameterized] {
      XCTAssertEqual(estimator.expectation(f, logDensity: logRho, logProposal: nil, length: 2).values, [6], "\(estimator)")
    }
    XCTAssertEqual(TransportLoss.Estimator.allCases.map(\.rawValue), ["importance", "score", "reparameterized"])
  }
}
