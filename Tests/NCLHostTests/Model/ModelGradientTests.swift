// Losses built from model fields (which contain d/dt and d/dx of the network) have correct parameter gradients.
import XCTest
import NCLHost
import _NCLTestSupport

final class ModelGradientTests: XCTestCase {
  typealias T = Tensor<Double>

  /// NLL plus a kinetic term |u|^2 with u from every flux construction, differentiated with
  /// respect to the first weight matrix and the last parameter (with the divergence-free term:
  /// its planes, and its time matrices too), against central differences.
  func testKineticLossGradients() throws {
    let cases: [(FluxConstruction, Bool)] = [
      (.telescoping(tau: 1), false), (.telescoping(tau: 1), true), (.naive, false), (.knotheRosenblatt, false), (.knotheRosenblatt, true),
      (.factorized, false),
    ]
    for (flux, divergenceFree) in cases {
      var configuration = ModelConfiguration(dimension: 3)
      configuration.components = 2
      configuration.hiddenSizes = [6]
      configuration.timeFrequencies = 1
      configuration.flux = flux
      configuration.divergenceFreeHiddenSizes = divergenceFree ? [4] : nil
      let base = try NCLModel<Double>(configuration: configuration, seed: 2).detached()
      var generator = SeededGenerator(seed: 3)
      let t = T.randomUniform([5, 1], using: &generator)
      let x = T.randomNormal([5, 3], using: &generator)
      let last = base.parameters.count - 1
      let checked = divergenceFree ? [0, last - 1, last] : [0, last]
      let loss: GradientCheck.Function = { p in
        var model = base
        var parameters = model.parameters
        for (k, index) in checked.enumerated() { parameters[index] = p[k] }
        model.parameters = parameters
        let fields = model.fields(t: t, x: x)
        return -fields.logDensity.mean() + (fields.drift(noise: .constant(0.5)).squared().sum(alongAxis: 1) * 0.5).mean()
      }
      XCTAssertNoThrow(try GradientCheck.reverse(loss, at: checked.map { base.parameters[$0] }, tolerance: 1e-5),
                       "\(flux), divergence-free \(divergenceFree)")
    }
  }
}
