// The built libPointProcess through the host's real loading path (PluginLibrary: dlopen, entry
// symbol, descriptor checks), its objective through the bridge, and training on a synthetic data
// set whose density is known.
import XCTest
import Foundation
@testable import NCLHost
@testable import PointProcess
import _NCLTestSupport

final class PluginTests: XCTestCase {
  /// libPointProcess.so built with the tests (`swift build --build-tests` builds every product):
  /// next to the test bundle, else in the repository's .build/debug.
  static func libraryPath() throws -> String {
    let name = "libPointProcess" + PluginDiscovery.librarySuffix
    var candidates: [URL] = []
    for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
      candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent(name))
    }
    if let executable = Bundle.main.executableURL {
      candidates.append(executable.resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent(name))
    }
    candidates.append(PluginFixtures.repository.appendingPathComponent(".build/debug/" + name))
    guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
      throw SetupError(description: """
        \(name) was not found; build it first (`swift build --build-tests`). Looked at:
        \(candidates.map { "  " + $0.path }.joined(separator: "\n"))
        """)
    }
    return found.path
  }

  struct SetupError: Error, CustomStringConvertible { let description: String }

  static let library: Result<PluginLibrary, Error> = Result { try PluginLibrary(path: libraryPath()) }

  func objective(_ settings: [(key: String, value: String)]) throws -> PluginObjective {
    let library = try Self.library.get()
    return try PluginObjective(library: library, values: library.descriptor.resolve(settings))
  }

  func scratch(_ name: String) throws -> URL {
    let url = PluginFixtures.directory.appendingPathComponent("pointprocess-\(name)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  func testDescriptorThroughTheRealLoader() throws {
    let library = try Self.library.get()
    let d = library.descriptor
    XCTAssertEqual(d.name, "PointProcess")
    XCTAssertEqual(d.id, "org.ncl.point-process")
    XCTAssertEqual(d.abiVersion, "1.3.0")
    XCTAssertEqual(Array(d.parameters.map(\.name).prefix(6)), ["dataset", "data_dir", "train", "val", "test", "window"])
    XCTAssertEqual(d.parameters[0].choices, ["pinwheel", "earthquakes_jp", "csv", "generated"])
    XCTAssertEqual(d.functions.map(\.name), ["generate_pinwheel"])
    let file = try scratch("call").appendingPathComponent("pinwheel.csv")
    guard case .int(let count) = try library.call(function: "generate_pinwheel", arguments: [file.path, "4", "3"]) else {
      return XCTFail("generate_pinwheel should return an integer")
    }
    let written = try EventCSV.load(path: file.path, window: 30)
    XCTAssertEqual(written.sequences.count, 4)
    XCTAssertEqual(Int64(written.eventCount), count)
  }

  func testShippedDataSetThroughTheHost() throws {
    let o = try objective([("dataset", "earthquakes_jp"), ("baselines", "false")])
    XCTAssertEqual(o.problem.dimension, 2)
    XCTAssertEqual(o.problem.horizon, 0...30, "the plugin speaks days: the window is the horizon")
    XCTAssertEqual(o.problem.batchSize, 512)
  }

  func testBadCSVThroughTheHostNamesTheLine() throws {
    let folder = try scratch("bad")
    let train = folder.appendingPathComponent("train.csv"), test = folder.appendingPathComponent("test.csv")
    try "sequence,t,x,y\n0,1,0,0\n0,2,1,1\n".write(to: train, atomically: true, encoding: .utf8)
    try "sequence,t,x,y\n0,1,0,0\n0,0.5,1,1\n".write(to: test, atomically: true, encoding: .utf8)
    XCTAssertThrowsError(try objective([("dataset", "csv"), ("train", train.path), ("test", test.path)])) { error in
      XCTAssertEqual("\(error)", "PointProcess: create failed (bad data): \(test.path):3: times are not sorted: 0.5 comes after 1.0 (line 2) in sequence 0")
    }
    XCTAssertThrowsError(try objective([("dataset", "csv"), ("train", train.path)])) { error in
      XCTAssertTrue("\(error)".contains("dataset=csv needs train=FILE and test=FILE"), "\(error)")
    }
  }

  /// Events of a Gaussian whose mean moves with time: after training through the host, the test
  /// spatial NLL per event (standardized units) is close to the NLL of the true density.
  func testSpatialLikelihoodOfAKnownDensity() throws {
    let window = 10.0, (s1, s2) = (0.5, 0.3)
    func mean(_ t: Double) -> Double { -1.5 + 3 * t / window }
    func events(_ count: Int, seed: UInt64) -> EventSet {
      var rng = SeededGenerator(seed: seed)
      let sequences = (0..<(count / 20)).map { k -> EventSequence in
        let times = (0..<20).map { _ in rng.nextUniform() * window }.sorted()
        let locations = times.flatMap { [mean($0) + s1 * rng.nextNormal(), 1 + s2 * rng.nextNormal()] }
        return EventSequence(id: k, times: times, locations: locations)
      }
      return EventSet(sequences: sequences, window: window)
    }
    let folder = try scratch("gaussian")
    let trainSet = events(4000, seed: 1), testSet = events(2000, seed: 2)
    let train = folder.appendingPathComponent("train.csv"), test = folder.appendingPathComponent("test.csv")
    try EventCSV.write(trainSet, to: train.path)
    try EventCSV.write(testSet, to: test.path)

    // The true NLL of the test events, in the coordinates the plugin standardizes with.
    let (_, std) = trainSet.locationStatistics()
    var trueNLL = 0.0
    for s in testSet.sequences {
      for i in 0..<s.count {
        let (x, y) = s.location(i)
        let z1 = (x - mean(s.times[i])) / s1, z2 = (y - 1) / s2
        trueNLL += log(2 * Double.pi * s1 * s2) + 0.5 * (z1 * z1 + z2 * z2)
      }
    }
    trueNLL = trueNLL / Double(testSet.eventCount) - log(std[0]) - log(std[1])

    let o = try objective([("dataset", "csv"), ("train", train.path), ("test", test.path), ("window", "10"),
                           ("batch", "256"), ("baselines", "false"), ("time_jitter", "0")])
    var configuration = o.problem.model
    configuration.components = 3
    configuration.hiddenSizes = [32, 32]
    var model = try NCLModel<Float>(configuration: configuration, seed: 1)
    var adam = Adam<Float>(learningRate: 5e-3)
    var g = SeededGenerator(seed: 2)
    for step in 1...300 {
      let (loss, _) = try o.loss(model: model, step: step, generator: &g)
      model.parameters = adam.step(model.parameters, gradients: gradient(of: [loss], wrt: model.parameters))
    }
    let metrics = try o.evaluate(model: model, generator: &g)
    let nll = try XCTUnwrap(metrics["spatial_nll_test"])
    XCTAssertEqual(metrics["test_events"], 2000)
    print("known density: test spatial NLL \(nll), true density \(trueNLL)")
    XCTAssertGreaterThan(nll, trueNLL - 0.05, "better than the truth by more than sampling noise: \(nll) vs \(trueNLL)")
    XCTAssertLessThan(nll, trueNLL + 0.08, "the learned density is far from the known one: \(nll) vs \(trueNLL)")
  }

  func testPlotTimesOutsideTheWindowAreRefused() {
    XCTAssertThrowsError(try objective([("dataset", "generated"), ("generated_sequences", "2"), ("plot_dir", "/tmp"),
                                       ("plot_times", "5,40")])) { error in
      XCTAssertEqual("\(error)", "PointProcess: create failed (invalid argument): plot_times: 40.0 is outside the window [0, 30.0]")
    }
  }

  func testTimeJitterReflectsIntoTheWindow() {
    XCTAssertEqual(PointProcessObjective.reflect(3, into: 30), 3)
    XCTAssertEqual(PointProcessObjective.reflect(-2, into: 30), 2)
    XCTAssertEqual(PointProcessObjective.reflect(33, into: 30), 27)
    XCTAssertEqual(PointProcessObjective.reflect(65, into: 30), 5)
    XCTAssertEqual(PointProcessObjective.reflect(-58, into: 30), 2)
  }

  /// evaluate() on a small generated Pinwheel set: every metric, and the picture.
  func testEvaluateReportsEveryMetricAndDrawsThePicture() throws {
    let plots = try scratch("plots")
    try? FileManager.default.removeItem(at: plots.appendingPathComponent("density.png"))
    let o = try objective([("dataset", "generated"), ("generated_sequences", "20"), ("batch", "64"),
                           ("plot_dir", plots.path), ("plot_times", "5,25")])
    var configuration = o.problem.model
    configuration.components = 2
    configuration.hiddenSizes = [8]
    let model = try NCLModel<Float>(configuration: configuration, seed: 1)
    var g = SeededGenerator(seed: 2)
    _ = try o.loss(model: model, step: 1, generator: &g)
    let metrics = try o.evaluate(model: model, generator: &g)
    for name in ["spatial_nll_test", "spatial_nll_val", "spatial_nll_train", "eval_seconds_per_event", "train_seconds", "test_events",
                 "temporal_nll_poisson_test", "temporal_nll_hawkes_test", "kde_spatial_nll_test",
                 "poisson_rate", "hawkes_mu", "hawkes_alpha", "hawkes_beta", "kde_bandwidth", "kde_timescale"] {
      XCTAssertNotNil(metrics[name], name)
      XCTAssertTrue(metrics[name]?.isFinite ?? false, "\(name) = \(String(describing: metrics[name]))")
    }
    let png = try Data(contentsOf: plots.appendingPathComponent("density.png"))
    XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
  }
}
