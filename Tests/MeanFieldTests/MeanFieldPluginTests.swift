// The MeanField plugin, loaded from the built libMeanField.so through the real loader and trained
// through PluginObjective and the Trainer, as nclhost does.
import XCTest
import Foundation
import NCLSupport
import NCLHost
import _NCLTestSupport
import MeanFieldCore

final class MeanFieldPluginTests: XCTestCase {
  static let library = Result { try PluginFixtures.builtPlugin("MeanField") }

  func objective(_ settings: [(key: String, value: String)]) throws -> PluginObjective {
    let library = try Self.library.get()
    return try PluginObjective(library: library, values: library.descriptor.resolve(settings))
  }

  func createError(_ settings: [(key: String, value: String)]) -> String {
    do { _ = try objective(settings); return "no error" } catch { return "\(error)" }
  }

  /// Tiny models and metrics: the tests check that things run and hold, not how well they train.
  static let tiny: [(key: String, value: String)] = [
    ("model_size", "small"), ("batch", "16"), ("eval_samples", "40"), ("eval_times", "3"), ("eval_paths", "20"), ("eval_steps", "6"),
    ("eval_floors", "true"), ("stratified_pool", "400"),
  ]

  // MARK: - Descriptor and parameters

  func testDescriptorProblemsAndParameterErrors() throws {
    let d = try Self.library.get().descriptor
    XCTAssertEqual(d.name, "MeanField")
    XCTAssertEqual(d.parameters.first { $0.name == "task" }?.choices, ["gmm", "v-neck", "s-tunnel", "opinion", "opinion-high"])
    let expected: [(String, Int, ClosedRange<Double>, Double)] = [
      ("gmm", 2, 0...1, 1), ("v-neck", 2, 0...2, 1), ("s-tunnel", 2, 0...3, 1), ("opinion", 2, 0...3, 0.1), ("opinion-high", 100, 0...3, 0.5),
    ]
    for (task, dimension, horizon, sigma) in expected {
      let o = try objective([("task", task)])
      XCTAssertEqual(o.problem.dimension, dimension, task)
      XCTAssertEqual(o.problem.horizon, horizon, task)
      XCTAssertEqual(o.problem.noise, .constant(sigma), task)
    }
    XCTAssertEqual(try objective([("task", "opinion-high"), ("dimension", "7")]).problem.dimension, 7)
    XCTAssertTrue(createError([("task", "gmm"), ("dimension", "3")]).contains("only task=opinion-high takes a dimension"))
    XCTAssertTrue(createError([("batch", "17")]).contains("batch=17 must be even"))
    XCTAssertTrue(createError([("sigma", "0")]).contains("sigma=0.0 must be positive"))
    XCTAssertTrue(createError([("entropy_weight", "abc")]).contains("'abc' in 'abc' is not a finite number"))
    XCTAssertTrue(createError([("entropy_weight", "1,2")]).contains("entropy_weight takes one number"))
    XCTAssertTrue(createError([("task", "opinion-high"), ("plots", "/tmp/x")]).contains("pictures are drawn for d = 2 only"))
  }

  /// Where one setting does not fit every task, `-1` / `task` resolve to the task's own (measured)
  /// value: the GMM's model, suggested run, obstacle weight and margin; the others keep the medium
  /// model and the host's run. An explicit setting wins, and a bad one is refused by name.
  func testTaskDefaults() throws {
    let gmm = try objective([("task", "gmm")]), neck = try objective([("task", "v-neck")])
    XCTAssertEqual(gmm.problem.model.components, 64)
    XCTAssertEqual(gmm.problem.model.hiddenSizes, [128, 128, 128])
    XCTAssertEqual(gmm.problem.suggestedTraining, SuggestedTraining(steps: 6000, learningRate: 3e-3, schedule: .cosine(minimumFactor: 0.01)))
    XCTAssertEqual(neck.problem.model.components, 8)
    XCTAssertEqual(neck.problem.model.hiddenSizes, [64, 64])
    XCTAssertEqual(neck.problem.suggestedTraining, SuggestedTraining())
    // The GMM's mode weights need the larger batch (README, "The batch"); an explicit batch wins.
    XCTAssertEqual(gmm.problem.batchSize, 1024)
    XCTAssertEqual(neck.problem.batchSize, 256)
    XCTAssertEqual(try objective([("task", "gmm"), ("batch", "512")]).problem.batchSize, 512)
    XCTAssertTrue(createError([("batch", "4")]).contains("batch=4: give at least 8, or -1 for the default"))
    XCTAssertEqual(try objective([("task", "gmm"), ("model_size", "small")]).problem.model.components, 4)
    // The Knothe-Rosenblatt flux in every dimension (the telescoping one's drift did not simulate in d = 100).
    XCTAssertEqual(try objective([("task", "opinion-high"), ("dimension", "7")]).problem.model.flux, .knotheRosenblatt)
    XCTAssertEqual(try objective([("task", "opinion-high"), ("flux", "telescoping")]).problem.model.flux, .telescoping(tau: 1))
    XCTAssertTrue(createError([("obstacle_weight", "-0.5")]).contains("obstacle_weight=-0.5: give a weight >= 0, or -1 for the default"))
    XCTAssertTrue(createError([("estimator", "pathwise")]).contains("pathwise"))
    XCTAssertEqual(CrowdTask.make(.gmm).modeShareRate, 0.002)
    XCTAssertEqual(CrowdTask.make(.vNeck).modeShareRate, 0)
    XCTAssertTrue(createError([("mode_share_rate", "-0.5")]).contains("mode_share_rate=-0.5: give a rate >= 0, or -1 for the default"))
  }

