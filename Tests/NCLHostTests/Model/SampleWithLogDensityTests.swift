// Samples with their log-density in one pass: the same samples as `sample`, the density of `fields`.
import XCTest
import NCLHost

final class SampleWithLogDensityTests: XCTestCase {
  /// A small Float model; the ancestral sampler's own precision is what is tested.
  private func floatModel(dimension: Int, seed: UInt64) throws -> NCLModel<Float> {
    var configuration = ModelConfiguration(dimension: dimension)
    configuration.components = 4
    configuration.hiddenSizes = [32, 32]
    configuration.timeFrequencies = 2
    var model = try NCLModel<Float>(configuration: configuration, seed: seed)
    // Scaled up so that the law changes visibly with t and the components differ.
    model.parameters = model.parameters.map { ($0.detached() * 2).requiringGradient() }
    return model
  }

  /// Per-row times in (0, 1), [count, 1].
  private func times<Scalar>(_ count: Int, seed: UInt64) -> Tensor<Scalar> {
    var generator = SeededGenerator(seed: seed)
    return Tensor<Scalar>.randomUniform([count, 1], using: &generator)
  }

  func testLogDensityIsTheModelsAtTheSamplesInFloat() throws {
    for d in 1...3 {
      let model = try floatModel(dimension: d, seed: UInt64(d))
      let t: Tensor<Float> = times(300, seed: 10 + UInt64(d))
      XCTAssertGreaterThan(Set(t.scalars).count, 250, "times differ per row")
      var generator = SeededGenerator(seed: 20 + UInt64(d))
      let (x, logDensity) = model.sampleWithLogDensity(at: t, using: &generator)
      XCTAssertEqual(x.shape, [300, d])
      XCTAssertEqual(logDensity.shape, [300])
      XCTAssertFalse(logDensity.requiresGradient)
      let reference = model.fields(t: t, x: x, differentiable: false).logDensity
      for (a, b) in zip(logDensity.scalars, reference.scalars) {
        XCTAssertEqual(a, b, accuracy: 1e-5 * Swift.max(1, Swift.abs(b)), "D = \(d)")
      }
      // The model's log-density varies over the samples, so agreement is not an accident.
      XCTAssertGreaterThan(reference.scalars.max()! - reference.scalars.min()!, 1, "D = \(d)")
    }
  }

  func testLogDensityIsTheModelsAtTheSamplesInDouble() {
    for d in 1...3 {
      let model = ModelTestSupport.model(dimension: d, seed: UInt64(30 + d))
      let t: Tensor<Double> = times(100, seed: 40 + UInt64(d))
      var generator = SeededGenerator(seed: 50 + UInt64(d))
      let (x, logDensity) = model.sampleWithLogDensity(at: t, using: &generator)
      let reference = model.logDensity(t: t, x: x)
      for (a, b) in zip(logDensity.scalars, reference.scalars) {
        XCTAssertEqual(a, b, accuracy: 1e-12 * Swift.max(1, Swift.abs(b)), "D = \(d)")
      }
    }
  }

  func testSamplesAreThoseOfSampleForTheSameGeneratorState() throws {
    for d in 1...3 {
      let model = try floatModel(dimension: d, seed: UInt64(60 + d))
      let t: Tensor<Float> = times(64, seed: 70 + UInt64(d))
      var first = SeededGenerator(seed: 80), second = SeededGenerator(seed: 80)
      let plain = model.sample(at: t, using: &first)
      let (withDensity, _) = model.sampleWithLogDensity(at: t, using: &second)
      XCTAssertEqual(withDensity.scalars, plain.scalars, "D = \(d)")
      // Both leave the generator in the same state: the streams stay in step afterwards.
      XCTAssertEqual(first.next(), second.next(), "D = \(d)")
      // The single-time form draws what `sample(at:count:)` draws (both share the time's units
      // across the batch), and the per-row form's samples up to Float rounding.
      var third = SeededGenerator(seed: 81), fourth = SeededGenerator(seed: 81), fifth = SeededGenerator(seed: 81)
      let atOneTime = model.sampleWithLogDensity(at: 0.3, count: 16, using: &third)
      XCTAssertEqual(atOneTime.samples.scalars, model.sample(at: 0.3, count: 16, using: &fourth).scalars, "D = \(d)")
      let perRow = model.sample(at: Tensor(repeating: 0.3, shape: [16, 1]), using: &fifth)
      for (a, b) in zip(atOneTime.samples.scalars, perRow.scalars) { XCTAssertEqual(a, b, accuracy: 1e-4 * max(1, abs(b)), "D = \(d)") }
      XCTAssertEqual(atOneTime.logDensity.shape, [16])
    }
  }
}
