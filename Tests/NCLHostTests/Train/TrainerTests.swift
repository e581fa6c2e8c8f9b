// The training loop: clipping, bit-for-bit resume, non-finite losses, metrics and progress files.
import Foundation
import XCTest
@testable import NCLHost

final class TrainerTests: XCTestCase {
  /// Everything switched on: warmup, cosine decay, clipping, periodic checkpoints and evaluations.
  private func configuration(steps: Int = 20) -> TrainerConfiguration {
    var c = TrainerConfiguration(steps: steps, learningRate: 2e-2)
    c.schedule = .cosine(minimumFactor: 0.1)
    c.warmupSteps = 3
    c.gradientClipNorm = 1.0
    c.weightDecay = 0.5
    c.seed = 11
    c.logEvery = 5
    c.evaluateEvery = 8
    c.checkpointEvery = 5
    return c
  }

  private func trainer(
    _ directory: URL, objective: TinyObjective = TinyObjective(), configuration: TrainerConfiguration? = nil,
    output: ((String) -> Void)? = nil
  ) throws -> Trainer {
    try Trainer(
      model: TrainTestSupport.model(), objective: objective, configuration: configuration ?? self.configuration(),
      outputDirectory: directory, metadata: ["plugin": "tiny"],
      progress: ProgressReporter(mode: .plain, sink: output ?? { _ in }))
  }

  // MARK: - Clipping

  func testClippingScalesToTheMaximumGlobalNorm() {
    var g = SeededGenerator(seed: 5)
    let gradients = [Tensor<Float>.randomNormal([3, 4], using: &g), .randomNormal([7], scale: 3, using: &g)]
    let norm = Trainer.globalNorm(gradients)
    let expected = gradients.flatMap(\.scalars).map { Double($0) * Double($0) }.reduce(0, +).squareRoot()
    XCTAssertEqual(norm, expected, accuracy: 1e-9 * expected)

    let (clipped, before) = Trainer.clipByGlobalNorm(gradients, maxNorm: 0.5)
    XCTAssertEqual(before, norm)
    XCTAssertEqual(Trainer.globalNorm(clipped), 0.5, accuracy: 1e-6)
    // One factor for every tensor: the direction is kept.
    let ratio = clipped[1].scalars[0] / gradients[1].scalars[0]
    for (a, b) in zip(clipped.flatMap(\.scalars), gradients.flatMap(\.scalars)) {
      XCTAssertEqual(a, b * ratio, accuracy: 1e-6)
    }

    // Below the limit, or with clipping off, the gradients pass through untouched.
    for maxNorm in [norm * 2, nil] {
      let (same, _) = Trainer.clipByGlobalNorm(gradients, maxNorm: maxNorm)
      XCTAssertEqual(TrainTestSupport.bits(same), TrainTestSupport.bits(gradients))
    }
  }

  // MARK: - Weight decay

  /// Decoupled decay: the update is plain Adam's, minus rate * decay of the weight itself. With a
  /// zero gradient Adam moves nothing, so the weight shrinks by exactly that factor.
  func testWeightDecayIsDecoupledFromTheGradient() {
    var g = SeededGenerator(seed: 9)
    let weights = [Tensor<Float>.randomNormal([3, 4], using: &g), .randomNormal([5], using: &g)]
    let gradients = [Tensor<Float>.randomNormal([3, 4], using: &g), .randomNormal([5], using: &g)]
    let (rate, decay): (Float, Float) = (0.01, 0.3)
    var plain = Adam<Float>(learningRate: rate), decayed = Adam<Float>(learningRate: rate, weightDecay: decay)
    for _ in 0..<3 {
      let plainStep = plain.step(weights, gradients: gradients), decayedStep = decayed.step(weights, gradients: gradients)
      for (w, (p, d)) in zip(weights.flatMap(\.scalars), zip(plainStep.flatMap(\.scalars), decayedStep.flatMap(\.scalars))) {
        XCTAssertEqual(d, p - rate * decay * w, accuracy: 1e-6)
      }
    }
    var still = Adam<Float>(learningRate: rate, weightDecay: decay)
    let shrunk = still.step(weights, gradients: weights.map { .zeros($0.shape) })
    for (w, s) in zip(weights.flatMap(\.scalars), shrunk.flatMap(\.scalars)) {
      XCTAssertEqual(s, (1 - rate * decay) * w, accuracy: 1e-7)
    }
  }

  // MARK: - Resume

