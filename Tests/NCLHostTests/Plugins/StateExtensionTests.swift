// The extension ncl.state/1 through the real dlopen path, from a C plugin: the host saves the
// objective's own state and hands it back, and refuses a state the plugin cannot read.
import XCTest
import Foundation
@testable import NCLHost
import _NCLTestSupport

final class StateExtensionTests: XCTestCase {
  func objective() throws -> PluginObjective {
    let path = try PluginFixtures.library("Tests/Fixtures/plugins/stateful.c", name: "stateful", subdirectory: "stateful").path
    let library = try PluginLibrary(path: path)
    return try PluginObjective(library: library, values: library.descriptor.resolve([]))
  }

  /// Three loss calls save a count of 3; a fresh instance restored from it counts on from 3; a
  /// state of the wrong size is refused with the plugin's message.
  func testSaveAndRestoreACPluginsState() throws {
    let o = try objective()
    let model = try NCLModel<Float>(configuration: o.problem.model, seed: 1)
    var generator = SeededGenerator(seed: 2)
    for _ in 0..<3 { _ = try o.loss(model: model, step: 1, generator: &generator) }
    let saved = try XCTUnwrap(try o.savedState())
    XCTAssertEqual(saved, withUnsafeBytes(of: UInt64(3)) { [UInt8]($0) })

    let fresh = try objective()
    XCTAssertEqual(try fresh.loss(model: model, step: 1, generator: &generator).terms["calls"], 1)
    try fresh.restore(state: saved)
    XCTAssertEqual(try fresh.loss(model: model, step: 2, generator: &generator).terms["calls"], 4)
    XCTAssertThrowsError(try fresh.restore(state: [1, 2, 3])) { error in
      XCTAssertTrue("\(error)".contains("the saved state has 3 bytes, expected 8"), "\(error)")
    }
  }

  /// A plugin without the extension keeps no state: nothing to save, and a checkpoint that holds
  /// some is refused by name rather than ignored.
  func testAPluginWithoutTheExtensionKeepsNoState() throws {
    let path = try PluginFixtures.library("Tests/Fixtures/plugins/moment.c", name: "moment", subdirectory: "moment").path
    let library = try PluginLibrary(path: path)
    let o = try PluginObjective(library: library, values: library.descriptor.resolve([]))
    XCTAssertNil(try o.savedState())
    XCTAssertThrowsError(try o.restore(state: [0])) { error in
      XCTAssertTrue("\(error)".contains("this plugin keeps none"), "\(error)")
    }
  }
}