  // MARK: - Training and metrics

  /// Every task trains a few steps with each estimator and its metrics are finite; the obstacle
  /// metrics exist exactly for the tasks with obstacles, as fractions.
  func testEveryTaskTrainsAndEvaluates() throws {
    for (task, extra) in [("gmm", []), ("v-neck", []), ("s-tunnel", []), ("opinion", []), ("opinion-high", [("dimension", "4")])] as [(String, [(key: String, value: String)])] {
      for estimator in ["reparameterized", "score"] where task != "opinion-high" || estimator == "score" {
        let o = try objective(Self.tiny + extra + [("task", task), ("estimator", estimator)])
        let model = try NCLModel<Float>(configuration: o.problem.model, seed: 1)
        let summary = try train(o, model: model, steps: 2)
        let m = summary.evaluation
        for key in ["w2_final", "w2_final_floor", "w2_initial", "w2_final_sde", "control_cost", "entropy_cost", "objective_cost"] {
          XCTAssertTrue(m[key]?.isFinite ?? false, "\(task) \(estimator): \(key) = \(String(describing: m[key]))")
        }
        XCTAssertTrue((0...1).contains(m["sde_diverged_fraction"] ?? -1), "\(task) \(estimator): sde_diverged_fraction")
        // The tamed control of the loss never exceeds the plain one (cap (sqrt(1 + 2 c / cap) - 1) <= c).
        let plain = try XCTUnwrap(summary.lastTerms["control"]), tamed = try XCTUnwrap(summary.lastTerms["control_tamed"])
        XCTAssertLessThanOrEqual(tamed, plain * (1 + 1e-5) + 1e-6, "\(task) \(estimator)")
        if task == "gmm" {
          for key in ["w2_final_stratified", "w2_final_stratified_floor", "w2_final_matched_modes"] {
            XCTAssertTrue(m[key]?.isFinite ?? false, "\(key) = \(String(describing: m[key]))")
          }
          XCTAssertTrue((0...1).contains(m["mode_weight_error"] ?? -1))
        }
        let hasObstacles = task != "opinion" && task != "opinion-high"
        for key in ["obstacle_mass_max", "obstacle_mass_sde_max"] {
          XCTAssertEqual(m[key] != nil, hasObstacles, "\(task): \(key)")
          if let f = m[key] { XCTAssertTrue((0...1).contains(f), "\(task): \(key) = \(f)") }
        }
      }
    }
  }

  /// The evaluation integrates the mode weights on the grid only where the grid holds the mass: an
  /// untrained model spreads about a tenth of it beyond (its scale is the data map's), so its
  /// weights are counted on samples, as with mode_share_grid=0, and the grid's mass is reported.
  /// (Integrated and counted weights of trained GMM models agree to the counts' noise: README,
  /// "Metrics"; the quadrature itself is checked in ModeShareConstraintTests.)
  func testModeSharesAreIntegratedOnlyWhereTheGridHoldsTheMass() throws {
    let model = try NCLModel<Float>(configuration: try objective(Self.tiny + [("task", "gmm")]).problem.model, seed: 4)
    func metrics(_ extra: [(key: String, value: String)]) throws -> [String: Double] {
      var generator = SeededGenerator(seed: 9)
      let settings = Self.tiny.filter { $0.key != "stratified_pool" } + [("task", "gmm"), ("stratified_pool", "20000")] + extra
      return try objective(settings).evaluate(model: model, generator: &generator)
    }
    let gridded = try metrics([]), counted = try metrics([("mode_share_grid", "0")])
    let mass = try XCTUnwrap(gridded["mode_share_grid_mass"])
    XCTAssertLessThan(mass, 0.999)
    XCTAssertGreaterThan(mass, 0.5)
    XCTAssertNil(counted["mode_share_grid_mass"])
    for key in ["mode_weight_error", "mode_mass_misplaced"] {
      XCTAssertEqual(try XCTUnwrap(gridded[key]), try XCTUnwrap(counted[key]), key)
    }
    XCTAssertGreaterThan(try XCTUnwrap(counted["mode_mass_misplaced"]), 0.01, "an untrained model misplaces mass")
  }

