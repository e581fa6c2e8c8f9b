// The DynamicalOT plugin, loaded from the built libDynamicalOT.so through the real loader and
// trained through PluginObjective and the Trainer, as nclhost does.
import XCTest
import Foundation
import NCLHost
import _NCLTestSupport

final class DynamicalOTTests: XCTestCase {
  static let library = Result { try PluginFixtures.builtPlugin("DynamicalOT") }

  func objective(_ settings: [(key: String, value: String)]) throws -> PluginObjective {
    let library = try Self.library.get()
    return try PluginObjective(library: library, values: library.descriptor.resolve(settings))
  }

  func createError(_ settings: [(key: String, value: String)]) -> String {
    do { _ = try objective(settings); return "no error" } catch { return "\(error)" }
  }

  /// Trains with the Trainer (checkpoints and metrics in a scratch directory) and evaluates at the end.
  func train(_ o: PluginObjective, steps: Int, learningRate: Double = 3e-3, seed: UInt64 = 1,
             model: ((inout ModelConfiguration) -> Void)? = nil) throws -> TrainingSummary {
    var configuration = o.problem.model
    model?(&configuration)
    var trainer = TrainerConfiguration(steps: steps, learningRate: learningRate)
    trainer.seed = seed
    trainer.schedule = .cosine(minimumFactor: 0.01)
    trainer.checkpointEvery = 0
    trainer.logEvery = steps
    let directory = PluginFixtures.directory.appendingPathComponent("dynamical-ot-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    return try Trainer(model: NCLModel<Float>(configuration: configuration, seed: seed), objective: o, configuration: trainer,
                       outputDirectory: directory, progress: ProgressReporter(mode: .plain, sink: { _ in })).run()
  }

  // MARK: - Descriptor and functions

  func testDescriptorAndFunctions() throws {
    let library = try Self.library.get()
    let d = library.descriptor
    XCTAssertEqual(d.name, "DynamicalOT")
    XCTAssertEqual(d.id, "org.ncl.dynamical-ot")
    XCTAssertEqual(d.abiVersion, "1.3.0")
    let names = d.parameters.map(\.name)
    for name in ["data", "source", "target", "dimension", "csv", "population", "leave_out", "kinetic_weight", "constraint_rate", "estimator",
                 "proposal", "noise", "jacobian_weight", "jacobian_estimator", "velocity_gradient_weight", "divergence_free", "flux", "batch"] {
      XCTAssertTrue(names.contains(name), "missing parameter \(name)")
    }
    XCTAssertEqual(d.parameters.first { $0.name == "estimator" }?.choices, ["importance", "score", "reparameterized"])
    XCTAssertEqual(d.parameters.first { $0.name == "jacobian_estimator" }?.choices, ["exact", "hutchinson"])
    XCTAssertEqual(d.parameters.first { $0.name == "kinetic_weight" }?.defaultValue, "-1")
    XCTAssertEqual(try library.call(function: "gaussian_w2", arguments: ["2", "-1", "0.5", "1", "1"]), .double(8.5))
    XCTAssertEqual(try library.call(function: "gaussian_w2", arguments: ["2", "0,1", "1,2", "3,1", "1,1"]), .double(9 + 0 + 0 + 1))
    guard case .double(let w2) = try library.call(function: "discrete_ot", arguments: ["8gaussians", "8gaussians", "200", "3"]),
          case .double(let shifted) = try library.call(function: "discrete_ot", arguments: ["2gaussians", "8gaussians", "200", "3"]) else {
      return XCTFail("discrete_ot should return a double")
    }
    XCTAssertLessThan(w2, 0.25, "two samples of one law are close")
    XCTAssertGreaterThan(shifted, w2 + 1)
  }

  // MARK: - Parameters and data

