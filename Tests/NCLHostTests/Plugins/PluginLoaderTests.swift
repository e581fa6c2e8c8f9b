// Loading plugins through the real dlopen path: the header, the loader's checks, discovery.
import XCTest
import Foundation
import NCLPluginAPI
@testable import NCLHost
import _NCLTestSupport

final class PluginLoaderTests: XCTestCase {
  func fixture(_ name: String) throws -> URL {
    try PluginFixtures.library("Tests/Fixtures/plugins/\(name).c", name: name, subdirectory: "loader")
  }

  func testHeaderCompilesAsStrictC11AndCXX() throws {
    let source = PluginFixtures.directory.appendingPathComponent("header_check.c")
    try "#include \"ncl_plugin.h\"\nint main(void) { ncl_version_t v = NCL_VERSION_INIT; return !ncl_version_is_compatible(v); }\n"
      .write(to: source, atomically: true, encoding: .utf8)
    let include = PluginFixtures.header.path
    try PluginFixtures.run("/usr/bin/env", ["cc", "-std=c11", "-Wall", "-Wextra", "-pedantic", "-Werror", "-I", include,
                                            source.path, "-o", source.path + ".c.out"])
    try PluginFixtures.run(source.path + ".c.out", [])
    try PluginFixtures.run("/usr/bin/env", ["c++", "-x", "c++", "-std=c++17", "-Wall", "-Wextra", "-pedantic", "-Werror",
                                            "-I", include, source.path, "-o", source.path + ".cxx.out"])
  }

  func testLoadsADescriptor() throws {
    let library = try PluginLibrary(path: fixture("fixture").path)
    let d = library.descriptor
    XCTAssertEqual(d.name, "Fixture")
    XCTAssertEqual(d.id, "org.ncl.tests.fixture")
    XCTAssertEqual(d.abiVersion, "1.3.0")
    XCTAssertEqual(d.parameters.map(\.name), ["mode", "data", "scale", "horizon"])
    XCTAssertEqual(d.parameters[0].choices, ["ok", "crash", "nan", "stale_handle", "fail_create", "crash_create", "crash_evaluate", "crash_rank1", "nan_rank1", "suggest"])
    XCTAssertEqual(d.parameters[2].range, 0.1...10)
    XCTAssertNil(d.parameters[1].range)
  }

  func testFileThatIsNotASharedLibrary() throws {
    let path = PluginFixtures.directory.appendingPathComponent("libtext.so")
    try "just text".write(to: path, atomically: true, encoding: .utf8)
    XCTAssertThrowsError(try PluginLibrary(path: path.path)) { error in
      guard case PluginLoadError.cannotOpen(let p, _) = error else { return XCTFail("\(error)") }
      XCTAssertEqual(p, path.path)
      XCTAssertTrue("\(error)".contains("cannot open as a shared library"), "\(error)")
    }
  }

  func testMissingFile() {
    XCTAssertThrowsError(try PluginLibrary(path: "/nonexistent/libnothing.so")) { error in
      XCTAssertTrue("\(error)".contains("/nonexistent/libnothing.so: cannot open as a shared library: no such file"), "\(error)")
    }
  }

  func testMissingEntrySymbol() throws {
    let path = try fixture("no_entry").path
    XCTAssertThrowsError(try PluginLibrary(path: path)) { error in
      XCTAssertEqual(error as? PluginLoadError, .missingEntryPoint(path: path))
      XCTAssertTrue("\(error)".contains("no 'ncl_plugin_entry' symbol"), "\(error)")
    }
  }

  func testWrongABIVersion() throws {
    let path = try fixture("wrong_abi").path
    XCTAssertThrowsError(try PluginLibrary(path: path)) { error in
      XCTAssertEqual(error as? PluginLoadError, .incompatibleABI(path: path, found: "2.0.0", expected: "1.3.0"))
      XCTAssertTrue("\(error)".contains("built for NCL plugin ABI 2.0.0, this host speaks 1.3.0"), "\(error)")
    }
  }

