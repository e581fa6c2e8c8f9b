// Checkpoint files: exact round trips, atomic replacement, clear errors for damaged files.
import Foundation
import XCTest
@testable import NCLHost

final class CheckpointTests: XCTestCase {
  /// A checkpoint after two Adam steps, with awkward values (negative zero, subnormal, NaN bits)
  /// among the parameters to show that bits, not decimal text, are stored.
  private func sample(step: Int = 2) -> Checkpoint {
    var model = TrainTestSupport.model()
    var adam = Adam<Float>(learningRate: 1e-2)
    for _ in 0..<2 {
      let loss = model.parameters.map { $0.squared().sum() }.reduce(Tensor<Float>(0), +)
      model.parameters = adam.step(model.parameters, gradients: gradient(of: [loss], wrt: model.parameters))
    }
    var parameters = model.parameters
    var first = parameters[0].scalars
    first[0] = -0.0
    first[1] = .leastNonzeroMagnitude
    first[2] = Float(bitPattern: 0x7FC0_1234)
    parameters[0] = Tensor(shape: parameters[0].shape, scalars: first)
    var generator = SeededGenerator(seed: 42)
    _ = generator.next()
    var trainer = TrainerConfiguration(steps: 10, learningRate: 1e-2)
    trainer.seed = .max - 7
    return Checkpoint(
      step: step, elapsedSeconds: 1.25, modelConfiguration: model.configuration, trainerConfiguration: trainer,
      metadata: ["plugin": "tiny", "parameters": #"{"a": 1}"#], parameters: parameters, optimizer: adam.state,
      generator: generator)
  }

  private func assertSame(_ a: Checkpoint, _ b: Checkpoint, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.step, b.step, file: file, line: line)
    XCTAssertEqual(a.elapsedSeconds, b.elapsedSeconds, file: file, line: line)
    XCTAssertEqual(a.modelConfiguration, b.modelConfiguration, file: file, line: line)
    XCTAssertEqual(a.trainerConfiguration, b.trainerConfiguration, file: file, line: line)
    XCTAssertEqual(a.metadata, b.metadata, file: file, line: line)
    XCTAssertEqual(a.parameters.map(\.shape), b.parameters.map(\.shape), file: file, line: line)
    XCTAssertEqual(TrainTestSupport.bits(a.parameters), TrainTestSupport.bits(b.parameters), file: file, line: line)
    XCTAssertEqual(a.optimizer.stepCount, b.optimizer.stepCount, file: file, line: line)
    XCTAssertEqual(TrainTestSupport.bits(a.optimizer.firstMoments), TrainTestSupport.bits(b.optimizer.firstMoments), file: file, line: line)
    XCTAssertEqual(TrainTestSupport.bits(a.optimizer.secondMoments), TrainTestSupport.bits(b.optimizer.secondMoments), file: file, line: line)
    var ga = a.generator, gb = b.generator
    XCTAssertEqual((0..<4).map { _ in ga.next() }, (0..<4).map { _ in gb.next() }, file: file, line: line)
  }

