// NCLSupport's transport loss on the host's tensors and model: the demo's terms are the
// formulas, and the estimators' gradients are the ones they document.
import Foundation
import XCTest
@testable import NCLHost

final class TransportLossTests: XCTestCase {
  /// The two-marginal loss of the demo equals the formula evaluated directly on the same draws:
  /// the kinetic energy E_{t ~ U[0,1], x ~ U[-4,4]^2}[|u|^2 / 2 rho] * 8^2.
  func testTwoMarginalLossIsTheFormula() {
    let model = ModelTestSupport.model(dimension: 2)
    var g = SeededGenerator(seed: 5)
    let x0: Tensor<Double> = ToyDistribution.eightGaussians.sample(64, using: &g)
    let x1: Tensor<Double> = ToyDistribution.twoGaussians.sample(64, using: &g)
    var draws = g
    let terms = TransportLoss(kineticWeight: 0.3)(model, x0: x0, x1: x1, kineticPoints: 128, using: &g)

    let t = Tensor<Double>.randomUniform([128, 1], using: &draws)
    let x = Tensor<Double>.randomUniform([128, 2], lower: -4, upper: 4, using: &draws)
    XCTAssertEqual((0..<3).map { _ in g.next() }, (0..<3).map { _ in draws.next() }, "the loss draws t and x only")
    let fields = model.fields(t: t, x: x, differentiable: false)
    let kinetic = (0.5 * fields.velocity.squared().sum(alongAxis: 1) * fields.logDensity.exp()).mean().scalar * 64
    let nll0 = -model.logDensity(t: Tensor(0), x: x0).mean().scalar, nll1 = -model.logDensity(t: Tensor(1), x: x1).mean().scalar
    XCTAssertEqual(terms.kinetic.scalar, kinetic, accuracy: 1e-12 * kinetic)
    XCTAssertEqual(terms.negativeLogLikelihood0.scalar, nll0, accuracy: 1e-12)
    XCTAssertEqual(terms.negativeLogLikelihood1.scalar, nll1, accuracy: 1e-12)
    XCTAssertEqual(terms.loss.scalar, nll0 + nll1 + 0.3 * kinetic, accuracy: 1e-12 * abs(nll0 + nll1 + kinetic))
  }

  /// With f_i = theta a_i and log rho_i = theta b_i, d/dtheta of each estimator's surrogate is
  /// importance: mean(e^{log rho - log q} (a + f b)); score: mean(a) + mean((f - b_loo) b) with the
  /// leave-one-out baseline; reparameterized: mean(a).
  func testEstimatorGradients() {
    let a: [Double] = [1, -2, 0.5, 3], b: [Double] = [0.2, -0.1, 0.4, 0.3], logQ = -1.5, theta = 0.7
    let n = Double(a.count)
    func derivative(_ estimator: TransportLoss.Estimator) -> Double {
      let parameter = Tensor<Double>(theta).requiringGradient()
      let f = parameter * Tensor(shape: [4], scalars: a), logRho = parameter * Tensor(shape: [4], scalars: b)
      let value = estimator.expectation(f, logDensity: logRho, logProposal: Tensor(repeating: logQ, shape: [4]), length: 1)
      return gradient(of: [value], wrt: [parameter])[0].scalar
    }
    let f = a.map { theta * $0 }
    let importance = (0..<4).reduce(0.0) { $0 + Foundation.exp(theta * b[$1] - logQ) * (a[$1] + f[$1] * b[$1]) } / n
    XCTAssertEqual(derivative(.importance), importance, accuracy: 1e-12)
    let total = f.reduce(0, +)
    let score = a.reduce(0, +) / n + (0..<4).reduce(0.0) { $0 + (f[$1] - (total - f[$1]) / (n - 1)) * b[$1] } / n
    XCTAssertEqual(derivative(.score), score, accuracy: 1e-12)
    XCTAssertEqual(derivative(.reparameterized), a.reduce(0, +) / n, accuracy: 1e-12)
  }
}
