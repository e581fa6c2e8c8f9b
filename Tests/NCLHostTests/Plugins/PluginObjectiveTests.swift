// A plugin's objective through the host bridge: parameters, errors, handles, and training.
import XCTest
import Foundation
@testable import NCLHost
import NCLPluginAPI
import _NCLTestSupport

final class PluginObjectiveTests: XCTestCase {
  func fixture() throws -> PluginLibrary {
    try PluginLibrary(path: PluginFixtures.library("Tests/Fixtures/plugins/fixture.c", name: "fixture", subdirectory: "objective").path)
  }

  func objective(_ settings: [(key: String, value: String)] = []) throws -> PluginObjective {
    let library = try fixture()
    return try PluginObjective(library: library, values: library.descriptor.resolve(settings))
  }

  func testParameterErrorsNameTheParameter() throws {
    let d = try fixture().descriptor
    func message(_ settings: [(key: String, value: String)]) -> String {
      do { _ = try d.resolve(settings); return "no error" } catch { return "\(error)" }
    }
    XCTAssertTrue(message([("scal", "2")]).contains("Fixture has no parameter 'scal'; did you mean 'scale'?"), message([("scal", "2")]))
    XCTAssertTrue(message([("scale", "abc")]).contains("parameter 'scale' (float): value 'abc' is not a number"))
    XCTAssertTrue(message([("scale", "50")]).contains("is outside [0.1, 10.0]"))
    XCTAssertTrue(message([("mode", "fast")]).contains("is not one of ok, crash, nan, stale_handle, fail_create, crash_create, crash_evaluate"))
    XCTAssertTrue(message([("data", "/no/such/file.txt")]).contains("names no file"))
    XCTAssertTrue(message([("scale", "2"), ("scale", "3")]).contains("set twice"))
    let values = try d.resolve([("scale", "2.5")])
    XCTAssertEqual(values.map(\.text), ["ok", "", "2.5", "0"])
    XCTAssertEqual(values[2].number, 2.5)
  }

  func testCreateFailureWrapsThePluginsMessage() {
    XCTAssertThrowsError(try objective([("mode", "fail_create")])) { error in
      XCTAssertEqual("\(error)", "Fixture: create failed (invalid argument): refusing to start, as asked (mode=fail_create)")
    }
  }

  func testBadDataFileNamesTheLine() throws {
    let file = PluginFixtures.directory.appendingPathComponent("bad-data.txt")
    try "1.5\n2\nabc\n".write(to: file, atomically: true, encoding: .utf8)
    XCTAssertThrowsError(try objective([("data", file.path)])) { error in
      XCTAssertTrue("\(error)".contains("bad data"), "\(error)")
      XCTAssertTrue("\(error)".contains("bad-data.txt:3: 'abc' is not a number"), "\(error)")
    }
  }

  func testProblemAndLossThroughTheBridge() throws {
    let o = try objective([("scale", "2")])
    XCTAssertEqual(o.problem.dimension, 1)
    XCTAssertEqual(o.problem.model.components, 2)
    XCTAssertEqual(o.problem.model.hiddenSizes, [8])
    let model = try NCLModel<Float>(configuration: o.problem.model, seed: 1)
    var g = SeededGenerator(seed: 2)
    let (loss, terms) = try o.loss(model: model, step: 1, generator: &g)
    XCTAssertEqual(loss.shape, [])
    XCTAssertTrue(loss.requiresGradient, "the loss must be differentiable with respect to the model")
    XCTAssertEqual(terms["nll"] ?? .nan, Double(loss.scalar), accuracy: 1e-6)
    // The same draws reproduce the same loss: the plugin's randomness is the host's stream.
    var again = SeededGenerator(seed: 2)
    XCTAssertEqual(try o.loss(model: model, step: 1, generator: &again).loss.scalar, loss.scalar)
    XCTAssertEqual(again.next(), g.next())
  }

  func testTrainingThroughAPluginLowersItsLoss() throws {
    let o = try objective([("scale", "0.5")])
    var model = try NCLModel<Float>(configuration: o.problem.model, seed: 3)
    var adam = Adam<Float>(learningRate: 1e-2)
    var g = SeededGenerator(seed: 4)
    var first = 0.0, last = 0.0
    for step in 1...60 {
      let (loss, _) = try o.loss(model: model, step: step, generator: &g)
      if step <= 10 { first += Double(loss.scalar) / 10 }
      if step > 50 { last += Double(loss.scalar) / 10 }
      model.parameters = adam.step(model.parameters, gradients: gradient(of: [loss], wrt: model.parameters))
    }
    XCTAssertLessThan(last, first - 0.2, "training through the plugin did not reduce its NLL (\(first) -> \(last))")
    let metrics = try o.evaluate(model: model, generator: &g)
    XCTAssertNotNil(metrics["nll"])
  }

  /// The plugin sees the run's length in every step's info once the trainer has announced it.
  func testPluginSeesTheTotalNumberOfSteps() throws {
    let o = try objective([])
    let model = try NCLModel<Float>(configuration: o.problem.model, seed: 1)
    var g = SeededGenerator(seed: 2)
    XCTAssertEqual(try o.loss(model: model, step: 1, generator: &g).terms["total_steps"], 0)
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ncl-total-steps-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let configuration = TrainerConfiguration(steps: 3, learningRate: 1e-3)
    _ = try Trainer(model: model, objective: o, configuration: configuration, outputDirectory: directory).run()
    XCTAssertEqual(o.totalSteps, 3)
    XCTAssertEqual(try o.loss(model: model, step: 4, generator: &g).terms["total_steps"], 3)
  }