  func testParameterErrorsNameTheProblem() throws {
    XCTAssertTrue(createError([("dimension", "3")]).contains("dimension=3, but the built-in toys"), createError([("dimension", "3")]))
    XCTAssertTrue(createError([("source", "gaussian"), ("target", "gaussian"), ("dimension", "3"), ("mean0", "1,2")])
      .contains("mean0 has 2 values; give 1 or dimension=3"))
    XCTAssertTrue(createError([("source", "gaussian"), ("std0", "0")]).contains("std0: 0.0 must be positive"))
    XCTAssertTrue(createError([("leave_out", "1")]).contains("leave_out=1 needs data=csv or data=population"))
    XCTAssertTrue(createError([("data", "csv")]).contains("data=csv needs --set csv=FILE"))
    XCTAssertTrue(createError([("data", "population"), ("population_size", "20"), ("leave_out", "4")])
      .contains("leave_out=4 must name an intermediate snapshot, 1...3"))
    let noSteps: [(key: String, value: String)] = [("kinetic_weight_final", "0.01"), ("kinetic_anneal_steps", "0")]
    XCTAssertTrue(createError(noSteps).contains("needs both positive and kinetic_anneal_steps > 0"))
    // kinetic_weight=-1 (the default) resolves to 0.5 for the ncl-* pair and 0.05 for the rest.
    XCTAssertTrue(createError(noSteps).contains("from kinetic_weight=0.5 to"))
    XCTAssertTrue(createError([("source", "pinwheel")] + noSteps).contains("from kinetic_weight=0.05 to"))
    XCTAssertTrue(createError([("source", "gaussian"), ("target", "gaussian")] + noSteps).contains("from kinetic_weight=0.05 to"))
    XCTAssertTrue(createError([("kinetic_weight", "0.2")] + noSteps).contains("from kinetic_weight=0.2 to"))
    XCTAssertTrue(createError([("kinetic_weight", "-0.5")]).contains("kinetic_weight=-0.5: give a weight >= 0, or -1 for the default"))
    XCTAssertTrue(createError([("constraint_rate", "-0.5")]).contains("constraint_rate=-0.5: give a dual step >= 0 (0: off), or -1 for the default"))
  }

  func testCSVSnapshots() throws {
    let file = PluginFixtures.directory.appendingPathComponent("snapshots.csv")
    var text = "day,x,y,z\n"
    for (day, shift) in [(0.0, 0.0), (2.0, 1.0), (4.0, 2.0)] {
      for i in 0..<30 { text += "\(day),\(shift + 0.01 * Double(i)),\(-shift),\(0.1 * Double(i % 3))\n" }
    }
    try text.write(to: file, atomically: true, encoding: .utf8)
    let o = try objective([("data", "csv"), ("csv", file.path), ("leave_out", "1"), ("batch", "16")])
    XCTAssertEqual(o.problem.dimension, 3)
    XCTAssertEqual(o.problem.horizon, 0...4, "the horizon spans the file's times, in its units")
    XCTAssertNotNil(o.problem.model.divergenceFreeHiddenSizes, "divergence-free term on by default for D >= 2")
    XCTAssertEqual(o.problem.suggestedTraining.steps, 6000, "more than two snapshots: the leave-one-out runs' length")
    let twoTimes = PluginFixtures.directory.appendingPathComponent("two-snapshots.csv")
    try text.split(separator: "\n").filter { !$0.hasPrefix("4.0,") }.joined(separator: "\n").write(to: twoTimes, atomically: true, encoding: .utf8)
    let pair = try objective([("data", "csv"), ("csv", twoTimes.path), ("batch", "16")])
    XCTAssertEqual(pair.problem.horizon, 0...2)
    XCTAssertEqual(pair.problem.suggestedTraining.steps, 12_000, "two marginals: the pair's length")
    let pairModel = try NCLModel<Float>(configuration: pair.problem.model, seed: 1)
    var pairGenerator = SeededGenerator(seed: 1)
    XCTAssertEqual(Set(try pair.loss(model: pairModel, step: 1, generator: &pairGenerator).terms.keys), ["nll0", "nll1", "constraint0", "constraint1", "kinetic"],
                   "two marginals: hard marginal constraints on by default, no acceleration prior")
    let model = try NCLModel<Float>(configuration: o.problem.model, seed: 1)
    var g = SeededGenerator(seed: 1)
    let (_, terms) = try o.loss(model: model, step: 1, generator: &g)
    XCTAssertEqual(Set(terms.keys), ["nll0", "nll2", "kinetic", "acceleration"], "snapshot 1 is left out of training; constraints off by default for 3 or more")
    let constrained = try objective([("data", "csv"), ("csv", file.path), ("leave_out", "1"), ("batch", "16"), ("constraint_rate", "0.01")])
    XCTAssertEqual(Set(try constrained.loss(model: model, step: 1, generator: &g).terms.keys),
                   ["nll0", "nll2", "constraint0", "constraint2", "kinetic", "acceleration"], "the left-out snapshot is not constrained")

    try "t,x\n0,1\n0,2\n1,abc\n".write(to: file, atomically: true, encoding: .utf8)
    XCTAssertTrue(createError([("data", "csv"), ("csv", file.path)]).contains("snapshots.csv:4: column 'x' is not a number: 'abc'"))
    try "0,1,2\n0,2,3\n1,3\n".write(to: file, atomically: true, encoding: .utf8)
    XCTAssertTrue(createError([("data", "csv"), ("csv", file.path)]).contains("snapshots.csv:3: 2 fields, but earlier rows have 3"))
    try "0,1\n0,2\n".write(to: file, atomically: true, encoding: .utf8)
    XCTAssertTrue(createError([("data", "csv"), ("csv", file.path)]).contains("need at least two distinct times"))
  }

