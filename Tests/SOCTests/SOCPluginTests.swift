// The SOC plugin, loaded from the built libSOC.so through the real loader and trained through
// PluginObjective and the Trainer, as nclhost does.
import XCTest
import Foundation
import NCLSupport
import NCLHost
@testable import SOCCore
import _NCLTestSupport
import NCLPluginKit

final class SOCPluginTests: XCTestCase {
  static let library = Result { try PluginFixtures.builtPlugin("SOC") }

  /// The worked example of a user's problem, compiled as the README says.
  static let example: Result<URL, Error> = Result {
    let folder = PluginFixtures.directory.appendingPathComponent("soc-example")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let output = folder.appendingPathComponent("libquadratic_ou.so")
    try PluginFixtures.run("/usr/bin/env", ["cc", "-std=c11", "-O1", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC",
                                            PluginFixtures.repository.appendingPathComponent("Plugins/SOC/examples/quadratic_ou.c").path,
                                            "-o", output.path])
    return output
  }

  func objective(_ settings: [(key: String, value: String)]) throws -> PluginObjective {
    let library = try Self.library.get()
    return try PluginObjective(library: library, values: library.descriptor.resolve(settings))
  }

  func createError(_ settings: [(key: String, value: String)]) -> String {
    do { _ = try objective(settings); return "no error" } catch { return "\(error)" }
  }

  func train(_ o: PluginObjective, model: NCLModel<Float>, steps: Int, learningRate: Double = 3e-3, seed: UInt64 = 1) throws -> TrainingSummary {
    var trainer = TrainerConfiguration(steps: steps, learningRate: learningRate)
    trainer.seed = seed
    trainer.checkpointEvery = 0
    trainer.logEvery = steps
    let directory = PluginFixtures.directory.appendingPathComponent("soc-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    return try Trainer(model: model, objective: o, configuration: trainer, outputDirectory: directory,
                       progress: ProgressReporter(mode: .plain, sink: { _ in })).run()
  }

  static let small: [(key: String, value: String)] = [("model_size", "small"), ("eval_paths", "300"), ("eval_steps", "50"),
                                                       ("eval_times", "10"), ("eval_samples", "500")]

  // MARK: - Descriptor and parameters

  func testDescriptorAndParameterErrors() throws {
    let d = try Self.library.get().descriptor
    XCTAssertEqual(d.name, "SOC")
    XCTAssertEqual(d.abiVersion, "1.3.0")
    XCTAssertEqual(d.parameters.first { $0.name == "problem" }?.choices,
                   ["quadratic-easy", "quadratic-hard", "linear-ou", "double-well", "custom"])
    XCTAssertTrue(createError([("problem", "custom")]).contains("problem=custom needs --set dimension=D"))
    XCTAssertTrue(createError([("problem", "custom"), ("dimension", "2")]).contains("needs --set library=PATH"))
    XCTAssertTrue(createError([("init_mean", "1,2,3")]).contains("init_mean has 3 values; give 1 or dimension=2"))
    let o = try objective([("problem", "quadratic-hard")])
    XCTAssertEqual(o.problem.dimension, 2)
    XCTAssertEqual(o.problem.horizon, 0...1)
    XCTAssertEqual(o.problem.noise, .constant(1), "g = sqrt(lambda) sigma")
    let linear = try objective([("problem", "linear-ou")])
    XCTAssertEqual(linear.problem.dimension, 10)
  }

  /// batch=-1 is the dimension's default like every plugin's; 0, the default's spelling in
  /// checkpoints written before, still reads as it; below 8 is refused by name.
  func testBatchDefault() throws {
    func batch(_ overrides: [String: String]) throws -> Int { try Settings(ParameterValues(Settings.declarations, replacing: overrides)).batch }
    XCTAssertEqual(try batch([:]), 256)
    XCTAssertEqual(try batch(["batch": "0"]), 256)
    XCTAssertEqual(try batch(["problem": "linear-ou", "dimension": "20"]), 128)
    XCTAssertEqual(try batch(["batch": "64"]), 64)
    XCTAssertTrue(createError([("batch", "4")]).contains("batch=4: give at least 8, or -1 for the default"))
  }

  // MARK: - Loss

