// sample_reparameterized (ABI 1.1) through the real dlopen path, from a C plugin.
import XCTest
import Foundation
@testable import NCLHost
import NCLPluginAPI
import _NCLTestSupport

final class ReparameterizedSamplesABITests: XCTestCase {
  func objective(_ settings: [(key: String, value: String)]) throws -> PluginObjective {
    let path = try PluginFixtures.library("Tests/Fixtures/plugins/moment.c", name: "moment", subdirectory: "moment").path
    let library = try PluginLibrary(path: path)
    return try PluginObjective(library: library, values: library.descriptor.resolve(settings))
  }

  /// The loss E|x|^2 and its parameter gradient (flattened), averaged over one draw per seed.
  func moment(_ estimator: String, model: NCLModel<Float>, seeds: Range<UInt64>, batch: Int) throws -> (value: Double, gradient: [Double]) {
    let o = try objective([("estimator", estimator), ("batch", "\(batch)")])
    var value = 0.0, sum = [Double](repeating: 0, count: model.parameterCount)
    for seed in seeds {
      var generator = SeededGenerator(seed: seed)
      let (loss, _) = try o.loss(model: model, step: 1, generator: &generator)
      value += Double(loss.scalar) / Double(seeds.count)
      let flat = gradient(of: [loss], wrt: model.parameters).flatMap(\.scalars)
      XCTAssertTrue(flat.allSatisfy(\.isFinite), estimator)
      for (i, g) in flat.enumerated() { sum[i] += Double(g) / Double(seeds.count) }
    }
    return (value, sum)
  }

  /// f = |x|^2 has no direct dependence on the parameters, so all of its gradient comes through the
  /// samples: reparameterized samples (pathwise) and the score function estimate the same gradient.
  /// The same seeds draw the same times and samples (horizon [0, 2] mapped onto the model's [0, 1]),
  /// so the values agree exactly; the mean gradients over 16 draws of 2048 agree within the score
  /// function's noise (2 to 4.5 % over five models and two sets of seeds; 100 % if no gradient
  /// flowed through the samples).
  func testAgreesWithTheScoreFunctionInExpectation() throws {
    let o = try objective([])
    XCTAssertEqual(o.problem.horizon, 0...2)
    let model = try NCLModel<Float>(configuration: o.problem.model, seed: 3)
    let seeds: Range<UInt64> = 0..<16
    let pathwise = try moment("reparameterized", model: model, seeds: seeds, batch: 2048)
    let score = try moment("score", model: model, seeds: seeds, batch: 2048)
    XCTAssertEqual(pathwise.value, score.value, accuracy: 1e-6 * pathwise.value, "same draws, same samples")
    func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
    let difference = norm(zip(pathwise.gradient, score.gradient).map { $0 - $1 }) / norm(pathwise.gradient)
    XCTAssertGreaterThan(norm(pathwise.gradient), 0.1)
    XCTAssertLessThan(difference, 0.1, "relative difference of the mean gradients")
  }

  func testShapeErrorsAndEvaluation() throws {
    let bridge = HostBridge()
    let model = try NCLModel<Float>(configuration: ModelConfiguration(dimension: 2), seed: 1)
    bridge.model = model
    let routine = try XCTUnwrap(HostBridge.api.pointee.sample_reparameterized)
    bridge.withCall {
      let wrong = bridge.handle(Tensor<Float>(repeating: 0.5, shape: [4]))
      XCTAssertNil(routine(bridge.host, wrong))
      XCTAssertEqual(bridge.lastError, "sample_reparameterized: t must have shape [B, 1], got [4]")
    }
    try bridge.withCall {
      let t = bridge.handle(Tensor<Float>(repeating: 0.5, shape: [4, 1]))
      let x = try XCTUnwrap(bridge.tensor(routine(bridge.host, t), "test"))
      XCTAssertEqual(x.shape, [4, 2])
      XCTAssertTrue(x.requiresGradient)
    }
    bridge.model = model.detached()
    try bridge.withCall {
      let t = bridge.handle(Tensor<Float>(repeating: 0.5, shape: [4, 1]))
      XCTAssertFalse(try XCTUnwrap(bridge.tensor(routine(bridge.host, t), "test")).requiresGradient, "[eval]: constants")
    }
    bridge.model = nil
    bridge.withCall {
      XCTAssertNil(routine(bridge.host, bridge.handle(Tensor<Float>(repeating: 0.5, shape: [4, 1]))))
      XCTAssertEqual(bridge.lastError, "sample_reparameterized: no model in this call")
    }
  }
}
