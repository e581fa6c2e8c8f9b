// A tiny model, a tiny objective and temporary directories shared by the training tests.
import Foundation
import XCTest
import NCLHost

enum TrainTestSupport {
  /// D = 2, K = 2, one hidden layer of 8: a few milliseconds per step in a debug build.
  static func model(seed: UInt64 = 3) -> NCLModel<Float> {
    var configuration = ModelConfiguration(dimension: 2)
    configuration.components = 2
    configuration.hiddenSizes = [8]
    configuration.timeFrequencies = 1
    return try! NCLModel<Float>(configuration: configuration, seed: seed)
  }

  /// A fresh directory under the temporary directory, removed when the test ends.
  static func temporaryDirectory(_ test: XCTestCase) -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("ncl-train-tests-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
  }

  static func bits(_ tensors: [Tensor<Float>]) -> [[UInt32]] {
    tensors.map { $0.scalars.map(\.bitPattern) }
  }
}

/// NLL of four fixed points at random times plus a small kinetic term at random points; all
/// randomness comes from the trainer's generator. `nanAtStep` poisons the loss at that step;
/// `infiniteGradientAtStep` adds sqrt(p - p), whose value is 0 and whose gradient is infinite.
struct TinyObjective: TrainingObjective {
  var nanAtStep: Int? = nil
  var infiniteGradientAtStep: Int? = nil
  var kineticWeight: Float = 0.1
  let points = Tensor<Float>([[0.5, -0.3], [-1, 0.8], [1.2, 0.4], [-0.2, -1.1]])

  mutating func loss(
    model: NCLModel<Float>, step: Int, generator: inout SeededGenerator
  ) throws -> (loss: Tensor<Float>, terms: [String: Double]) {
    let t = Tensor<Float>.randomUniform([4, 1], using: &generator)
    let nll = -model.logDensity(t: t, x: points).mean()
    let x = Tensor<Float>.randomNormal([4, 2], using: &generator)
    let velocity = model.fields(t: t, x: x).velocity
    let kinetic = 0.5 * velocity.squared().sum(alongAxis: 1).mean()
    var loss = nll + kineticWeight * kinetic
    if step == nanAtStep { loss = loss * Float.nan }
    if step == infiniteGradientAtStep {
      let p = model.parameters[0].sum()
      loss = loss + (p - p.detached()).sqrt()
    }
    return (loss, ["nll": Double(nll.scalar), "kinetic": Double(kinetic.scalar)])
  }

  mutating func evaluate(model: NCLModel<Float>, generator: inout SeededGenerator) throws -> [String: Double] {
    let t = Tensor<Float>.randomUniform([4, 1], using: &generator)
    return ["heldOutNLL": Double(withoutGradient { -model.logDensity(t: t, x: points).mean().scalar })]
  }
}
