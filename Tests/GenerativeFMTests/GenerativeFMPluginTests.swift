// The GenerativeFM plugin, loaded from the built libGenerativeFM.so through the real loader and
// trained through PluginObjective and the Trainer, as nclhost does; its log-densities checked by
// quadrature and against the samples' histogram, from the library and from the nclhost command.
import XCTest
import Foundation
import NCLSupport
import NCLHost
import _NCLTestSupport
@testable import GenerativeFMCore

final class GenerativeFMPluginTests: XCTestCase {
  static let library = Result { try PluginFixtures.builtPlugin("GenerativeFM") }

  /// Tiny and fast: a small model, small data and metrics.
  static let small: [(key: String, value: String)] = [("model_size", "small"), ("batch", "64"), ("samples", "2000"),
                                                       ("eval_samples", "100"), ("eval_steps", "10"), ("kl_samples", "500"),
                                                       ("score_points", "0")]

  func objective(_ settings: [(key: String, value: String)]) throws -> PluginObjective {
    let library = try Self.library.get()
    return try PluginObjective(library: library, values: library.descriptor.resolve(settings))
  }

  func createError(_ settings: [(key: String, value: String)]) -> String {
    do { _ = try objective(settings); return "no error" } catch { return "\(error)" }
  }

  func train(_ o: PluginObjective, model: NCLModel<Float>, steps: Int, into directory: URL) throws -> TrainingSummary {
    var trainer = TrainerConfiguration(steps: steps, learningRate: 1e-2)
    trainer.seed = 1
    trainer.checkpointEvery = 0
    trainer.logEvery = steps
    return try Trainer(model: model, objective: o, configuration: trainer, outputDirectory: directory,
                       progress: ProgressReporter(mode: .plain, sink: { _ in })).run()
  }

  func scratch() -> URL { PluginFixtures.directory.appendingPathComponent("genfm-\(UUID().uuidString)") }

  // MARK: - Descriptor and parameters

  func testDescriptorDataMapAndParameterErrors() throws {
    let d = try Self.library.get().descriptor
    XCTAssertEqual(d.name, "GenerativeFM")
    XCTAssertEqual(d.abiVersion, "1.3.0")
    for name in ["8gaussians", "moons", "pinwheel", "checkerboard", "circles", "swissroll", "2spirals", "csv"] {
      XCTAssertTrue(d.parameters.first { $0.name == "data" }?.choices.contains(name) ?? false, name)
    }
    XCTAssertEqual(d.parameters.first { $0.name == "objective" }?.choices,
                   ["default", "likelihood", "flow-matching", "flow-matching-likelihood"])
    XCTAssertTrue(createError([("data", "csv")]).contains("data=csv needs --set csv=PATH"))
    XCTAssertTrue(createError([("data", "csv"), ("csv", "/nonexistent/points.csv")]).contains("names no file"))
    let o = try objective(Self.small + [("data", "moons")])
    XCTAssertEqual(o.problem.dimension, 2)
    // The suggested run (ABI 1.3) reaches the host: what a bare `nclhost run GenerativeFM` trains.
    XCTAssertEqual(o.problem.suggestedTraining, SuggestedTraining(steps: 12_000, learningRate: 3e-3, schedule: .cosine(minimumFactor: 0.01)))
    // The data map is the training part's mean and standard deviation.
    let data = DataSet(law: .moons, count: 2000, testFraction: 0.2, seed: 0)
    XCTAssertEqual(o.units.shift, data.standardization.shift)
    XCTAssertEqual(o.units.scale, data.standardization.scale)
  }

  // MARK: - Loss

  /// Every objective and coupling builds a finite loss with a finite gradient and reports its terms;
  /// the OT coupling's flow-matching term is below the independent one's on the same draws (shorter pairs).
  func testEveryObjectiveBuildsAFiniteLoss() throws {
    func step(_ settings: [(key: String, value: String)]) throws -> [String: Double] {
      let o = try objective(Self.small + settings)
      let model = try NCLModel<Float>(configuration: o.problem.model, seed: 4)
      var g = SeededGenerator(seed: 8)
      let (loss, terms) = try o.loss(model: model, step: 1, generator: &g)
      XCTAssertTrue(loss.scalar.isFinite, "\(settings)")
      XCTAssertTrue(gradient(of: [loss], wrt: model.parameters).flatMap(\.scalars).allSatisfy(\.isFinite), "\(settings)")
      return terms
    }
    let likelihood = try step([("objective", "likelihood")])
    XCTAssertNotNil(likelihood["kinetic"])
    XCTAssertNotNil(likelihood["nll1"])
    XCTAssertNil(likelihood["fm"])
    let fm = try step([("objective", "flow-matching")])
    XCTAssertNil(fm["nll1"])
    let ot = try step([("objective", "flow-matching"), ("coupling", "ot")])
    XCTAssertLessThan(ot["fm"]!, fm["fm"]!)
    XCTAssertEqual(ot["nll0"]!, fm["nll0"]!, accuracy: 1e-6, "the same noise draws")
    let hybrid = try step([("objective", "flow-matching-likelihood"), ("data", "2spirals")])
    XCTAssertNotNil(hybrid["nll_path"])
    XCTAssertNotNil(hybrid["nll1"])
  }