  // MARK: - Estimators

  /// Importance sampling (two proposals) and exact samples estimate the same kinetic energy of a
  /// fixed (untrained) model, averaged over three draws of 2048 points. The proposals are widened:
  /// an untrained model spreads mass beyond the marginals, and a proposal that misses mass
  /// underestimates (the default box, 3.5 standard deviations around the marginals, reads about 40 % low here).
  func testEstimatorsAgreeOnTheKineticEnergy() throws {
    func kinetic(_ settings: [(key: String, value: String)]) throws -> Double {
      let o = try objective([("source", "gaussian"), ("target", "gaussian"), ("batch", "2048"), ("model_size", "small")] + settings)
      let model = try NCLModel<Float>(configuration: o.problem.model, seed: 7)
      return try (0..<3).reduce(0.0) { total, seed in
        var g = SeededGenerator(seed: UInt64(seed))
        return total + (try o.loss(model: model, step: 1, generator: &g).terms["kinetic"]!) / 3
      }
    }
    let exact = try kinetic([("estimator", "score")])
    let gaussian = try kinetic([("estimator", "importance"), ("proposal", "gaussian"), ("proposal_scale", "3")])
    let box = try kinetic([("estimator", "importance"), ("proposal", "box"), ("proposal_scale", "6")])
    XCTAssertGreaterThan(exact, 0)
    XCTAssertEqual(gaussian, exact, accuracy: 0.15 * exact, "importance (gaussian proposal) \(gaussian) vs exact samples \(exact)")
    XCTAssertEqual(box, exact, accuracy: 0.15 * exact, "importance (box proposal) \(box) vs exact samples \(exact)")
  }

  func testJacobianVelocityGradientAccelerationAndNoiseBuildADifferentiableLoss() throws {
    for estimator in ["importance", "score", "reparameterized"] {
      let o = try objective([("source", "gaussian"), ("target", "gaussian"), ("batch", "32"), ("model_size", "small"),
                             ("estimator", estimator), ("jacobian_weight", "0.1"), ("acceleration_weight", "0.01"), ("noise", "0.3"),
                             ("velocity_gradient_weight", "0.1")])
      XCTAssertEqual(o.problem.noise, .constant(0.3))
      let model = try NCLModel<Float>(configuration: o.problem.model, seed: 3)
      var g = SeededGenerator(seed: 5)
      let (loss, terms) = try o.loss(model: model, step: 1, generator: &g)
      XCTAssertTrue(loss.requiresGradient)
      XCTAssertTrue(loss.scalar.isFinite)
      XCTAssertGreaterThan(terms["jacobian"] ?? -1, 0, "an untrained field is not a gradient field")
      XCTAssertGreaterThan(terms["acceleration"] ?? -1, 0, "an untrained flow does not move at constant velocity")
      XCTAssertTrue(terms["acceleration"]?.isFinite ?? false)
      XCTAssertGreaterThan(terms["velocity_gradient"] ?? -1, 0, "an untrained flow is not a translation")
      let gradients = gradient(of: [loss], wrt: model.parameters)
      XCTAssertTrue(gradients.allSatisfy { $0.scalars.allSatisfy(\.isFinite) })
    }
  }

