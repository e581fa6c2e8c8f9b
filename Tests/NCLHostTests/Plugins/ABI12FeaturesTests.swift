// Every ABI 1.2 addition, used by a C plugin through the real loader (Tests/Fixtures/plugins/features_1_2.c).
import XCTest
import Foundation
@testable import NCLHost
import _NCLTestSupport

final class ABI12FeaturesTests: XCTestCase {
  func library() throws -> PluginLibrary {
    try PluginLibrary(path: PluginFixtures.library("Tests/Fixtures/plugins/features_1_2.c", name: "features_1_2", subdirectory: "features").path)
  }

  func objective(mode: String = "ok") throws -> PluginObjective {
    let library = try library()
    return try PluginObjective(library: library, values: library.descriptor.resolve([("mode", mode)]))
  }

  func model(_ objective: PluginObjective, seed: UInt64 = 1) throws -> NCLModel<Float> {
    try NCLModel<Float>(configuration: objective.problem.model, seed: seed)
  }

  func testCreateLearnsItsLibraryPathAndDeclaresItsUnits() throws {
    let o = try objective()
    XCTAssertEqual(try o.library.call(function: "plugin_path", arguments: []), .string(o.library.path))
    XCTAssertEqual(o.problem.units, ProblemUnits(horizon: 0...10, shift: [5, -2], scale: [2, 0.25], noise: .constant(0.3)))
  }

  func testExportedFunctionsReportErrors() throws {
    let library = try library()
    XCTAssertEqual(try library.call(function: "checked_sqrt", arguments: ["6.25"]), .double(2.5))
    XCTAssertThrowsError(try library.call(function: "checked_sqrt", arguments: ["-1"])) { error in
      XCTAssertEqual("\(error)", "Features12: checked_sqrt failed (invalid argument): checked_sqrt: -1 is negative")
    }
    XCTAssertEqual(library.descriptor.functions.map(\.signature.description), ["s()", "d(de)"])
    XCTAssertThrowsError(try ForeignSignature(parsing: "d(ed)")) { error in
      XCTAssertTrue("\(error)".contains("the error buffer 'e' must be the last argument"), "\(error)")
    }
  }

  /// Training differentiates through the plugin's vjp, and where() keeps the NaNs of log(x) at
  /// x <= 0 out of values and gradients: the loss falls and stays finite.
  func testTrainingThroughAPluginDefinedFunction() throws {
    let o = try objective()
    let directory = TrainTestSupport.temporaryDirectory(self)
    let trainer = try Trainer(
      model: model(o), objective: o, configuration: TrainerConfiguration(steps: 30, learningRate: 1e-2), outputDirectory: directory,
      progress: ProgressReporter(mode: .plain, sink: { _ in }))
    let summary = try trainer.run()
    XCTAssertTrue(summary.completed)
    let lines = try String(contentsOf: trainer.metricsURL, encoding: .utf8).split(separator: "\n")
    XCTAssertEqual(lines.filter { $0.contains("\"cost\"") }.count, 30, "one line per step with the plugin's reported terms")
    let checkpoint = try Checkpoint.read(from: trainer.checkpointURL)
    XCTAssertEqual(checkpoint.units, o.problem.units, "the checkpoint records the horizon, data map and noise")
  }

  /// The plugin's vjp gives the same parameter gradient as the host's own operations on the same function.
  func testPluginFunctionGradientMatchesTheHostsOwn() throws {
    let o = try objective()
    let model = try model(o, seed: 3)
    var generator = SeededGenerator(seed: 4)
    let x = Tensor<Float>.randomNormal([16, 2], using: &generator).requiringGradient()
    let def = ExternalFunction(
      name: "square", forward: { inputs, _ in inputs[0].values.map { $0 * $0 } },
      vjp: { inputs, _, g in [zip(inputs[0].values, g.values).map { 2 * $0 * $1 }] })
    let external = try Tensor.external(def, [x * model.parameters[0].sum()], outputShape: [16, 2]).sum()
    let own = (x * model.parameters[0].sum()).squared().sum()
    let a = gradient(of: [external], wrt: [model.parameters[0]])[0], b = gradient(of: [own], wrt: [model.parameters[0]])[0]
    for (u, v) in zip(a.scalars, b.scalars) { XCTAssertEqual(u, v, accuracy: 1e-3 * max(1, abs(v))) }
    XCTAssertNil(DifferentiationFailure.take())
  }

  func testSecondDerivativeThroughAPluginFunctionFailsNamingIt() throws {
    let o = try objective(mode: "second_order")
    let trainer = try Trainer(
      model: model(o), objective: o, configuration: TrainerConfiguration(steps: 2, learningRate: 1e-2),
      outputDirectory: TrainTestSupport.temporaryDirectory(self), progress: ProgressReporter(mode: .plain, sink: { _ in }))
    XCTAssertThrowsError(try trainer.run()) { error in
      XCTAssertTrue("\(error)".contains("user_cost: a second derivative through a plugin-defined function was asked"), "\(error)")
    }
  }

  func testAFailingPluginFunctionFailsTheStepWithItsMessage() throws {
    let o = try objective(mode: "failing_function")
    var generator = SeededGenerator(seed: 1)
    XCTAssertThrowsError(try o.loss(model: model(o), step: 1, generator: &generator)) { error in
      XCTAssertTrue("\(error)".contains("user_cost: forward failed (non-finite value): refusing to evaluate, as asked"), "\(error)")
    }
  }

  func testEvaluationUsesEveryNewOperation() throws {
    let o = try objective()
    var generator = SeededGenerator(seed: 2)
    let metrics = try o.evaluate(model: model(o), generator: &generator)
    XCTAssertLessThan(metrics["log_density_gap"]!, 1e-4, "samples' log-densities equal the field at the samples")
    // Samples come out in data units: around the data map's shift, at its scale.
    XCTAssertEqual(metrics["sample_mean_x1"]!, 5, accuracy: 2 * 2)
    XCTAssertEqual(metrics["sample_mean_x2"]!, -2, accuracy: 2 * 0.5)
    XCTAssertEqual(metrics["sum_min"], 1 + 3 - 5)
    XCTAssertEqual(metrics["sum_max"], 2 + 4 - 2)
    XCTAssertEqual(metrics["two_pow_three"], 8)
    XCTAssertEqual(metrics["finite_count"], 2, "log(-2) is NaN")
    XCTAssertEqual(metrics["path_rank"], 3)
    XCTAssertEqual(metrics["path_times"], 3)
    // Both paths carry t = 0 samples to t = 10: their ends share the exact t = 10 law's mean.
    XCTAssertEqual(metrics["sde_end_mean_x1"]!, metrics["ode_end_mean_x1"]!, accuracy: 0.6)
    XCTAssertTrue(metrics["scoped_mean_log_density"]!.isFinite)
  }

  func testAHandleReleasedByItsScopeIsRefused() throws {
    let o = try objective(mode: "stale_scope")
    var generator = SeededGenerator(seed: 2)
    XCTAssertThrowsError(try o.evaluate(model: model(o), generator: &generator)) { error in
      XCTAssertTrue("\(error)".contains("released by close_scope"), "\(error)")
    }
  }
}
