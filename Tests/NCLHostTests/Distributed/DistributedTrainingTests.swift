// Data-parallel training over ranks, with the ranks as threads (ThreadRanks): the averaged
// gradient, the update against one rank on the union batch, identical parameters, failures that
// stop every rank, and resuming with another number of ranks.
import XCTest
import Foundation
@testable import NCLHost
import _NCLTestSupport

final class DistributedTrainingTests: XCTestCase {
  /// -mean log rho_t(x) over fixed points; records the first draw of each step's generator.
  struct FixedLikelihood: TrainingObjective {
    let t: Tensor<Float>, x: Tensor<Float>
    var failAtStep: Int? = nil
    var draws: [UInt64] = []

    mutating func loss(model: NCLModel<Float>, step: Int, generator: inout SeededGenerator) throws -> (loss: Tensor<Float>, terms: [String: Double]) {
      draws.append(generator.next())
      if step == failAtStep { return (Tensor(Float.nan), [:]) }
      let nll = -model.logDensity(t: t, x: x).mean()
      return (nll, ["nll": Double(nll.scalar)])
    }

    func evaluate(model: NCLModel<Float>, generator: inout SeededGenerator) throws -> [String: Double] { [:] }

    /// Rows `range` of `count` fixed points in D = 2 (seeded).
    static func points(_ range: Range<Int>, of count: Int = 64) -> FixedLikelihood {
      var generator = SeededGenerator(seed: 11)
      let t = Tensor<Float>.randomUniform([count, 1], using: &generator).scalars
      let x = Tensor<Float>.randomNormal([count, 2], scale: 1.5, using: &generator).scalars
      return FixedLikelihood(
        t: Tensor(shape: [range.count, 1], scalars: Array(t[range])),
        x: Tensor(shape: [range.count, 2], scalars: Array(x[range.lowerBound * 2..<range.upperBound * 2])))
    }
  }

  private func model(seed: UInt64 = 1) throws -> NCLModel<Float> {
    var configuration = ModelConfiguration(dimension: 2)
    configuration.components = 3
    configuration.hiddenSizes = [16, 16]
    return try NCLModel<Float>(configuration: configuration, seed: seed)
  }

