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
  public static let releasedABIs = ["1.0", "1.1"]

  /// Compiles `source` (relative to the repository) into `lib<name>.so` in `subdirectory` of the
  /// scratch directory, with the flags third parties are told to use, against the header folder
  /// `include` (the current header by default); cached per process.
  public static func library(_ source: String, name: String, subdirectory: String = "plugins", include: URL = header) throws -> URL {
    lock.lock()
    defer { lock.unlock() }
    let key = "\(subdirectory)/\(name)"
    if let url = built[key] { return url }
    let folder = directory.appendingPathComponent(subdirectory)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let output = folder.appendingPathComponent("lib\(name).so")
    try run("/usr/bin/env", ["cc", "-std=c11", "-O1", "-Wall", "-Wextra", "-pedantic", "-Werror", "-shared", "-fPIC",
                             "-fvisibility=hidden", "-I", include.path, repository.appendingPathComponent(source).path,
                             "-o", output.path, "-lm"])
    built[key] = output
    return output
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