  /// Both estimators read the same exact samples (same values of every term at one seed), their
  /// gradients differ (two estimators of one gradient), everything is finite; the linear OU's
  /// matrix sigma (drift from the velocity and the score) and the double well build finite losses.
  func testLossTermsAndEstimators() throws {
    func step(_ settings: [(key: String, value: String)]) throws -> (terms: [String: Double], gradient: [Float]) {
      let o = try objective(Self.small + [("batch", "32")] + settings)
      let model = try NCLModel<Float>(configuration: o.problem.model, seed: 4)
      var g = SeededGenerator(seed: 8)
      let (loss, terms) = try o.loss(model: model, step: 1, generator: &g)
      XCTAssertTrue(loss.scalar.isFinite, "\(settings)")
      let gradient = gradient(of: [loss], wrt: model.parameters).flatMap(\.scalars)
      XCTAssertTrue(gradient.allSatisfy(\.isFinite), "\(settings)")
      return (terms, gradient)
    }
    let score = try step([("estimator", "score")]), pathwise = try step([("estimator", "reparameterized")])
    for key in ["running", "terminal", "nll0"] {
      XCTAssertEqual(score.terms[key]!, pathwise.terms[key]!, accuracy: 1e-4 * abs(score.terms[key]!), key)
    }
    XCTAssertNotEqual(score.gradient, pathwise.gradient)
    let reverse = try step([("reverse_kl", "true")])
    XCTAssertGreaterThan(reverse.terms["reverse_kl0"] ?? -1, 0, "an untrained rho_0 is far from N(x0, s^2 I)")
    XCTAssertNil(score.terms["reverse_kl0"], "reverse_kl is off by default")
    for problem in ["linear-ou", "double-well"] {
      for estimator in ["score", "reparameterized"] {
        _ = try step([("problem", problem), ("dimension", "3"), ("estimator", estimator)])
      }
    }
  }

  /// The loss's continuation in b (drift_warmup) and the denser early times (time_power): b's factor
  /// rises linearly over the warm-up and is reported; it changes the running term only (b enters
  /// nothing else), and the double well ramps by default; time_power reads the same samples.
  func testDriftWarmupAndEarlyTimes() throws {
    func terms(_ settings: [(key: String, value: String)], step: Int, total: Int) throws -> [String: Double] {
      let o = try objective(Self.small + [("batch", "32")] + settings)
      o.prepare(totalSteps: total)
      let model = try NCLModel<Float>(configuration: o.problem.model, seed: 4)
      var g = SeededGenerator(seed: 8)
      let (loss, terms) = try o.loss(model: model, step: step, generator: &g)
      XCTAssertTrue(loss.scalar.isFinite, "\(settings)")
      return terms
    }
    let ramped = try terms([("drift_warmup", "0.5")], step: 100, total: 1000)
    XCTAssertEqual(ramped["drift_scale"]!, 0.2, accuracy: 1e-6)
    let full = try terms([("drift_warmup", "0.5")], step: 500, total: 1000)
    XCTAssertNil(full["drift_scale"], "b at full strength after the warm-up")
    let plain = try terms([], step: 100, total: 1000)
    XCTAssertNil(plain["drift_scale"], "no warm-up unless asked for (quadratic problems)")
    XCTAssertEqual(ramped["terminal"]!, plain["terminal"]!, accuracy: 1e-5 * abs(plain["terminal"]!))
    XCTAssertEqual(ramped["nll0"]!, plain["nll0"]!, accuracy: 1e-5 * abs(plain["nll0"]!))
    XCTAssertNotEqual(ramped["running"]!, plain["running"]!)
    let well = try terms([("problem", "double-well"), ("dimension", "3")], step: 30, total: 1000)
    XCTAssertEqual(well["drift_scale"]!, 0.1, accuracy: 1e-6, "double-well: 30 % of the steps by default")
    let early = try terms([("time_power", "2")], step: 1, total: 10)
    XCTAssertEqual(early["terminal"]!, plain["terminal"]!, accuracy: 1e-5 * abs(plain["terminal"]!))
    XCTAssertNotEqual(early["running"]!, plain["running"]!)
  }

  // MARK: - A user's own problem

