// Plugins built against every released header keep loading, training, evaluating and being called.
import XCTest
import Foundation
@testable import NCLHost
import NCLPluginAPI
import _NCLTestSupport

final class ABIEvolutionTests: XCTestCase {
  /// FNV-1a 64 of each frozen header: a released header is never edited again.
  static let frozenDigests: [String: UInt64] = [
    "1.0": 0x1198_C109_D2AE_924A,
    "1.1": 0xFBE7_7868_168B_FE4B,
    "1.2": 0x3DF8_3572_519A_9C63,
  ]

  static func fnv1a(_ data: Data) -> UInt64 {
    data.reduce(0xcbf2_9ce4_8422_2325 as UInt64) { ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01B3 }
  }

  func testFrozenHeadersAreNeverEdited() throws {
    for version in PluginFixtures.releasedABIs {
      let url = PluginFixtures.frozenHeader(version).appendingPathComponent("ncl_plugin.h")
      let text = try String(contentsOf: url, encoding: .utf8)
      XCTAssertTrue(text.contains("#define NCL_ABI_VERSION_MINOR \(version.split(separator: ".")[1])\n"), "\(url.path) is not the \(version) header")
      XCTAssertEqual(Self.fnv1a(try Data(contentsOf: url)), Self.frozenDigests[version],
                     "\(url.path) changed: released headers are frozen; add a new folder for a new release instead")
    }
  }

  /// The fixture plugin (ABI 1.0 features only) built against each frozen header: load, train,
  /// evaluate and call, through the same paths `nclhost run`, `eval` and `call` take.
  func testPluginsBuiltAgainstEveryReleasedHeaderLoadTrainEvaluateAndCall() throws {
    for version in PluginFixtures.releasedABIs {
      let path = try PluginFixtures.library(
        "Tests/Fixtures/plugins/fixture.c", name: "fixture", subdirectory: "abi-\(version)", include: PluginFixtures.frozenHeader(version))
      let library = try PluginLibrary(path: path.path)
      XCTAssertEqual(library.descriptor.abiVersion, "\(version).0")
      XCTAssertEqual(library.descriptor.parameters.map(\.name), ["mode", "data", "scale", "horizon"], version)

      let objective = try PluginObjective(library: library, values: library.descriptor.resolve([("horizon", "5")]))
      XCTAssertEqual(objective.problem.dimension, 1)
      XCTAssertEqual(objective.problem.horizon, 0...5, version)
      XCTAssertEqual(objective.problem.units.shift, [], "the fixture declares no data map")
      XCTAssertEqual(objective.problem.suggestedTraining, SuggestedTraining(), "a plugin older than 1.3 suggests no run")
      XCTAssertEqual(objective.problem.batchSize, 64)

      let directory = TrainTestSupport.temporaryDirectory(self)
      let trainer = try Trainer(
        model: NCLModel<Float>(configuration: objective.problem.model, seed: 1), objective: objective,
        configuration: TrainerConfiguration(steps: 3, learningRate: 1e-2), outputDirectory: directory,
        progress: ProgressReporter(mode: .plain, sink: { _ in }))
      let summary = try trainer.run()
      XCTAssertTrue(summary.completed, version)
      XCTAssertEqual(summary.step, 3)
      XCTAssertTrue(summary.evaluation["nll"]?.isFinite ?? false, "\(version): \(summary.evaluation)")
      XCTAssertEqual(try Checkpoint.read(from: trainer.checkpointURL).units.horizon, 0...5)

      XCTAssertEqual(try library.call(function: "add", arguments: ["2", "3.5"]), .double(5.5), version)
    }
  }