  /// velocity_gradient_weight's term, Hutchinson's estimate of length * E_{t, x ~ rho_t} |grad u|_F^2
  /// on every 8th kinetic point, and jacobian_weight's, length * E |grad u - grad u^T|_F^2 (Hutchinson's
  /// on the same points, and exact on all of them), against the same expectations computed here:
  /// exact samples at stratified times and the Jacobian of the velocity by central differences, in
  /// the data's units (snapshots at days 1 and 3.5, coordinates in the tens: a horizon and a data map
  /// that are not the identity). The plugin's estimates are averaged over three draws of its points;
  /// the Monte Carlo estimates agree within 10 % (Dirichlet 1.4 %, curl 1.9 % Hutchinson and 0.3 %
  /// exact when written). With the weights 0 the terms are absent, and negative weights are refused.
  func testVelocityGradientAndCurlTermsAreTheirJacobianNorms() throws {
    let file = PluginFixtures.directory.appendingPathComponent("dirichlet-snapshots.csv")
    var random = SeededGenerator(seed: 3)
    var text = "day,x,y\n"
    for (day, center, spread) in [(1.0, -10.0, 3.0), (3.5, 20.0, 8.0)] {
      for _ in 0..<200 {
        text += "\(day),\(center + spread * Double.random(in: -1...1, using: &random)),\(0.5 * center + spread * Double.random(in: -1...1, using: &random))\n"
      }
    }
    try text.write(to: file, atomically: true, encoding: .utf8)
    let settings: [(key: String, value: String)] = [("data", "csv"), ("csv", file.path), ("model_size", "small"),
                                                     ("velocity_gradient_weight", "0.1"), ("jacobian_weight", "0.1")]
    let o = try objective(settings + [("batch", "8192")])
    let model = try NCLModel<Float>(configuration: o.problem.model, seed: 7)
    func plugin(_ term: String, _ o: PluginObjective) throws -> Double {
      try (0..<3).reduce(0.0) { total, seed in
        var g = SeededGenerator(seed: UInt64(seed))
        return total + (try XCTUnwrap(o.loss(model: model, step: 1, generator: &g).terms[term])) / 3
      }
    }
    let dirichlet = try plugin("velocity_gradient", o), curl = try plugin("jacobian", o)
    let exactCurl = try plugin("jacobian", objective(settings + [("batch", "8192"), ("jacobian_estimator", "exact")]))

    let units = o.problem.units, n = 12_000, d = o.problem.dimension, h: Float = 1e-2
    var g = SeededGenerator(seed: 11)
    let times = (0..<n).map { (Double($0) + Double.random(in: 0..<1, using: &g)) / Double(n) }
    let t = Tensor<Float>(shape: [n, 1], scalars: times.map(Float.init))
    let x = units.dataPoints(model.sample(at: t, using: &g)).scalars
    let tau = Tensor<Float>(shape: [n, 1], scalars: times.map { Float(units.horizon.lowerBound + units.horizonLength * $0) })
    func velocity(_ points: [Float]) -> [Float] {
      units.fields(of: model, t: tau, x: Tensor(shape: [n, d], scalars: points), differentiable: false).velocity.scalars
    }
    // jacobians[i][k * d + j] = d u_k / d x_j at point i.
    var jacobians = [[Double]](repeating: [Double](repeating: 0, count: d * d), count: n)
    for j in 0..<d {
      var plus = x, minus = x
      for i in 0..<n { plus[i * d + j] += h; minus[i * d + j] -= h }
      let up = velocity(plus), down = velocity(minus)
      for i in 0..<n {
        for k in 0..<d { jacobians[i][k * d + j] = Double(up[i * d + k] - down[i * d + k]) / Double(2 * h) }
      }
    }
    func reference(_ norm: ([Double]) -> Double) -> Double { units.horizonLength * jacobians.reduce(0) { $0 + norm($1) } / Double(n) }
    let frobenius = reference { $0.reduce(0) { $0 + $1 * $1 } }
    let asymmetry = reference { j in (0..<d).reduce(0) { total, k in total + (0..<d).reduce(0) { $0 + pow(j[k * d + $1] - j[$1 * d + k], 2) } } }
    XCTAssertGreaterThan(frobenius, 0)
    XCTAssertGreaterThan(asymmetry, 0.01 * frobenius, "an untrained field is not a gradient field")
    XCTAssertEqual(o.problem.horizon, 1...3.5)
    XCTAssertEqual(dirichlet, frobenius, accuracy: 0.1 * frobenius, "Dirichlet: plugin \(dirichlet), central differences \(frobenius)")
    XCTAssertEqual(curl, asymmetry, accuracy: 0.1 * asymmetry, "curl (Hutchinson): plugin \(curl), central differences \(asymmetry)")
    XCTAssertEqual(exactCurl, asymmetry, accuracy: 0.1 * asymmetry, "curl (exact): plugin \(exactCurl), central differences \(asymmetry)")

    let off = try objective(settings.dropLast(2) + [("batch", "64")])
    var g2 = SeededGenerator(seed: 1)
    let terms = try off.loss(model: model, step: 1, generator: &g2).terms
    XCTAssertNil(terms["velocity_gradient"])
    XCTAssertNil(terms["jacobian"])
    for name in ["velocity_gradient_weight", "jacobian_weight"] {
      let negative = createError([(name, "-1")])
      XCTAssertTrue(negative.contains(name), negative)
    }
    let estimator = createError([("jacobian_estimator", "forward")])
    XCTAssertTrue(estimator.contains("jacobian_estimator"), estimator)
  }