  // MARK: - Training, metrics, log-densities

  /// A short run of each objective lowers the test NLL and gives finite metrics, the three samplers
  /// included; the last one's density is checked by quadrature and against its samples' histogram,
  /// and `nclhost fields` / `nclhost sample --log-density` agree with the library.
  func testShortTrainingMetricsAndLogDensities() throws {
    var last: (PluginObjective, NCLModel<Float>, URL)? = nil
    var before: [String: Double]? = nil
    for objectiveName in ["likelihood", "flow-matching", "flow-matching-likelihood"] {
      let o = try objective(Self.small + [("objective", objectiveName), ("coupling", "ot")])
      let model = try NCLModel<Float>(configuration: o.problem.model, seed: 1)
      if before == nil {
        // The same initial model and data for every objective.
        var g = SeededGenerator(seed: 5)
        before = try o.evaluate(model: model, generator: &g)
      }
      let directory = scratch()
      let after = try train(o, model: model, steps: 25, into: directory).evaluation
      for key in ["test_nll", "train_nll", "kl", "kl0", "w2_exact", "w2_ode", "w2_sde", "w2_floor", "true_test_nll"] {
        XCTAssertTrue(after[key]?.isFinite ?? false, "\(objectiveName): \(key) = \(String(describing: after[key]))")
      }
      XCTAssertLessThan(after["test_nll"]!, before!["test_nll"]!, objectiveName)
      XCTAssertGreaterThan(after["kl"]!, -0.05, "KL is non-negative up to Monte Carlo error")
      XCTAssertEqual(after["true_test_nll"]!, after["test_nll"]! - after["kl"]!, accuracy: 0.15 + 0.2 * abs(after["kl"]!),
                     "test NLL - KL estimates the true density's NLL")
      if let previous = last { try? FileManager.default.removeItem(at: previous.2) }
      last = (o, model, directory)
    }
    // The trained model, as nclhost reads it (the Trainer trains its own copy of the model value).
    let (o, _, directory) = last!
    defer { try? FileManager.default.removeItem(at: directory) }
    let checkpoint = try Checkpoint.read(from: directory.appendingPathComponent("checkpoint.ncl"))
    XCTAssertEqual(checkpoint.units, o.units)
    let model = try checkpoint.makeModel()
    try checkDensity(o, model)
    try checkCommandLine(o, model, checkpoint: directory.appendingPathComponent("checkpoint.ncl"))
  }

  /// log rho_t in data units, from the library (the host's fields through the data map).
  func logDensity(_ o: PluginObjective, _ model: NCLModel<Float>, t: Double, points: [Double]) -> [Double] {
    let n = points.count / 2
    let x = Tensor<Float>(shape: [n, 2], scalars: points.map(Float.init))
    return o.units.fields(of: model, t: Tensor<Float>(shape: [], scalars: [Float(t)]), x: x, differentiable: false)
      .logDensity.scalars.map(Double.init)
  }

