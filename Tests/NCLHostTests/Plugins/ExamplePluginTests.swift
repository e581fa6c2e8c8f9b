// The example plugins, built the way their READMEs tell third parties to build them and loaded
// through the real dlopen path: Examples/c-plugin (plain C) and Examples/swift-plugin (a SwiftPM
// package of its own that depends only on the header-only NCLPluginAPI product).
import XCTest
import Foundation
@testable import NCLHost
import _NCLTestSupport

final class ExamplePluginTests: XCTestCase {
  /// Examples/swift-plugin built with `swift build -c release` into a scratch directory of this
  /// test process (the example's own .build is left alone); built once, on first use.
  static let swiftExample: Result<(library: URL, seconds: Double), Error> = Result {
    let scratch = PluginFixtures.directory.appendingPathComponent("swift-plugin-build")
    let start = Date()
    try PluginFixtures.run("/usr/bin/env", [
      "swift", "build", "-c", "release",
      "--package-path", PluginFixtures.repository.appendingPathComponent("Examples/swift-plugin").path,
      "--scratch-path", scratch.path,
    ])
    let seconds = Date().timeIntervalSince(start)
    let library = scratch.appendingPathComponent("release/libSwiftExamplePlugin\(PluginDiscovery.librarySuffix)")
    return (library, seconds)
  }

  func swiftLibrary() throws -> PluginLibrary {
    let built = try Self.swiftExample.get()
    return try PluginLibrary(path: built.library.path)
  }

  func cLibrary() throws -> PluginLibrary {
    try PluginLibrary(path: PluginFixtures.library("Examples/c-plugin/gaussian_transport.c", name: "gaussian_transport", subdirectory: "examples").path)
  }

  // MARK: - Descriptors

  func testCExampleDescriptor() throws {
    let d = try cLibrary().descriptor
    XCTAssertEqual(d.name, "GaussianTransport")
    XCTAssertEqual(d.id, "org.ncl.examples.gaussian-transport")
    XCTAssertEqual(d.abiVersion, "1.3.0")
    XCTAssertEqual(d.parameters.map(\.name), ["dimension", "mean0", "std0", "mean1", "std1", "kinetic_weight", "batch"])
    XCTAssertEqual(d.parameters.map(\.kind), [.int, .float, .float, .float, .float, .float, .int])
    XCTAssertEqual(d.functions.map(\.name), ["gaussian_w2"])
    XCTAssertEqual(d.functions.first?.signature.description, "d(idddd)")
    XCTAssertEqual(try cLibrary().call(function: "gaussian_w2", arguments: ["2", "-1", "0.5", "1", "1"]), .double(8.5))
  }

  func testSwiftExampleDescriptor() throws {
    let library = try swiftLibrary()
    let d = library.descriptor
    XCTAssertEqual(d.name, "SwiftRing")
    XCTAssertEqual(d.id, "org.ncl.examples.swift-ring")
    XCTAssertEqual(d.version, "0.1.0")
    XCTAssertEqual(d.abiVersion, "1.3.0")
    XCTAssertEqual(d.parameters.map(\.name), ["radius0", "radius1", "noise", "kinetic_weight", "batch", "model_size"])
    XCTAssertEqual(d.parameters.map(\.kind), [.float, .float, .float, .float, .int, .choice])
    XCTAssertEqual(d.parameters.map(\.defaultValue), ["1", "2", "0.1", "0.05", "256", "small"])
    XCTAssertEqual(d.parameters[0].range, 0.01...100)
    XCTAssertEqual(d.parameters[5].choices, ["small", "large"])
    XCTAssertNil(d.parameters[5].range)
    XCTAssertTrue(d.parameters.allSatisfy { !$0.help.isEmpty })
    XCTAssertEqual(d.functions.map(\.name), ["ring_w2", "about"])
    XCTAssertEqual(d.functions.map(\.signature.description), ["d(dd)", "s()"])
    XCTAssertEqual(try library.call(function: "ring_w2", arguments: ["1", "3"]), .double(4))
    guard case .string(let about) = try library.call(function: "about", arguments: []) else {
      return XCTFail("about() should return a string")
    }
    XCTAssertTrue(about.hasPrefix("SwiftRing 0.1.0"), about)
  }