  /// The acceleration prior is on by default for snapshots (a smoothness prior across them) and
  /// off for a pair; an explicit weight wins, and a negative one other than -1 is refused.
  func testAccelerationPriorDefaultsToSnapshotsOnly() throws {
    func terms(_ settings: [(key: String, value: String)]) throws -> [String: Double] {
      let o = try objective([("batch", "32"), ("model_size", "small")] + settings)
      let model = try NCLModel<Float>(configuration: o.problem.model, seed: 3)
      var g = SeededGenerator(seed: 5)
      return try o.loss(model: model, step: 1, generator: &g).terms
    }
    let snapshots: [(key: String, value: String)] = [("data", "population"), ("population", "geodesic"), ("population_size", "80")]
    XCTAssertGreaterThan(try terms(snapshots)["acceleration"] ?? -1, 0)
    XCTAssertNil(try terms(snapshots + [("acceleration_weight", "0")])["acceleration"])
    XCTAssertNil(try terms([("source", "gaussian"), ("target", "gaussian")])["acceleration"], "a pair has no acceleration term by default")
    let negative = createError([("acceleration_weight", "-2")])
    XCTAssertTrue(negative.contains("acceleration_weight"), negative)
  }

  /// The acceleration prior is warmed up over the first acceleration_warmup of the run: at step 1 of
  /// 100 with the default 0.2 it weighs 1/20 of its weight, from step 20 on all of it, and with 0
  /// all of it from the start (the same points: the reported term is the same, the loss is not).
  func testAccelerationPriorIsWarmedUp() throws {
    func loss(step: Int, _ extra: [(key: String, value: String)]) throws -> (loss: Double, acceleration: Double) {
      let o = try objective([("batch", "32"), ("model_size", "small"), ("data", "population"), ("population", "geodesic"),
                             ("population_size", "80"), ("acceleration_weight", "0.01")] + extra)
      o.prepare(totalSteps: 100)
      let model = try NCLModel<Float>(configuration: o.problem.model, seed: 3)
      var g = SeededGenerator(seed: 5)
      let (value, terms) = try o.loss(model: model, step: step, generator: &g)
      return (Double(value.scalar), try XCTUnwrap(terms["acceleration"]))
    }
    for step in [1, 20] {
      let warm = try loss(step: step, []), full = try loss(step: step, [("acceleration_warmup", "0")])
      XCTAssertEqual(warm.acceleration, full.acceleration, accuracy: 1e-9 * full.acceleration)
      let factor = step == 1 ? 1.0 / 20 : 1
      XCTAssertEqual(full.loss - warm.loss, (1 - factor) * 0.01 * full.acceleration, accuracy: 1e-4 * max(1, abs(full.loss)))
    }
  }