  func testDescriptorTooSmall() throws {
    let path = try fixture("too_small").path
    XCTAssertThrowsError(try PluginLibrary(path: path)) { error in
      guard case PluginLoadError.descriptorTooSmall(_, 16, _) = error else { return XCTFail("\(error)") }
    }
  }

  func testMissingMandatoryField() throws {
    let path = try fixture("missing_create").path
    XCTAssertThrowsError(try PluginLibrary(path: path)) { error in
      XCTAssertEqual(error as? PluginLoadError, .invalidDescriptor(path: path, field: "create is NULL"))
    }
  }

  /// One fixture per way a library fails to load; each error names the library and the reason.
  func testEveryWayALibraryFailsIsReportedWithItsReason() throws {
    let libraries = try PluginFixtures.brokenLibraries(subdirectory: "loader-broken")
    let expected: [String: String] = [
      "not-elf": "cannot open as a shared library: file too short (not a shared library)",
      "missing-dependency": "libncl_fixture_dependency.so: cannot open shared object file",
      "undefined-symbol": "undefined symbol: ncl_fixture_nowhere_defined",
      "wrong-abi": "built for NCL plugin ABI 2.0.0, this host speaks 1.3.0",
      "too-small": "descriptor struct_size 16 is smaller than",
      "missing-create": "invalid descriptor: create is NULL",
      "bad-default": "invalid descriptor: params[0]: parameter 'rate' (float): default value '20' is outside [0.0, 10.0]",
      "no-entry": "no 'ncl_plugin_entry' symbol",
    ]
    XCTAssertEqual(Set(libraries.keys), Set(expected.keys))
    for (kind, url) in libraries {
      XCTAssertThrowsError(try PluginLibrary(path: url.path), kind) { error in
        guard let error = error as? PluginLoadError else { return XCTFail("\(kind): \(error)") }
        XCTAssertEqual(error.path, url.path, kind)
        XCTAssertTrue(error.reason.contains(expected[kind]!), "\(kind): \(error.reason)")
        XCTAssertEqual(error.description, "\(url.path): \(error.reason)")
      }
    }
  }

  /// The registry keeps every failure with its reason, and a name that is not found points at the
  /// failed libraries that could be it.
  func testRegistryKeepsFailuresAndNamesThemWhenANameIsNotFound() throws {
    let libraries = try PluginFixtures.brokenLibraries(subdirectory: "registry-broken")
    let registry = PluginRegistry(directories: [libraries["not-elf"]!.deletingLastPathComponent().path])
    XCTAssertEqual(registry.plugins.count, 0)
    XCTAssertEqual(Set(registry.failures.map(\.path)), Set(libraries.filter { $0.key != "no-entry" }.map(\.value.path)))
    XCTAssertEqual(registry.skipped, [libraries["no-entry"]!.path])

    func message(_ name: String) -> String {
      do { _ = try registry.plugin(named: name); return "found" } catch { return "\(error)" }
    }
    // By file name, ignoring case, '-' and '_': only that library.
    let undefined = message("UndefinedSymbol")
    XCTAssertTrue(undefined.contains("It could be this library, which failed to load:\n  \(libraries["undefined-symbol"]!.path)\n"), undefined)
    XCTAssertTrue(undefined.contains("undefined symbol: ncl_fixture_nowhere_defined"), undefined)
    XCTAssertFalse(undefined.contains("libwrong_abi.so"), undefined)
    // A library without the entry symbol counts when its file name matches.
    XCTAssertTrue(message("no-entry").contains(libraries["no-entry"]!.path), message("no-entry"))
    // No file name matches: every library that failed (not those that are no plugins at all).
    let unknown = message("Nope")
    XCTAssertTrue(unknown.hasPrefix("no plugin named 'Nope'; none were found\nThese libraries failed to load; it could be one of them:"), unknown)
    for (kind, url) in libraries where kind != "no-entry" { XCTAssertTrue(unknown.contains(url.path), "\(kind) missing from:\n\(unknown)") }
    XCTAssertFalse(unknown.contains("libno_entry.so"), unknown)
  }

