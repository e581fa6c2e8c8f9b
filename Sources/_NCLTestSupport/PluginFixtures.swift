// Builds the C test plugins and example plugins with the system C compiler, once per test process.
import Foundation

/// Paths of the repository and of freshly compiled plugin libraries.
public enum PluginFixtures {
  /// The repository root (this file is Sources/_NCLTestSupport/PluginFixtures.swift).
  public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  public static let header = repository.appendingPathComponent("Sources/NCLPluginAPI/include")

  /// A scratch directory for this test process.
  public static let directory: URL = {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("ncl-fixtures-\(ProcessInfo.processInfo.processIdentifier)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }()

  private static var built: [String: URL] = [:]
  private static let lock = NSLock()

  /// The frozen copy of a released header (`Tests/Fixtures/abi/<version>/ncl_plugin.h`), never
  /// edited after its release: plugins built against it must keep loading into this host.
  public static func frozenHeader(_ version: String) -> URL {
    repository.appendingPathComponent("Tests/Fixtures/abi/\(version)")
  }

  /// The ABI versions with a frozen header, oldest first.
  public static let releasedABIs = ["1.0", "1.1", "1.2"]

  /// Compiles `source` (relative to the repository) into `lib<name>.so` in `subdirectory` of the
  /// scratch directory, with the flags third parties are told to use, against the header folder
  /// `include` (the current header by default); cached per process.
  /// `linking`: other fixture libraries it links against (found through its run path).
  public static func library(
    _ source: String, name: String, subdirectory: String = "plugins", include: URL = header, linking: [URL] = []
  ) throws -> URL {
    lock.lock()
    defer { lock.unlock() }
    return try buildLibrary(source, name: name, subdirectory: subdirectory, include: include, linking: linking)
  }

  private static func buildLibrary(_ source: String, name: String, subdirectory: String, include: URL = header, linking: [URL]) throws -> URL {
    let key = "\(subdirectory)/\(name)"
    if let url = built[key] { return url }
    let folder = directory.appendingPathComponent(subdirectory)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let output = folder.appendingPathComponent("lib\(name).so")
    let links = linking.flatMap { library -> [String] in
      let folder = library.deletingLastPathComponent().path
      let name = String(library.deletingPathExtension().lastPathComponent.dropFirst(3))  // libNAME.so -> NAME
      return ["-L", folder, "-Wl,-rpath,\(folder)", "-l\(name)"]
    }
    try run("/usr/bin/env", ["cc", "-std=c11", "-O1", "-Wall", "-Wextra", "-pedantic", "-Werror", "-shared", "-fPIC",
                             "-fvisibility=hidden", "-I", include.path, repository.appendingPathComponent(source).path,
                             "-o", output.path] + links + ["-lm"])
    built[key] = output
    return output
  }

  /// One library for each way a file in the plugin path can fail to load, all in `subdirectory`
  /// (and nothing else there), keyed by the failure:
  /// - "not-elf": `libnot_elf.so`, a text file;
  /// - "missing-dependency": `libmissing_dependency.so`, linked against a library that is then deleted;
  /// - "undefined-symbol": `libundefined_symbol.so`, calling a function nothing defines;
  /// - "wrong-abi": `libwrong_abi.so`, built for the next major ABI version;
  /// - "too-small": `libtoo_small.so`, a descriptor smaller than ABI 1.0's;
  /// - "missing-create": `libmissing_create.so`, a descriptor without its mandatory create();
  /// - "bad-default": `libbad_default.so`, a default value outside its parameter's bounds;
  /// - "no-entry": `libno_entry.so`, a shared library without ncl_plugin_entry (not a plugin).
  public static func brokenLibraries(subdirectory: String = "broken") throws -> [String: URL] {
    lock.lock()
    defer { lock.unlock() }
    var libraries: [String: URL] = [:]
    for name in ["undefined_symbol", "wrong_abi", "too_small", "missing_create", "bad_default", "no_entry"] {
      libraries[name.replacingOccurrences(of: "_", with: "-")] =
        try buildLibrary("Tests/Fixtures/plugins/\(name).c", name: name, subdirectory: subdirectory, linking: [])
    }
    let dependency = try buildLibrary("Tests/Fixtures/plugins/dependency.c", name: "ncl_fixture_dependency",
                                      subdirectory: subdirectory + "-dependency", linking: [])
    let dependent = try buildLibrary("Tests/Fixtures/plugins/missing_dependency.c", name: "missing_dependency",
                                     subdirectory: subdirectory, linking: [dependency])
    if FileManager.default.fileExists(atPath: dependency.path) { try FileManager.default.removeItem(at: dependency) }
    libraries["missing-dependency"] = dependent
    let text = directory.appendingPathComponent(subdirectory).appendingPathComponent("libnot_elf.so")
    try "not a shared library\n".write(to: text, atomically: true, encoding: .utf8)
    libraries["not-elf"] = text
    return libraries
  }

  /// Runs a command, throwing with its output when it fails.
  @discardableResult
  public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                         directory: URL? = nil) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let directory { process.currentDirectoryURL = directory }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let output = String(decoding: data, as: UTF8.self)
    guard process.terminationStatus == 0 else {
      throw FixtureError(command: ([executable] + arguments).joined(separator: " "), status: process.terminationStatus, output: output)
    }
    return (process.terminationStatus, output)
  }

  public struct FixtureError: Error, CustomStringConvertible {
    public let command: String
    public let status: Int32
    public let output: String
    public var description: String { "`\(command)` exited with \(status):\n\(output)" }
  }
}