  func testRoundTripIsExactAndLeavesNoTemporaryFiles() throws {
    let directory = TrainTestSupport.temporaryDirectory(self)
    let url = directory.appendingPathComponent("checkpoint.ncl")
    let checkpoint = sample()
    try checkpoint.write(to: url)
    try sample(step: 3).write(to: url)  // replaces the file
    try checkpoint.write(to: url)
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["checkpoint.ncl"])
    let read = try Checkpoint.read(from: url)
    assertSame(read, checkpoint)
    XCTAssertEqual(try Data(contentsOf: url), try checkpoint.encoded())
    // The restored model computes the same numbers.
    let x = Tensor<Float>([[0.3, -0.2]])
    let original = try checkpoint.makeModel(), restored = try read.makeModel()
    XCTAssertEqual(
      withoutGradient { restored.logDensity(t: Tensor(0.5), x: x).scalar.bitPattern },
      withoutGradient { original.logDensity(t: Tensor(0.5), x: x).scalar.bitPattern })
  }

  func testFreshOptimizerStateRoundTrips() throws {
    var checkpoint = sample()
    checkpoint.optimizer = Adam<Float>.State()
    let read = try Checkpoint.decode(try checkpoint.encoded(), path: "fresh")
    assertSame(read, checkpoint)
  }

  /// The objective's own state (bytes opaque to the host) round-trips; without one the header has
  /// no such key, so files of stateless objectives are what they were.
  func testObjectiveStateRoundTrips() throws {
    var checkpoint = sample()
    XCTAssertNil(try Checkpoint.decode(try checkpoint.encoded(), path: "none").objectiveState)
    XCTAssertFalse(String(decoding: try checkpoint.encoded(), as: UTF8.self).contains("objectiveState"))
    checkpoint.objectiveState = [0, 1, 2, 255, 128, 7]
    let read = try Checkpoint.decode(try checkpoint.encoded(), path: "state")
    assertSame(read, checkpoint)
    XCTAssertEqual(read.objectiveState, [0, 1, 2, 255, 128, 7])
  }

  /// A reader polling the file while it is replaced over and over always finds a whole checkpoint.
  func testConcurrentReaderNeverSeesAPartialFile() throws {
    let directory = TrainTestSupport.temporaryDirectory(self)
    let url = directory.appendingPathComponent("checkpoint.ncl")
    let versions = [sample(step: 1), sample(step: 2)]
    try versions[0].write(to: url)
    let done = expectation(description: "reader")
    final class Box: @unchecked Sendable { var reads = 0; var failures: [String] = []; var stop = false; let lock = NSLock() }
    let box = Box()
    Thread.detachNewThread {
      while !box.lock.withLock({ box.stop }) {
        do {
          let step = try Checkpoint.read(from: url).step
          box.lock.withLock {
            box.reads += 1
            if step != 1 && step != 2 { box.failures.append("step \(step)") }
          }
        } catch {
          box.lock.withLock { box.failures.append("\(error)") }
        }
      }
      done.fulfill()
    }
    for i in 0..<40 { try versions[i % 2].write(to: url) }
    box.lock.withLock { box.stop = true }
    wait(for: [done], timeout: 30)
    XCTAssertEqual(box.failures, [])
    XCTAssertGreaterThan(box.reads, 0)
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["checkpoint.ncl"])
  }

  private func assertProblem(
    _ data: Data, _ expected: (CheckpointError.Problem) -> Bool, mentions phrase: String,
    file: StaticString = #filePath, line: UInt = #line
  ) {
    let directory = TrainTestSupport.temporaryDirectory(self)
    let url = directory.appendingPathComponent("damaged.ncl")
    try! data.write(to: url)
    XCTAssertThrowsError(try Checkpoint.read(from: url), file: file, line: line) { error in
      guard let error = error as? CheckpointError else { return XCTFail("\(error)", file: file, line: line) }
      XCTAssertTrue(expected(error.problem), "\(error.problem)", file: file, line: line)
      XCTAssertTrue(error.description.contains(url.path), error.description, file: file, line: line)
      XCTAssertTrue(error.description.contains(phrase), error.description, file: file, line: line)
    }
  }

  func testTruncatedFilesAreReportedAsTruncated() throws {
    let data = try sample().encoded()
    for length in [0, 10, 30, data.count / 2, data.count - 1] {
      assertProblem(data.prefix(length), { if case .truncated = $0 { return true } else { return false } }, mentions: "truncated")
    }
  }

  func testWrongMagicAndVersion() throws {
    var data = try sample().encoded()
    var wrongMagic = data
    wrongMagic[0] = UInt8(ascii: "X")
    assertProblem(wrongMagic, { $0 == .wrongMagic }, mentions: "not an NCL checkpoint")
    data[8] = 9
    assertProblem(data, { $0 == .unsupportedVersion(9) }, mentions: "version 9")
    assertProblem(Data("{\"not\": \"a checkpoint\"} and some more text".utf8), { $0 == .wrongMagic }, mentions: "magic")
  }

  func testFlippedByteIsCaughtByTheChecksum() throws {
    let data = try sample().encoded()
    var corrupted = data
    corrupted[data.count - 20] ^= 0x40  // inside the last Float block
    assertProblem(corrupted, { $0 == .checksumMismatch }, mentions: "checksum")
    var trailing = data
    trailing.append(0)
    assertProblem(trailing, { $0 == .trailingBytes(1) }, mentions: "unexpected bytes")
  }

  func testParameterCountMismatch() throws {
    var checkpoint = sample()
    checkpoint.parameters.removeLast()
    checkpoint.optimizer = Adam<Float>.State()
    assertProblem(
      try checkpoint.encoded(), { if case .parameterMismatch = $0 { return true } else { return false } },
      mentions: "parameter count mismatch")
  }

  func testMissingFile() {
    let url = TrainTestSupport.temporaryDirectory(self).appendingPathComponent("absent.ncl")
    XCTAssertThrowsError(try Checkpoint.read(from: url)) { error in
      XCTAssertTrue("\(error)".contains(url.path), "\(error)")
      XCTAssertTrue("\(error)".contains("cannot be read: No such file or directory"), "\(error)")
      XCTAssertFalse("\(error)".contains("Domain="), "raw Foundation error: \(error)")
    }
  }
}