  /// estimator=reparameterized differentiates through the host's sample_reparameterized: at the same
  /// seed it reads the kinetic energy on the same exact samples as `score` (same value), its gradient
  /// differs (another estimator of the same gradient), and a short run stays finite.
  func testReparameterizedEstimatorTrains() throws {
    func step(_ estimator: String) throws -> (kinetic: Double, gradient: [Float]) {
      let o = try objective([("source", "gaussian"), ("target", "gaussian"), ("batch", "64"), ("model_size", "small"),
                             ("estimator", estimator), ("noise", "0.2")])
      let model = try NCLModel<Float>(configuration: o.problem.model, seed: 4)
      var g = SeededGenerator(seed: 8)
      let (loss, terms) = try o.loss(model: model, step: 1, generator: &g)
      XCTAssertTrue(loss.scalar.isFinite, estimator)
      return (terms["kinetic"]!, gradient(of: [loss], wrt: model.parameters).flatMap(\.scalars))
    }
    let pathwise = try step("reparameterized"), score = try step("score")
    XCTAssertEqual(pathwise.kinetic, score.kinetic, accuracy: 1e-5 * score.kinetic, "the same exact samples")
    XCTAssertTrue(pathwise.gradient.allSatisfy(\.isFinite))
    XCTAssertNotEqual(pathwise.gradient, score.gradient)

    let o = try objective([("source", "gaussian"), ("target", "gaussian"), ("batch", "64"), ("model_size", "small"),
                           ("estimator", "reparameterized"), ("eval_samples", "200"), ("assignment_samples", "50"), ("ode_steps", "10")])
    let summary = try train(o, steps: 20)
    XCTAssertTrue(summary.completed)
    XCTAssertTrue(summary.lastLoss?.isFinite ?? false, "\(summary.lastTerms)")
    XCTAssertTrue(summary.lastTerms.values.allSatisfy(\.isFinite), "\(summary.lastTerms)")
    XCTAssertTrue(summary.evaluation["transport_cost"]?.isFinite ?? false, "\(summary.evaluation)")
  }

  // MARK: - Known answer (short; the 5 % benchmark is in Plugins/DynamicalOT/README.md)

  /// N(-1, 0.5^2 I) to N(1, I) in D = 2: W2^2 = 8.5; the interpolation at t = 0.5 is N(0, 0.75^2 I).
  /// A CI-sized run (small model, 400 steps; about 30 s in a debug build) must already land near
  /// both (release build, same seeds: transport cost 8.21, mid-time mean off by 0.05, covariance by 2.4 %).
  func testGaussianToGaussianShortRun() throws {
    let o = try objective([("source", "gaussian"), ("target", "gaussian"), ("model_size", "small"), ("batch", "128"),
                           ("kinetic_weight", "0.01"), ("eval_samples", "2000"), ("assignment_samples", "200"), ("ode_steps", "20")])
    let summary = try train(o, steps: 400)
    let m = summary.evaluation
    XCTAssertEqual(m["exact_w2_squared"], 8.5)
    XCTAssertEqual(m["transport_cost"] ?? 0, 8.5, accuracy: 0.15 * 8.5, "\(m)")
    XCTAssertLessThan(m["mid_mean_error"] ?? 1, 0.2, "\(m)")
    XCTAssertLessThan(m["mid_cov_rel_error"] ?? 1, 0.2, "\(m)")
    XCTAssertLessThan(m["nll0"] ?? 9, 1.4516 + 0.2, "NLL of N(-1, 0.25 I) is 1.4516 at best: \(m)")
    XCTAssertLessThan(m["nll1"] ?? 9, 2.8379 + 0.2, "NLL of N(1, I) is 2.8379 at best: \(m)")
  }