  /// 20 updates straight and 10 + resume 10 give the same bits in every parameter and moment.
  func testResumeIsBitForBit() throws {
    let straight = try trainer(TrainTestSupport.temporaryDirectory(self)).run()
    XCTAssertTrue(straight.completed)
    XCTAssertEqual(straight.step, 20)

    let directory = TrainTestSupport.temporaryDirectory(self)
    let first = try trainer(directory)
    first.shouldStop = { $0 == 10 }
    let interrupted = try first.run()
    XCTAssertFalse(interrupted.completed)
    XCTAssertEqual(interrupted.step, 10)
    XCTAssertEqual(try Checkpoint.read(from: first.checkpointURL).step, 10)
    XCTAssertEqual(
      TrainTestSupport.bits(interrupted.model.parameters), TrainTestSupport.bits(try Checkpoint.read(from: first.checkpointURL).parameters))
    XCTAssertNotEqual(TrainTestSupport.bits(interrupted.model.parameters), TrainTestSupport.bits(straight.model.parameters))

    let resumed = try trainer(directory).run(resume: true)
    XCTAssertTrue(resumed.completed)
    XCTAssertEqual(resumed.resumedFrom, 10)
    XCTAssertEqual(resumed.step, 20)
    XCTAssertEqual(TrainTestSupport.bits(resumed.model.parameters), TrainTestSupport.bits(straight.model.parameters))
    XCTAssertEqual(resumed.lastLoss?.bitPattern, straight.lastLoss?.bitPattern)
    XCTAssertEqual(resumed.evaluation, straight.evaluation)

    let a = try Checkpoint.read(from: straight.checkpoint), b = try Checkpoint.read(from: resumed.checkpoint)
    XCTAssertEqual(TrainTestSupport.bits(a.parameters), TrainTestSupport.bits(b.parameters))
    XCTAssertEqual(TrainTestSupport.bits(a.optimizer.firstMoments), TrainTestSupport.bits(b.optimizer.firstMoments))
    XCTAssertEqual(TrainTestSupport.bits(a.optimizer.secondMoments), TrainTestSupport.bits(b.optimizer.secondMoments))
    XCTAssertEqual(a.optimizer.stepCount, 20)
    XCTAssertEqual(b.optimizer.stepCount, 20)
    XCTAssertEqual(b.metadata, ["plugin": "tiny"])

    // The same losses, each step logged once.
    let straightRows = try MetricsLog.rows(at: straight.metrics), resumedRows = try MetricsLog.rows(at: resumed.metrics)
    func training(_ rows: [MetricsLog.Row]) -> [Int: UInt64] {
      var byStep: [Int: UInt64] = [:]
      for row in rows where row.kind == "train" {
        XCTAssertNil(byStep[row.step], "step \(row.step) logged twice")
        byStep[row.step] = row["loss"]?.bitPattern
      }
      return byStep
    }
    XCTAssertEqual(training(resumedRows), training(straightRows))
    XCTAssertEqual(training(resumedRows).keys.sorted(), Array(1...20))
    let evalSteps = { (rows: [MetricsLog.Row]) in rows.filter { $0.kind == "eval" }.map(\.step) }
    XCTAssertEqual(evalSteps(straightRows), [8, 16, 20])
    XCTAssertEqual(evalSteps(resumedRows), [8, 16, 20])

    // A finished run resumes to a no-op.
    let again = try trainer(directory).run(resume: true)
    XCTAssertTrue(again.completed)
    XCTAssertNil(again.lastLoss)
    XCTAssertEqual(TrainTestSupport.bits(again.model.parameters), TrainTestSupport.bits(straight.model.parameters))
  }

  // MARK: - Non-finite loss

  /// A NaN loss at step 8 stops training with a message naming the step; the checkpoint of
  /// step 5 stays on disk byte for byte, and resuming from it (after the rows of steps 6 and 7
  /// were written) still reproduces the uninterrupted run without duplicated rows.
  func testNaNLossStopsAndKeepsTheLastGoodCheckpoint() throws {
    let directory = TrainTestSupport.temporaryDirectory(self)
    let failing = try trainer(directory, objective: TinyObjective(nanAtStep: 8))
    var bytesAfterStep5: Data? = nil
    failing.shouldStop = { [unowned failing] step in
      if step == 6 { bytesAfterStep5 = try? Data(contentsOf: failing.checkpointURL) }
      return false
    }
    XCTAssertThrowsError(try failing.run()) { error in
      guard case .nonFinite(let quantity, let value, let step, let lastCheckpointStep, let path)? = error as? TrainingError else {
        return XCTFail("\(error)")
      }
      XCTAssertEqual(quantity, "loss")
      XCTAssertTrue(value.isNaN)
      XCTAssertEqual(step, 8)
      XCTAssertEqual(lastCheckpointStep, 5)
      XCTAssertEqual(path, failing.checkpointURL.path)
      let message = "\(error)"
      XCTAssertTrue(message.contains("training stopped at step 8: the loss is nan"), message)
      XCTAssertTrue(message.contains("the last good checkpoint (step 5) is kept at \(failing.checkpointURL.path)"), message)
    }
    XCTAssertNotNil(bytesAfterStep5)
    XCTAssertEqual(try Data(contentsOf: failing.checkpointURL), bytesAfterStep5)
    let kept = try Checkpoint.read(from: failing.checkpointURL)
    XCTAssertEqual(kept.step, 5)
    XCTAssertTrue(kept.parameters.allSatisfy { $0.scalars.allSatisfy(\.isFinite) })
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted(),
                   ["checkpoint.ncl", "config.json", "metrics.jsonl"])
    XCTAssertEqual(try MetricsLog.rows(at: failing.metricsURL).map(\.step), Array(1...7))