  private func folder(_ name: String) -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("ncl-distributed-\(name)-\(UUID().uuidString)")
    addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
  }

  private func trainer(
    _ objective: FixedLikelihood, steps: Int, rank: Int = 0, of group: ThreadRanks? = nil, out: URL, modelSeed: UInt64 = 1
  ) throws -> Trainer {
    var configuration = TrainerConfiguration(steps: steps, learningRate: 1e-2)
    configuration.evaluateEvery = 0
    configuration.checkpointEvery = 1
    let trainer = try Trainer(
      model: model(seed: modelSeed), objective: objective, configuration: configuration, outputDirectory: out,
      progress: ProgressReporter(mode: .plain, sink: { _ in }))
    if let group { trainer.communicator = group.communicator(rank: rank) }
    return trainer
  }

  func testAveragedGradientIsTheMeanOfTheRanksGradients() throws {
    let model = try self.model().detached()
    let parameters = model.parameters.map { $0.requiringGradient() }
    var withParameters = model
    withParameters.parameters = parameters
    let halves = [FixedLikelihood.points(0..<32), FixedLikelihood.points(32..<64)]
    let separate = halves.map { half in gradient(of: [-withParameters.logDensity(t: half.t, x: half.x).mean()], wrt: parameters) }
    let group = ThreadRanks(size: 2)
    let out = folder("average")
    let averaged = group.run { rank -> [Tensor<Float>] in
      let trainer = try! self.trainer(halves[rank], steps: 1, rank: rank, of: group, out: out)
      let local = Result<(value: Double, terms: [String: Double], gradients: [Tensor<Float>]), Error>.success(
        (value: Double(rank), terms: [:], gradients: separate[rank]))
      return try! trainer.averageOverRanks(local, parameters: parameters, step: 1, lastCheckpointStep: nil).gradients
    }
    XCTAssertEqual(averaged[0].map { $0.scalars }, averaged[1].map { $0.scalars }, "every rank gets the same average")
    var largest: Float = 0
    for (i, g) in averaged[0].enumerated() {
      for (j, value) in g.scalars.enumerated() {
        let expected = (separate[0][i].scalars[j] + separate[1][i].scalars[j]) / 2
        XCTAssertEqual(value, expected, accuracy: 1e-6 * Swift.max(1, Swift.abs(expected)))
        largest = Swift.max(largest, Swift.abs(expected))
      }
    }
    XCTAssertGreaterThan(largest, 1e-3, "the gradients are not all zero")
  }

  func testTwoRanksTakeTheUpdateOfOneRankOnTheUnionBatch() throws {
    let group = ThreadRanks(size: 2)
    let out = folder("two")
    let ranks = group.run { rank in
      try! self.trainer(.points(rank * 32..<(rank + 1) * 32), steps: 3, rank: rank, of: group, out: out).run()
    }
    let single = try trainer(.points(0..<64), steps: 3, out: folder("one")).run()
    let start = try model().parameters.flatMap(\.scalars)
    let (a, b, c) = (ranks[0].model.parameters.flatMap(\.scalars), ranks[1].model.parameters.flatMap(\.scalars),
                     single.model.parameters.flatMap(\.scalars))
    XCTAssertEqual(a, b, "the ranks' parameters are bit for bit the same")
    var moved = 0
    for i in a.indices {
      XCTAssertEqual(a[i], c[i], accuracy: 1e-4, "parameter \(i): 2 ranks vs 1 rank on the union")  // lr 1e-2, 3 steps
      if Swift.abs(c[i] - start[i]) > 1e-3 { moved += 1 }
    }
    XCTAssertGreaterThan(moved, a.count / 4, "the update moved the parameters")
    XCTAssertEqual(ranks[0].lastLoss!, single.lastLoss!, accuracy: 1e-5, "the logged loss is the mean over ranks")
  }

  func testRanksDrawFromDistinctReproducibleStreams() throws {
    func draws() -> [[UInt64]] {
      let group = ThreadRanks(size: 2)
      let out = folder("streams")
      return group.run { rank in
        let trainer = try! self.trainer(.points(0..<8), steps: 2, rank: rank, of: group, out: out)
        _ = try! trainer.run()
        return (trainer.objective as! FixedLikelihood).draws
      }
    }
    let first = draws(), second = draws()
    XCTAssertEqual(first, second, "the same seed gives the same streams")
    XCTAssertNotEqual(first[0], first[1], "ranks draw different batches")
    XCTAssertNotEqual(first[0][0], first[0][1], "steps draw different batches")
  }

  func testOnlyRankZeroWritesFiles() throws {
    let group = ThreadRanks(size: 2)
    let (zero, one) = (folder("rank0"), folder("rank1"))
    _ = group.run { rank in try! self.trainer(.points(0..<8), steps: 2, rank: rank, of: group, out: rank == 0 ? zero : one).run() }
    XCTAssertTrue(FileManager.default.fileExists(atPath: zero.appendingPathComponent("checkpoint.ncl").path))
    XCTAssertFalse(FileManager.default.fileExists(atPath: one.path), "rank 1 wrote to its folder")
  }

  func testALossFailingOnOneRankStopsEveryRankAndKeepsTheCheckpoint() throws {
    let group = ThreadRanks(size: 2)
    let out = folder("failure")
    let errors = group.run { rank -> Error? in
      var objective = FixedLikelihood.points(0..<8)
      if rank == 1 { objective.failAtStep = 3 }
      do { _ = try self.trainer(objective, steps: 5, rank: rank, of: group, out: out).run() } catch { return error }
      return nil
    }
    guard case .rankFailed(let failed, let step, let kept, _)? = errors[0] as? TrainingError else {
      return XCTFail("rank 0: \(String(describing: errors[0]))")
    }
    XCTAssertEqual(failed, [1])
    XCTAssertEqual(step, 3)
    XCTAssertEqual(kept, 2)
    guard case .nonFinite(_, _, 3, _, _)? = errors[1] as? TrainingError else { return XCTFail("rank 1: \(String(describing: errors[1]))") }
    XCTAssertEqual(try Checkpoint.read(from: out.appendingPathComponent("checkpoint.ncl")).step, 2)
  }

  func testRanksWithDifferentModelsAreStopped() throws {
    let group = ThreadRanks(size: 2)
    let out = folder("diverged")
    let errors = group.run { rank -> Error? in
      do { _ = try self.trainer(.points(0..<8), steps: 2, rank: rank, of: group, out: out, modelSeed: UInt64(rank + 1)).run() } catch {
        return error
      }
      return nil
    }
    for error in errors { XCTAssertEqual(error as? TrainingError, .ranksDiverged(step: 1)) }
  }

  func testAnInterruptionOnOneRankStopsAllAfterTheSameStep() throws {
    let group = ThreadRanks(size: 2)
    let out = folder("interrupt")
    let summaries = group.run { rank -> TrainingSummary in
      let trainer = try! self.trainer(.points(0..<8), steps: 6, rank: rank, of: group, out: out)
      trainer.shouldStop = { step in rank == 1 && step == 2 }
      return try! trainer.run()
    }
    XCTAssertEqual(summaries.map(\.step), [2, 2])
    XCTAssertEqual(summaries.map(\.completed), [false, false])
  }

  func testAResumeMayChangeTheNumberOfRanks() throws {
    let out = folder("resume")
    let group = ThreadRanks(size: 2)
    _ = group.run { rank -> TrainingSummary in
      let trainer = try! self.trainer(.points(rank * 4..<(rank + 1) * 4, of: 8), steps: 4, rank: rank, of: group, out: out)
      trainer.shouldStop = { $0 == 2 }
      return try! trainer.run()
    }
    XCTAssertEqual(try Checkpoint.read(from: out.appendingPathComponent("checkpoint.ncl")).step, 2)
    let resumed = try trainer(.points(0..<8), steps: 4, out: out).run(resume: true)
    XCTAssertEqual(resumed.resumedFrom, 2)
    XCTAssertEqual(resumed.step, 4)
    let three = ThreadRanks(size: 3)
    let again = three.run { rank in try! self.trainer(.points(0..<8), steps: 6, rank: rank, of: three, out: out).run(resume: true) }
    XCTAssertEqual(again.map(\.step), [6, 6, 6])
    XCTAssertEqual(again.map(\.resumedFrom), [4, 4, 4])
  }
}
