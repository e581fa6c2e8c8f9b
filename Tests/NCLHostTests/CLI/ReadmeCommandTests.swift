// The README's first command, what a new user types: it must leave the package's plugins built.
import Foundation
import XCTest
import _NCLTestSupport

final class ReadmeCommandTests: XCTestCase {
  /// The commands of the README's first code block, one per line, comments removed.
  func readmeCommands() throws -> [String] {
    let readme = try String(contentsOf: PluginFixtures.repository.appendingPathComponent("README.md"), encoding: .utf8)
    guard let start = readme.range(of: "```sh\n"), let end = readme.range(of: "```", range: start.upperBound..<readme.endIndex) else {
      throw XCTSkip("README.md has no sh code block")
    }
    return readme[start.upperBound..<end.lowerBound].split(separator: "\n").map {
      String($0.split(separator: "#", maxSplits: 1).first ?? "").trimmingCharacters(in: .whitespaces)
    }
  }

  /// `swift run -c release nclhost demo` built nclhost only: `nclhost list` then found no plugins.
  /// The main command must build every product (`swift build`, no `--product`) before it runs nclhost.
  func testMainCommandBuildsThePluginsBeforeRunningNCLHost() throws {
    let commands = try readmeCommands()
    XCTAssertEqual(commands.count, 2, "the README opens with two commands: \(commands)")
    let steps = commands[0].components(separatedBy: "&&").map { $0.trimmingCharacters(in: .whitespaces) }
    XCTAssertEqual(steps.first, "./scripts/setup", commands[0])
    let build = steps.firstIndex { $0.hasPrefix("swift build") && !$0.contains("--product") && !$0.contains("--target") }
    let demo = steps.firstIndex { $0.contains("nclhost demo") }
    XCTAssertNotNil(build, "no `swift build` of every product: \(commands[0])")
    XCTAssertNotNil(demo, "the main command does not run the demo: \(commands[0])")
    if let build, let demo { XCTAssertLessThan(build, demo, commands[0]) }
    XCTAssertTrue(steps[build ?? 0].contains("-c release"), commands[0])
    XCTAssertEqual(commands[1], "./scripts/setup && swift test")
  }

  /// What the first command leaves: the package's plugins next to nclhost, found by `nclhost list`
  /// with no plugin path (here in the debug build the tests run from, built the same way).
  func testListFindsThePackagesPluginsNextToNCLHost() throws {
    let binary = try NCLHostCommandTests.binary()
    let process = Process()
    process.executableURL = binary
    process.arguments = ["list"]
    var environment = ProcessInfo.processInfo.environment
    environment["NCL_PLUGIN_PATH"] = nil
    environment["XDG_DATA_HOME"] = FileManager.default.temporaryDirectory.appendingPathComponent("ncl-no-user-plugins").path
    process.environment = environment
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    XCTAssertEqual(process.terminationStatus, 0, output)
    let folder = binary.resolvingSymlinksInPath().deletingLastPathComponent().path
    for plugin in ["DynamicalOT", "PointProcess"] {
      let row = output.split(separator: "\n").first { $0.hasPrefix(plugin + " ") }
      XCTAssertNotNil(row, "\(plugin) not listed:\n\(output)")
      XCTAssertTrue(row?.hasSuffix("\(folder)/lib\(plugin).so") ?? false, "\(plugin) not next to nclhost:\n\(output)")
    }
  }
}