  /// The 1.0 sizes the host accepts are those of the frozen 1.0 header, up to trailing padding.
  func testABI10SizesAreThoseOfTheReleasedHeader() throws {
    let program = PluginFixtures.directory.appendingPathComponent("sizes-1.0.c")
    try """
      #include <stdio.h>
      #include "ncl_plugin.h"
      int main(void) {
        printf("%zu %zu %zu %zu %zu\\n", sizeof(ncl_plugin_descriptor_t), sizeof(ncl_param_info_t),
               sizeof(ncl_function_info_t), sizeof(ncl_objective_t), sizeof(ncl_problem_t));
        return 0;
      }
      """.write(to: program, atomically: true, encoding: .utf8)
    let binary = PluginFixtures.directory.appendingPathComponent("sizes-1.0")
    try PluginFixtures.run("/usr/bin/env", ["cc", "-std=c11", "-I", PluginFixtures.frozenHeader("1.0").path, program.path, "-o", binary.path])
    let sizes = try PluginFixtures.run(binary.path, []).output.split(separator: " ").map { Int($0.trimmingCharacters(in: .whitespacesAndNewlines))! }
    let minimums = [ABI10Size.descriptor, ABI10Size.parameter, ABI10Size.function, ABI10Size.objective, ABI10Size.problem]
    for (size, minimum) in zip(sizes, minimums) {
      XCTAssertLessThanOrEqual(minimum, size)
      XCTAssertGreaterThan(minimum, size - 8, "the minimum must cover every 1.0 member (sizes \(sizes), minimums \(minimums))")
    }
  }

  /// A struct shorter than its 1.0 size is refused with a message; a longer one (a later plugin)
  /// is read up to what the host knows.
  func testGrowableStructCopies() throws {
    var small = ncl_problem_t()
    small.struct_size = UInt32(ABI10Size.problem - 4)
    XCTAssertThrowsError(try GrowableStruct.copy(&small, minimum: ABI10Size.problem) as ncl_problem_t) { error in
      guard let tooSmall = error as? GrowableStruct.TooSmall else { return XCTFail("\(error)") }
      XCTAssertEqual(tooSmall.size, ABI10Size.problem - 4)
    }
    // An ABI 1.0 problem followed by bytes that are not its own: the copy stops at struct_size.
    let raw = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<ncl_problem_t>.size, alignment: 8)
    defer { raw.deallocate() }
    raw.initializeMemory(as: UInt8.self, repeating: 0xAB, count: MemoryLayout<ncl_problem_t>.size)
    var old = ncl_problem_t()
    old.dimension = 3
    withUnsafeBytes(of: &old) { raw.copyMemory(from: $0.baseAddress!, byteCount: ABI10Size.problem) }
    raw.storeBytes(of: UInt32(ABI10Size.problem), as: UInt32.self)
    let copy: ncl_problem_t = try GrowableStruct.copy(raw.assumingMemoryBound(to: ncl_problem_t.self), minimum: ABI10Size.problem)
    XCTAssertEqual(copy.dimension, 3)
    XCTAssertNil(copy.data_shift, "members past struct_size read as zero, not as the bytes after the struct")
    XCTAssertNil(copy.data_scale)
  }

  /// The routine table grew at its end: the 1.0 and 1.1 members keep their offsets.
  func testHostTableGrowsAtTheEnd() {
    let pointer = MemoryLayout<UnsafeRawPointer?>.size
    let layout = MemoryLayout<ncl_host_api_t>.self
    XCTAssertEqual(layout.offset(of: \.report), 8 * 25, "ABI 1.0: struct_size (padded), then 24 routines before report")
    XCTAssertEqual(layout.offset(of: \.sample_reparameterized), layout.offset(of: \.report)! + pointer, "ABI 1.1")
    let appended: [PartialKeyPath<ncl_host_api_t>] = [
      \.compare, \.where, \.sample_with_log_density, \.integrate_path, \.open_scope, \.close_scope, \.apply_function,
    ]
    for (i, member) in appended.enumerated() {
      XCTAssertEqual(layout.offset(of: member), layout.offset(of: \.sample_reparameterized)! + (i + 1) * pointer, "ABI 1.2 member \(i)")
    }
    XCTAssertEqual(Int(HostBridge.api.pointee.struct_size), layout.stride)
    let hostLayout = MemoryLayout<ncl_host_t>.self
    XCTAssertEqual(hostLayout.offset(of: \.plugin_path), hostLayout.offset(of: \.api)! + pointer, "ncl_host_t grew at its end")
  }
}