  func testHandleKeptAcrossCallsIsRejected() throws {
    let o = try objective([("mode", "stale_handle")])
    let model = try NCLModel<Float>(configuration: o.problem.model, seed: 1)
    var g = SeededGenerator(seed: 1)
    _ = try o.loss(model: model, step: 1, generator: &g)
    XCTAssertThrowsError(try o.loss(model: model, step: 2, generator: &g)) { error in
      XCTAssertTrue("\(error)".contains("invalid tensor handle"), "\(error)")
      XCTAssertTrue("\(error)".contains("kept from an earlier call"), "\(error)")
    }
  }

  /// Every call into the plugin is announced on entry and return, with the step (what --isolate reports).
  func testCallsAreTracedWithTheirStep() throws {
    let path = try fixture().path
    var calls: [PluginCallTrace.Call] = []
    PluginCallTrace.step = nil
    PluginCallTrace.observer = { calls.append($0) }
    defer { PluginCallTrace.observer = nil }
    do {
      let o = try objective([])
      let model = try NCLModel<Float>(configuration: o.problem.model, seed: 1)
      var g = SeededGenerator(seed: 1)
      _ = try o.loss(model: model, step: 7, generator: &g)
      _ = try o.evaluate(model: model, generator: &g)
    }
    let entered = calls.filter(\.inProgress).map { "\($0.plugin) \($0)" }
    XCTAssertEqual(entered, ["\(path) ncl_plugin_entry", "Fixture create", "Fixture loss at step 7", "Fixture evaluate at step 7",
                             "Fixture destroy at step 7"])
    XCTAssertEqual(calls.filter { !$0.inProgress }.count, 5, "each call also announces its return")
    XCTAssertEqual(PluginCallTrace.current?.inProgress, false)
  }

  /// The fixture fails the step with last_error() as its own message: the host's error, which is
  /// the same text, must not be appended a second time ("X; host: X").
  func testHostErrorQuotedByThePluginIsPrintedOnce() throws {
    let o = try objective([("mode", "stale_handle")])
    let model = try NCLModel<Float>(configuration: o.problem.model, seed: 1)
    var g = SeededGenerator(seed: 1)
    _ = try o.loss(model: model, step: 1, generator: &g)
    XCTAssertThrowsError(try o.loss(model: model, step: 2, generator: &g)) { error in
      let text = "\(error)"
      XCTAssertEqual(text.components(separatedBy: "invalid tensor handle").count - 1, 1, text)
      XCTAssertFalse(text.contains("host:"), text)
    }
  }

  /// A plugin working on [0, 30] sees times in its units: fields at tau = 15 are the model's at
  /// t = 0.5, with rates and velocities per unit of tau (divided by 30) and g in those units.
  func testTimeHorizonMapsOntoTheModelsUnitInterval() throws {
    let o = try objective([("horizon", "30")])
    XCTAssertEqual(o.problem.horizon, 0...30)
    let model = try NCLModel<Float>(configuration: o.problem.model, seed: 5).detached()
    let x = Tensor<Float>(shape: [3, 1], scalars: [-1, 0.2, 1.5])
    let reference = model.fields(t: Tensor(Float(0.5)), x: x, differentiable: false)
    let bridge = o.bridge
    bridge.model = model
    bridge.differentiable = false
    defer { bridge.model = nil }
    let api = bridge.host.pointee.api.pointee
    func read(_ handle: OpaquePointer?) -> [Float] {
      XCTAssertNotNil(handle, bridge.lastError ?? "")
      return bridge.tensor(handle, "test")?.scalars ?? []
    }
    bridge.withCall {
      let tau = api.full(bridge.host, 15, nil, 0)
      var shape: [Int64] = [3, 1]
      let points = api.tensor(bridge.host, x.scalars.map(Double.init), &shape, 2)
      XCTAssertEqual(read(api.field(bridge.host, ncl_field_t(NCL_FIELD_LOG_DENSITY), tau, points)), reference.logDensity.scalars)
      let velocity = read(api.field(bridge.host, ncl_field_t(NCL_FIELD_VELOCITY), tau, points))
      for (v, r) in zip(velocity, reference.velocity.scalars) { XCTAssertEqual(v, r / 30, accuracy: 1e-6 * max(1, abs(r))) }
      let rate = read(api.field(bridge.host, ncl_field_t(NCL_FIELD_TIME_DERIVATIVE), tau, points))
      for (v, r) in zip(rate, reference.timeDerivativeOfLogDensity.scalars) { XCTAssertEqual(v, r / 30, accuracy: 1e-6 * max(1, abs(r))) }
      // Drift in the plugin's time: j / rho per unit tau + (g^2 / 2) score with the plugin's g = 0.5.
      let drift = read(api.field(bridge.host, ncl_field_t(NCL_FIELD_DRIFT), tau, points))
      for i in 0..<3 {
        XCTAssertEqual(drift[i], reference.velocity.scalars[i] / 30 + 0.125 * reference.score.scalars[i], accuracy: 1e-5)
      }
    }
  }
}