  func testBothExamplesAreDiscoveredByName() throws {
    let c = try cLibrary(), swift = try swiftLibrary()
    let directories = [c.path, swift.path].map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().deletingLastPathComponent().path }
    let registry = PluginRegistry(directories: directories)
    XCTAssertEqual(registry.failures.count, 0, "\(registry.failures)")
    XCTAssertEqual(try registry.plugin(named: "swiftring").descriptor.name, "SwiftRing")
    XCTAssertEqual(try registry.plugin(named: "GaussianTransport").descriptor.name, "GaussianTransport")
  }

  // MARK: - Objectives

  func testSwiftExampleRejectsRingsThatAreDiscs() throws {
    let library = try swiftLibrary()
    XCTAssertThrowsError(try PluginObjective(library: library, values: library.descriptor.resolve([("noise", "0.5")]))) { error in
      XCTAssertEqual("\(error)", "SwiftRing: create failed (invalid argument): noise=0.5 must be at most a quarter of the smaller radius (0.25), or the rings are discs")
    }
  }

  func testSwiftExampleProblemAndTerms() throws {
    let library = try swiftLibrary()
    let o = try PluginObjective(library: library, values: library.descriptor.resolve([("batch", "64"), ("model_size", "large")]))
    XCTAssertEqual(o.problem.dimension, 2)
    XCTAssertEqual(o.problem.batchSize, 64)
    XCTAssertEqual(o.problem.model.components, 16)
    XCTAssertEqual(o.problem.model.hiddenSizes, [128, 128, 128])
    XCTAssertEqual(o.problem.noise, .constant(0))
    let model = try NCLModel<Float>(configuration: o.problem.model, seed: 1)
    var g = SeededGenerator(seed: 2)
    let (loss, terms) = try o.loss(model: model, step: 1, generator: &g)
    XCTAssertTrue(loss.requiresGradient)
    XCTAssertEqual(Set(terms.keys), ["nll0", "nll1", "kinetic"])
    let expected = terms["nll0"]! + terms["nll1"]! + 0.05 * terms["kinetic"]!
    XCTAssertEqual(Double(loss.scalar), expected, accuracy: 1e-4 * max(1, abs(expected)))
    // The ring points and kinetic samples come from the host's stream: same seed, same loss.
    var again = SeededGenerator(seed: 2)
    XCTAssertEqual(try o.loss(model: model, step: 1, generator: &again).loss.scalar, loss.scalar)
  }

  /// Trains `steps` Adam steps through a plugin; returns the mean loss of the first and last quarter and the final metrics.
  func train(_ library: PluginLibrary, _ settings: [(key: String, value: String)], steps: Int = 20) throws
    -> (first: Double, last: Double, metrics: [String: Double]) {
    let o = try PluginObjective(library: library, values: library.descriptor.resolve(settings))
    var model = try NCLModel<Float>(configuration: o.problem.model, seed: 3)
    var adam = Adam<Float>(learningRate: 1e-2)
    var g = SeededGenerator(seed: 4)
    let window = steps / 4
    var first = 0.0, last = 0.0
    for step in 1...steps {
      let (loss, _) = try o.loss(model: model, step: step, generator: &g)
      XCTAssertTrue(loss.scalar.isFinite, "step \(step): loss \(loss.scalar)")
      if step <= window { first += Double(loss.scalar) / Double(window) }
      if step > steps - window { last += Double(loss.scalar) / Double(window) }
      model.parameters = adam.step(model.parameters, gradients: gradient(of: [loss], wrt: model.parameters))
    }
    return (first, last, try o.evaluate(model: model, generator: &g))
  }

  func testTrainingTheCExampleLowersItsLoss() throws {
    let (first, last, metrics) = try train(cLibrary(), [("batch", "128")])
    XCTAssertLessThan(last, first - 0.2, "training GaussianTransport did not reduce its loss (\(first) -> \(last))")
    XCTAssertEqual(Set(metrics.keys), ["transport_cost", "exact_w2_squared"])
    XCTAssertEqual(metrics["exact_w2_squared"], 8.5)
    XCTAssertTrue(metrics["transport_cost"]!.isFinite)
  }

  func testTrainingTheSwiftExampleLowersItsLoss() throws {
    let (first, last, metrics) = try train(swiftLibrary(), [("batch", "128")])
    XCTAssertLessThan(last, first - 0.2, "training SwiftRing did not reduce its loss (\(first) -> \(last))")
    XCTAssertEqual(Set(metrics.keys), ["nll0", "nll1", "radius0", "radius1", "pushed_radius1", "transport_cost", "exact_w2_squared"])
    XCTAssertEqual(metrics["exact_w2_squared"], 1)
    XCTAssertTrue(metrics.values.allSatisfy(\.isFinite), "\(metrics)")
    print("SwiftRing after 20 steps: loss \(first) -> \(last), \(metrics); example built in \(String(format: "%.1f", try Self.swiftExample.get().seconds)) s")
  }
}