  /// The vector-Jacobian products of the example's C functions against central differences of the functions.
  func testUserFunctionDerivativesByFiniteDifferences() throws {
    let functions = try UserFunctions(path: try Self.example.get().path, prefix: "soc_")
    XCTAssertTrue(functions.hasDerivatives)
    let n = 3, d = 2
    var random = SeededGenerator(seed: 1)
    let x = random.normals(n * d)
    for which in UserFunctions.Which.allCases {
      let outputCount = which == .drift ? n * d : n
      let v = random.normals(outputCount)
      let f = functions.definitions[which]!
      let input = DifferentiableFunctionArray(x, n, d)
      let output = try f.function.forward([input], [outputCount])
      let analytic = try f.function.vjp([input], .init(values: output, shape: [outputCount]), .init(values: v, shape: [outputCount]))[0]
      let h = 1e-6
      for k in 0..<(n * d) {
        var plus = x, minus = x
        plus[k] += h
        minus[k] -= h
        let fp = try functions.evaluate(which, plus, dimension: d), fm = try functions.evaluate(which, minus, dimension: d)
        let numeric = zip(zip(fp, fm), v).reduce(0) { $0 + ($1.0.0 - $1.0.1) / (2 * h) * $1.1 }
        XCTAssertEqual(analytic[k], numeric, accuracy: 1e-6 * max(1, abs(numeric)), "\(which) element \(k)")
      }
    }
  }

  /// The example (quadratic-hard written in C) poses the built-in problem: at one seed the same
  /// loss terms and, through the host's calls of the functions' vector-Jacobian products, the same
  /// pathwise gradient; the score estimator needs no derivative and agrees too.
  func testCustomProblemMatchesTheBuiltIn() throws {
    let path = try Self.example.get().path
    for estimator in ["reparameterized", "score"] {
      func step(_ settings: [(key: String, value: String)]) throws -> (terms: [String: Double], gradient: [Float]) {
        let o = try objective(Self.small + [("batch", "32"), ("estimator", estimator)] + settings)
        let model = try NCLModel<Float>(configuration: o.problem.model, seed: 2)
        var g = SeededGenerator(seed: 3)
        let (loss, terms) = try o.loss(model: model, step: 1, generator: &g)
        return (terms, gradient(of: [loss], wrt: model.parameters).flatMap(\.scalars))
      }
      let builtIn = try step([("problem", "quadratic-hard")])
      let custom = try step([("problem", "custom"), ("library", path), ("dimension", "2"), ("init_mean", "0.4,0.6")])
      for key in ["running", "terminal", "nll0"] {
        XCTAssertEqual(custom.terms[key]!, builtIn.terms[key]!, accuracy: 1e-4 * abs(builtIn.terms[key]!), "\(estimator) \(key)")
      }
      let scale = builtIn.gradient.map { abs($0) }.max()!
      let largest = zip(custom.gradient, builtIn.gradient).map { abs($0 - $1) }.max()!
      XCTAssertLessThan(largest, 1e-3 * scale, "\(estimator): gradients differ by \(largest) (scale \(scale))")
    }
  }

  // MARK: - Training and metrics

  /// A short run on quadratic-hard d = 2 brings the relative control error well below its initial
  /// value; the metrics' optimal cost by simulation agrees with the closed form. (A wider initial law
  /// than the default, s = 0.3: the first times after a narrow start take the longest to learn, see
  /// the README; the exact control does not depend on s.)
  func testShortTrainingReducesTheControlError() throws {
    let o = try objective(Self.small + [("problem", "quadratic-hard"), ("batch", "128"), ("init_std", "0.3")])
    let model = try NCLModel<Float>(configuration: o.problem.model, seed: 1)
    var g = SeededGenerator(seed: 5)
    let before = try o.evaluate(model: model, generator: &g)
    let summary = try train(o, model: model, steps: 300)
    let after = summary.evaluation
    print("SOC short run: before \(before)\nafter \(after)")
    let initial = before["control_l2_error"]!, final = after["control_l2_error"]!
    XCTAssertLessThan(final, 0.25 * initial, "control error \(initial) -> \(final)")
    XCTAssertLessThan(after["control_l2_error_late"]!, 0.15 * before["control_l2_error_late"]!)
    XCTAssertEqual(after["optimal_cost_mc"]!, after["optimal_cost"]!,
                   accuracy: 4 * after["optimal_cost_mc_std_error"]! + 0.03 * after["optimal_cost"]!)
    XCTAssertLessThan(after["cost"]!, before["cost"]!)
    XCTAssertNotNil(after["w2_t0.5"])
  }
}

/// An input array of the differentiable function (n x d).
func DifferentiableFunctionArray(_ values: [Double], _ n: Int, _ d: Int) -> NCLPluginKit.DifferentiableFunction.Array {
  .init(values: values, shape: [n, d])
}