  /// The mode-share constraint moves (and reports its share error) on the GMM, not at
  /// mode_share_rate=0 and not on a one-mode task.
  func testModeShareConstraintRunsOnTheGMM() throws {
    func terms(_ settings: [(key: String, value: String)]) throws -> [String: Double] {
      let o = try objective(Self.tiny + [("estimator", "score"), ("obstacle_warmup", "0")] + settings)
      return try train(o, model: try NCLModel<Float>(configuration: o.problem.model, seed: 3), steps: 2).lastTerms
    }
    let on = try terms([("task", "gmm")])
    XCTAssertTrue((0...1).contains(try XCTUnwrap(on["mode_share_error"])))
    XCTAssertNil(try terms([("task", "gmm"), ("mode_share_rate", "0")])["mode_share_error"])
    XCTAssertNil(try terms([("task", "v-neck")])["mode_share_error"])
  }

  /// The mode-share multipliers go into the checkpoint (NCL_EXTENSION_STATE): 6 steps straight and
  /// 3 + resume 3 end with the same bits, and dropping the saved state from the checkpoint (what a
  /// resume did before) gives other numbers. A run without the constraint saves no state.
  func testResumeRestoresTheModeShareMultipliers() throws {
    func trainer(_ directory: URL, _ extra: [(key: String, value: String)] = []) throws -> Trainer {
      let o = try objective(Self.tiny + [("task", "gmm"), ("estimator", "score"), ("obstacle_warmup", "0")] + extra)
      return try makeTrainer(o, model: try NCLModel<Float>(configuration: o.problem.model, seed: 3), steps: 6, directory: directory)
    }
    let base = PluginFixtures.directory.appendingPathComponent("meanfield-resume-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: base) }
    func bits(_ summary: TrainingSummary) -> [UInt32] { summary.model.parameters.flatMap(\.scalars).map(\.bitPattern) }
    let straight = try trainer(base.appendingPathComponent("straight")).run()

    for (name, keepState) in [("kept", true), ("dropped", false)] {
      let directory = base.appendingPathComponent(name), first = try trainer(directory)
      first.shouldStop = { $0 == 3 }
      _ = try first.run()
      var checkpoint = try Checkpoint.read(from: first.checkpointURL)
      XCTAssertEqual(try XCTUnwrap(checkpoint.objectiveState).count, 8 * 9, "a count and 8 multipliers")
      if !keepState {
        checkpoint.objectiveState = nil
        try checkpoint.write(to: first.checkpointURL)
      }
      let resumed = try trainer(directory).run(resume: true)
      XCTAssertEqual(resumed.step, 6)
      if keepState { XCTAssertEqual(bits(resumed), bits(straight)) } else { XCTAssertNotEqual(bits(resumed), bits(straight)) }
    }
    let stateless = try trainer(base.appendingPathComponent("off"), [("mode_share_rate", "0")])
    _ = try stateless.run()
    XCTAssertNil(try Checkpoint.read(from: stateless.checkpointURL).objectiveState)
  }

  /// control_cap = 0 trains on the plain control cost; a small cap tames the batch's large costs.
  func testControlCap() throws {
    let base = Self.tiny + [("task", "s-tunnel")]
    let off = try train(try objective(base + [("control_cap", "0")]), model: try NCLModel<Float>(configuration: try objective(base).problem.model, seed: 2), steps: 1)
    XCTAssertEqual(try XCTUnwrap(off.lastTerms["control_tamed"]), try XCTUnwrap(off.lastTerms["control"]), accuracy: 1e-4 * off.lastTerms["control"]!)
    let capped = try train(try objective(base + [("control_cap", "0.01")]), model: try NCLModel<Float>(configuration: try objective(base).problem.model, seed: 2), steps: 1)
    XCTAssertLessThan(try XCTUnwrap(capped.lastTerms["control_tamed"]), 0.5 * (try XCTUnwrap(capped.lastTerms["control"])))
  }

  /// A quiet trainer writing to `directory` (a checkpoint at the end or on interruption only).
  func makeTrainer(_ o: PluginObjective, model: NCLModel<Float>, steps: Int, directory: URL,
                   learningRate: Double = 3e-3, seed: UInt64 = 1) throws -> Trainer {
    var trainer = TrainerConfiguration(steps: steps, learningRate: learningRate)
    trainer.seed = seed
    trainer.checkpointEvery = 0
    trainer.logEvery = steps
    return try Trainer(model: model, objective: o, configuration: trainer, outputDirectory: directory,
                       progress: ProgressReporter(mode: .plain, sink: { _ in }))
  }

  func train(_ o: PluginObjective, model: NCLModel<Float>, steps: Int, learningRate: Double = 3e-3, seed: UInt64 = 1) throws -> TrainingSummary {
    let directory = PluginFixtures.directory.appendingPathComponent("meanfield-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    return try makeTrainer(o, model: model, steps: steps, directory: directory, learningRate: learningRate, seed: seed).run()
  }
}