  /// Hard marginal constraints: with a kinetic weight large enough to pull the marginals of a
  /// Gaussian pair together (0.5), the soft objective's transport cost comes out far below the
  /// exact W2^2 = 8.5; with the score-moment constraints the multipliers cancel the pull, so the
  /// cost is much closer, and the reported violations |c_k| end small. Same seeds, model and steps
  /// (debug build, 150 steps: soft 1.50, constrained 5.75, |c_k| 0.32 / 0.38).
  func testConstraintsCancelTheKineticPullOnTheMarginals() throws {
    func run(_ rate: String) throws -> TrainingSummary {
      let o = try objective([("source", "gaussian"), ("target", "gaussian"), ("model_size", "small"), ("batch", "64"),
                             ("kinetic_weight", "0.5"), ("constraint_rate", rate), ("eval_samples", "1000"),
                             ("assignment_samples", "50"), ("ode_steps", "10")])
      return try train(o, steps: 150, learningRate: 5e-3)
    }
    let soft = try run("0"), constrained = try run("0.05")
    XCTAssertNil(soft.lastTerms["constraint0"], "constraint_rate=0: the soft objective")
    let softCost = try XCTUnwrap(soft.evaluation["transport_cost"]), cost = try XCTUnwrap(constrained.evaluation["transport_cost"])
    XCTAssertLessThan(softCost, 0.8 * 8.5, "the pull the constraints must cancel: \(soft.evaluation)")
    XCTAssertLessThan(abs(cost - 8.5), 0.5 * abs(softCost - 8.5), "soft \(softCost), constrained \(cost)")
    for k in 0..<2 {
      let violation = try XCTUnwrap(constrained.lastTerms["constraint\(k)"])
      XCTAssertLessThan(violation, 1, "|c_\(k)| at the last step: \(constrained.lastTerms)")
    }
  }

  // MARK: - Population data

  func testPopulationLeaveOneOut() throws {
    let o = try objective([("data", "population"), ("population_size", "120"), ("leave_out", "2"), ("batch", "64"),
                           ("model_size", "small"), ("eval_samples", "200"), ("assignment_samples", "100"), ("ode_steps", "10")])
    XCTAssertEqual(o.problem.dimension, 2)
    let summary = try train(o, steps: 60)
    let m = summary.evaluation
    XCTAssertEqual(m["left_out_time"], 0.5)
    XCTAssertTrue((m["w1_left_out"] ?? .nan).isFinite, "\(m)")
    XCTAssertGreaterThan(m["w1_left_out"] ?? 0, 0)
    XCTAssertNotNil(m["w1_left_out_previous_snapshot"], "the naive predictors are reported for scale")
    XCTAssertNotNil(m["w1_left_out_next_snapshot"])
    // 100 points per side: the noise floor of fresh draws is well below the neighbors' distance.
    let floor = try XCTUnwrap(m["w1_left_out_noise_floor"], "\(m)")
    XCTAssertLessThan(floor, 0.6 * (m["w1_left_out_previous_snapshot"] ?? 0), "\(m)")
    XCTAssertLessThan(m["w1_left_out_interpolation"] ?? .infinity, m["w1_left_out_previous_snapshot"] ?? 0, "\(m)")
    // OT-CFM's protocol: the previous snapshot's points carried by the learned flow (they move).
    let pushed = try XCTUnwrap(m["w1_left_out_pushed"], "\(m)")
    XCTAssertTrue(pushed.isFinite && pushed > 0, "\(m)")
    XCTAssertNotEqual(pushed, m["w1_left_out_previous_snapshot"], "\(m)")
    // The same flow carrying a fresh draw of the previous time's true law instead of its data.
    let pushedFresh = try XCTUnwrap(m["w1_left_out_pushed_fresh"], "\(m)")
    XCTAssertTrue(pushedFresh.isFinite && pushedFresh > 0, "\(m)")
    XCTAssertNotEqual(pushedFresh, pushed, "other start points: \(m)")
    // w1_draws (4) independent draws, the first of them w1_left_out's: their mean and spread, and
    // the floor's mean over as many fresh draws (the first the single floor's).
    let mean = try XCTUnwrap(m["w1_left_out_mean"]), spread = try XCTUnwrap(m["w1_left_out_draw_std"])
    XCTAssertGreaterThan(spread, 0, "independent draws differ")
    XCTAssertLessThan(abs(mean - m["w1_left_out"]!), 3 * spread + 1e-12, "\(m)")
    let floorMean = try XCTUnwrap(m["w1_left_out_noise_floor_mean"])
    XCTAssertNotEqual(floorMean, floor, "fresh draws of the true law differ")
    XCTAssertLessThan(floorMean, 0.6 * (m["w1_left_out_previous_snapshot"] ?? 0), "\(m)")
    XCTAssertEqual(Set(summary.lastTerms.keys), ["nll0", "nll1", "nll3", "nll4", "kinetic", "acceleration"])
    for k in 0..<5 { XCTAssertNotNil(m["nll\(k)"], "held-out NLL of snapshot \(k)") }
  }

