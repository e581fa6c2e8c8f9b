// The package's own plugins as this build made them, for tests that load them through the real loader.
import Foundation
import NCLHost

extension PluginFixtures {
  /// lib`name`.so of this build, loaded: next to the test bundle (SwiftPM puts every product of
  /// the package in one directory), else in the repository's .build/debug.
  public static func builtPlugin(_ name: String) throws -> PluginLibrary {
    #if os(macOS)
    let file = "lib\(name).dylib"
    #else
    let file = "lib\(name).so"
    #endif
    var candidates = [PluginDiscovery.executableDirectory, Bundle.main.bundleURL.deletingLastPathComponent().path]
      .compactMap { $0 }.map { $0 + "/" + file }
    candidates.append(repository.appendingPathComponent(".build/debug/\(file)").path)
    guard let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
      throw NCLError.invalidArgument("\(file) was not built; looked in \(candidates). Build it with `swift build --build-tests` (or `--product \(name)`).")
    }
    return try PluginLibrary(path: path)
  }
}