    let resumed = try trainer(directory).run(resume: true)
    let straight = try trainer(TrainTestSupport.temporaryDirectory(self)).run()
    XCTAssertEqual(TrainTestSupport.bits(resumed.model.parameters), TrainTestSupport.bits(straight.model.parameters))
    let steps = try MetricsLog.rows(at: resumed.metrics).filter { $0.kind == "train" }.map(\.step)
    XCTAssertEqual(steps, Array(1...20))
  }

  func testNaNBeforeAnyCheckpointSaysSo() throws {
    let directory = TrainTestSupport.temporaryDirectory(self)
    XCTAssertThrowsError(try trainer(directory, objective: TinyObjective(nanAtStep: 2)).run()) { error in
      XCTAssertTrue("\(error)".contains("training stopped at step 2"), "\(error)")
      XCTAssertTrue("\(error)".contains("no checkpoint had been written yet"), "\(error)")
    }
    XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("checkpoint.ncl").path))
  }

  func testInfiniteGradientStopsWithAFiniteLoss() throws {
    let directory = TrainTestSupport.temporaryDirectory(self)
    let failing = try trainer(directory, objective: TinyObjective(infiniteGradientAtStep: 6))
    XCTAssertThrowsError(try failing.run()) { error in
      XCTAssertTrue("\(error)".contains("training stopped at step 6: the gradient norm is "), "\(error)")
      XCTAssertTrue("\(error)".contains("the last good checkpoint (step 5) is kept"), "\(error)")
    }
    let kept = try Checkpoint.read(from: failing.checkpointURL)
    XCTAssertEqual(kept.step, 5)
    XCTAssertTrue(kept.parameters.allSatisfy { $0.scalars.allSatisfy(\.isFinite) })
  }

  // MARK: - Files and output

  func testOutputDirectoryAndPlainProgress() throws {
    let directory = TrainTestSupport.temporaryDirectory(self).appendingPathComponent("run")
    var output = ""
    var c = configuration(steps: 6)
    c.logEvery = 2
    c.evaluateEvery = 0
    let run = try trainer(directory, configuration: c, output: { output += $0 }).run()
    XCTAssertEqual(run.step, 6)
    XCTAssertEqual(Set(run.evaluation.keys), ["heldOutNLL"])

    let lines = output.split(separator: "\n").map(String.init)
    XCTAssertEqual(lines.count, 4, output)
    for (line, step) in zip(lines, [2, 4, 6]) {
      XCTAssertTrue(line.hasPrefix("step \(step)/6  loss "), line)
      XCTAssertTrue(line.contains(" steps/s  ETA "), line)
    }
    XCTAssertTrue(lines[3].hasPrefix("eval step 6: heldOutNLL "), lines[3])
    XCTAssertFalse(output.contains("\r"))

    let config = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("config.json"))) as! [String: Any]
    XCTAssertEqual((config["trainer"] as? [String: Any])?["steps"] as? Int, 6)
    XCTAssertEqual((config["model"] as? [String: Any])?["dimension"] as? Int, 2)
    XCTAssertEqual(config["metadata"] as? [String: String], ["plugin": "tiny"])

    let rows = try MetricsLog.rows(at: run.metrics)
    XCTAssertEqual(rows.map(\.kind), Array(repeating: "train", count: 6) + ["eval"])
    let rates = rows.prefix(6).map { $0["learningRate"] ?? .nan }
    XCTAssertEqual(rates, (0..<6).map { c.schedule.rate(at: $0, of: 6, base: c.learningRate, warmupSteps: 3) })
    for row in rows.prefix(6) {
      XCTAssertNotNil(row["nll"])
      XCTAssertNotNil(row["kinetic"])
      XCTAssertNotNil(row["elapsedSeconds"])
    }
  }

  func testResumeErrors() throws {
    let directory = TrainTestSupport.temporaryDirectory(self)
    XCTAssertThrowsError(try trainer(directory).run(resume: true)) { error in
      XCTAssertTrue("\(error)".contains("no checkpoint at"), "\(error)")
    }
    let first = try trainer(directory)
    first.shouldStop = { $0 == 2 }
    _ = try first.run()
    var other = ModelConfiguration(dimension: 2)
    other.components = 3
    other.hiddenSizes = [8]
    let mismatched = try Trainer(
      model: try NCLModel<Float>(configuration: other, seed: 0), objective: TinyObjective(),
      configuration: configuration(), outputDirectory: directory, progress: ProgressReporter(mode: .plain, sink: { _ in }))
    XCTAssertThrowsError(try mismatched.run(resume: true)) { error in
      XCTAssertTrue("\(error)".contains("different model configuration"), "\(error)")
    }
  }
}