  /// exp(log rho_t) integrates to 1 over a box holding the mass (midpoint rule, data units), and the
  /// probabilities of coarse cells match the share of exact samples falling in them.
  func checkDensity(_ o: PluginObjective, _ model: NCLModel<Float>) throws {
    let center = o.units.shift, scale = o.units.scale, fine = 180, coarse = 6
    for t in [0.0, 0.5, 1.0] {
      // The box: mean +- 6 std of the data map (rho_0 = N(shift, scale^2) lies well inside).
      let lower = [center[0] - 6 * scale[0], center[1] - 6 * scale[1]], width = [12 * scale[0], 12 * scale[1]]
      var points: [Double] = []
      for i in 0..<fine {
        for j in 0..<fine {
          let a: Double = lower[0] + (Double(i) + 0.5) * width[0] / Double(fine)
          let b: Double = lower[1] + (Double(j) + 0.5) * width[1] / Double(fine)
          points += [a, b]
        }
      }
      let cellArea = width[0] * width[1] / Double(fine * fine)
      let density = logDensity(o, model, t: t, points: points).map { Foundation.exp($0) * cellArea }
      XCTAssertEqual(density.reduce(0, +), 1, accuracy: 0.02, "integral of rho_\(t)")
      // Coarse cells of the inner box mean +- 3 std: probability by quadrature against the histogram of samples.
      var probability = [Double](repeating: 0, count: coarse * coarse)
      for (k, p) in density.enumerated() {
        let i = k / fine - fine / 4, j = k % fine - fine / 4
        guard (0..<(fine / 2)).contains(i), (0..<(fine / 2)).contains(j) else { continue }
        let half: Int = fine / 2
        let cell: Int = (i * coarse / half) * coarse + j * coarse / half
        probability[cell] += p
      }
      var g = SeededGenerator(seed: 11)
      let n = 10_000
      let samples = o.units.dataPoints(model.sample(at: t, count: n, using: &g)).scalars.map(Double.init)
      var counts = [Double](repeating: 0, count: coarse * coarse)
      for s in 0..<n {
        // Standardized coordinates, then the cell of [-3, 3]^2 cut into coarse x coarse.
        let u: Double = (samples[2 * s] - center[0]) / scale[0], v: Double = (samples[2 * s + 1] - center[1]) / scale[1]
        guard abs(u) < 3, abs(v) < 3 else { continue }
        let i = Int((u + 3) / 6 * Double(coarse)), j = Int((v + 3) / 6 * Double(coarse))
        counts[i * coarse + j] += 1 / Double(n)
      }
      for k in 0..<(coarse * coarse) {
        // 5 binomial standard errors plus the quadrature's own error.
        let tolerance = 5 * (probability[k] * (1 - probability[k]) / Double(n)).squareRoot() + 0.003
        XCTAssertEqual(counts[k], probability[k], accuracy: tolerance, "t = \(t), cell \(k)")
      }
    }
  }

  /// `nclhost fields --only log_density` and `nclhost sample --log-density` on the run's checkpoint
  /// give the library's log-densities (Float32 agreement).
  func checkCommandLine(_ o: PluginObjective, _ model: NCLModel<Float>, checkpoint: URL) throws {
    let folder = scratch()
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    var g = SeededGenerator(seed: 3)
    var points: [Double] = [], rows: [[Double]] = []
    for _ in 0..<50 {
      let a: Double = 3 * g.nextNormal(), b: Double = 3 * g.nextNormal()
      points += [a, b]
      rows.append([0.7, a, b])
    }
    let input = NumericTable(columns: ["t", "x1", "x2"], rows: rows)
    try input.write(to: folder.appendingPathComponent("in.csv").path)
    let fieldsOut = folder.appendingPathComponent("fields.csv").path
    try run(["fields", "--checkpoint", checkpoint.path, "--input", folder.appendingPathComponent("in.csv").path,
             "--only", "log_density", "--output", fieldsOut])
    let cli = try NumericTable.read(fieldsOut).column("log_density")!
    let library = logDensity(o, model, t: 0.7, points: points)
    for (a, b) in zip(cli, library) { XCTAssertEqual(a, b, accuracy: 1e-4 * max(1, abs(b))) }
    let sampleOut = folder.appendingPathComponent("samples.csv").path
    try run(["sample", "--checkpoint", checkpoint.path, "--time", "0.4", "--count", "200", "--log-density", "--output", sampleOut])
    let table = try NumericTable.read(sampleOut)
    let x = zip(table.column("x1")!, table.column("x2")!).flatMap { [$0, $1] }
    let recomputed = logDensity(o, model, t: 0.4, points: x)
    for (a, b) in zip(table.column("log_density")!, recomputed) { XCTAssertEqual(a, b, accuracy: 2e-3 * max(1, abs(b))) }
  }

  func run(_ arguments: [String]) throws {
    let process = Process()
    process.executableURL = PluginFixtures.repository.appendingPathComponent(".build/debug/nclhost")
    process.arguments = arguments
    process.standardInput = FileHandle.nullDevice
    let errors = Pipe()
    process.standardError = errors
    try process.run()
    process.waitUntilExit()
    let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    XCTAssertEqual(process.terminationStatus, 0, "nclhost \(arguments.joined(separator: " ")): \(message)")
  }
}