  func testRegistryLoadsGoodPluginsAndReportsBadOnes() throws {
    for name in ["fixture", "no_entry", "wrong_abi", "too_small", "missing_create"] { _ = try fixture(name) }
    let directory = PluginFixtures.directory.appendingPathComponent("loader").path
    let registry = PluginRegistry(directories: [directory])
    XCTAssertEqual(registry.plugins.map(\.descriptor.name), ["Fixture"])
    XCTAssertEqual(registry.failures.count, 3, "\(registry.failures)")
    XCTAssertEqual(registry.skipped.map { URL(fileURLWithPath: $0).lastPathComponent }, ["libno_entry.so"])
    XCTAssertNoThrow(try registry.plugin(named: "fixture"))  // names are case-insensitive
    XCTAssertThrowsError(try registry.plugin(named: "Nope")) { error in
      XCTAssertTrue("\(error)".contains("no plugin named 'Nope'; installed: Fixture"), "\(error)")
    }
  }

  func testSearchDirectoriesComeFromEnvironmentOptionsUserAndBuild() {
    let directories = PluginDiscovery.searchDirectories(extra: ["/opt/b"], environment: ["NCL_PLUGIN_PATH": "/opt/a::/opt/c"])
    XCTAssertEqual(Array(directories.prefix(3)), ["/opt/a", "/opt/c", "/opt/b"])
    XCTAssertTrue(directories.contains(PluginDiscovery.userDirectory))
    XCTAssertEqual(directories.count, Set(directories).count)
  }

  func testForeignCallsFollowTheDeclaredSignature() throws {
    let path = try PluginFixtures.library("Examples/c-plugin/gaussian_transport.c", name: "gaussian_transport", subdirectory: "examples")
    let library = try PluginLibrary(path: path.path)
    XCTAssertEqual(try library.call(function: "gaussian_w2", arguments: ["2", "-1", "0.5", "1", "1"]), .double(8.5))
    XCTAssertThrowsError(try library.call(function: "gaussian_w2", arguments: ["2"])) { error in
      XCTAssertTrue("\(error)".contains("takes 5 argument(s) (d(idddd)), got 1"), "\(error)")
    }
    XCTAssertThrowsError(try library.call(function: "gaussian_w2", arguments: ["two", "-1", "0.5", "1", "1"])) { error in
      XCTAssertTrue("\(error)".contains("argument 1 'two' is not an integer"), "\(error)")
    }
    XCTAssertThrowsError(try library.call(function: "nope", arguments: [])) { error in
      XCTAssertTrue("\(error)".contains("has no function 'nope'; it declares: gaussian_w2"), "\(error)")
    }
  }

  func testSignatureParsing() throws {
    let s = try ForeignSignature(parsing: "s(dis)")
    XCTAssertEqual(s.result, .string)
    XCTAssertEqual(s.arguments, [.double, .int, .string])
    XCTAssertEqual(s.description, "s(dis)")
    XCTAssertThrowsError(try ForeignSignature(parsing: "d(x)"))
    XCTAssertThrowsError(try ForeignSignature(parsing: "d"))
    XCTAssertThrowsError(try ForeignSignature(parsing: "d(v)"))
  }

  func testSymlinkedSearchDirectoryIsFollowed() throws {
    let library = try fixture("fixture")
    let link = PluginFixtures.directory.appendingPathComponent("linked-plugins")
    try? FileManager.default.removeItem(at: link)
    try FileManager.default.createSymbolicLink(at: link, withDestinationURL: library.deletingLastPathComponent())
    XCTAssertTrue(PluginDiscovery.candidates(in: link.path).contains { $0.hasSuffix("/libfixture.so") })
  }
}