  /// Leave-one-time-out over every intermediate snapshot as one command: `nclhost sweep` over
  /// leave_out on a tiny geodesic population writes one run per snapshot and a table with the
  /// model's W1 next to the noise floor and the discrete-OT interpolation of the neighbors.
  func testLeaveOneOutOverEverySnapshotIsOneCommand() throws {
    let library = try Self.library.get()
    let binary = URL(fileURLWithPath: library.path).deletingLastPathComponent().appendingPathComponent("nclhost")
    guard FileManager.default.isExecutableFile(atPath: binary.path) else {
      return XCTFail("nclhost was not built next to \(library.path); build it with `swift build --build-tests`")
    }
    let out = PluginFixtures.directory.appendingPathComponent("dynamical-ot-sweep-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: out) }
    let process = Process()
    process.executableURL = binary
    let columns = ["left_out_time", "w1_left_out", "w1_left_out_noise_floor", "w1_left_out_interpolation", "exact_w2_squared", "kl2", "path_error_left_out",
                   "w1_left_out_pushed_fresh_exact", "w1_left_out_pushed_exact"]
    process.arguments = ["sweep", "DynamicalOT", "--over", "leave_out=1,2,3", "--columns", columns.joined(separator: ","),
                         "--steps", "8", "--out", out.path, "--plugin-path", binary.deletingLastPathComponent().path]
      + ["data=population", "population=geodesic", "population_size=80", "batch=32", "model_size=small", "eval_samples=100",
         "assignment_samples=80", "ode_steps=5"].flatMap { ["--set", $0] }
    let log = PluginFixtures.directory.appendingPathComponent("dynamical-ot-sweep-\(UUID().uuidString).log")
    _ = FileManager.default.createFile(atPath: log.path, contents: nil)
    let handle = try FileHandle(forWritingTo: log)
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
    process.waitUntilExit()
    try handle.close()
    let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
    XCTAssertEqual(process.terminationStatus, 0, output)

    let table = try String(contentsOf: out.appendingPathComponent("sweep.txt"), encoding: .utf8)
      .split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
    XCTAssertEqual(table.first, ["leave_out"] + columns, "\(table)")
    XCTAssertEqual(table.map { $0.first ?? "" }, ["leave_out", "1", "2", "3", "mean"], "\(table)")
    for (row, time) in zip(table[1...3], [0.25, 0.5, 0.75]) {
      let values = row.dropFirst().map { Double($0) ?? .nan }
      XCTAssertEqual(values[0], time, "\(row)")
      XCTAssertTrue(values.allSatisfy { $0.isFinite && $0 >= 0 }, "\(row)")
      XCTAssertLessThan(values[3], 2.5 * values[2], "on a geodesic the neighbors' interpolation is near the noise floor: \(row)")
      // The geodesic's known transport cost (GeodesicPopulationTests), the same whichever snapshot is left out.
      XCTAssertEqual(values[4], Double(table[1][5]), "\(table)")
      XCTAssertGreaterThan(values[4], 1, "\(row)")
      XCTAssertGreaterThan(values[5], 0.05, "8 steps are far from the true law at t = 0.5: KL(true || model) \(row)")
      // An 8-step flow hardly moves its particles, so they land about as far from their exact
      // positions as the population moves in a quarter of the time (0.8-1.0, the previous snapshot's W1).
      XCTAssertGreaterThan(values[6], 0.3, "\(row)")
      XCTAssertLessThan(values[6], 2, "\(row)")
      // A perfect flow from the previous snapshot's points scores near the floor of fresh draws; from
      // t = 0 the fresh start points are the origins of the floor's own draw, so it scores the floor exactly.
      XCTAssertLessThan(values[8], 2.5 * values[2], "\(row)")
      if time == 0.25 { XCTAssertEqual(values[7], values[2], accuracy: 1e-4, "\(row)") }
    }
    for k in 1...3 {
      XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("leave_out-\(k)/checkpoint.ncl").path))
    }
  }
}
