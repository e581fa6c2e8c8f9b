// Where plugins are looked for.
import Foundation

/// Plugin discovery.
///
/// Searched in order, recursively, for files ending in `.so` (`.dylib` on macOS):
/// 1. every directory listed in `NCL_PLUGIN_PATH` (colon-separated) and every `--plugin-path`;
/// 2. the user's plugin directory, `$XDG_DATA_HOME/ncl/plugins` (default `~/.local/share/ncl/plugins`);
/// 3. the directory holding the running `nclhost` binary (the build's own products, where
///    SwiftPM puts the plugins of this package).
/// A file that is not an NCL plugin (no entry symbol) is skipped silently during discovery; a
/// file that is one but fails validation is reported. The first plugin of a given name wins.
public enum PluginDiscovery {
  public static let environmentVariable = "NCL_PLUGIN_PATH"

  public static var userDirectory: String {
    let env = ProcessInfo.processInfo.environment
    let base = env["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() + "/.local/share")
    return base + "/ncl/plugins"
  }

  public static var executableDirectory: String? {
    guard let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else {
      return CommandLine.arguments.first.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path }
    }
    return URL(fileURLWithPath: path).deletingLastPathComponent().path
  }

  /// The directories to search, in order, without duplicates.
  public static func searchDirectories(extra: [String] = [], environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
    let fromEnvironment = (environment[environmentVariable] ?? "").split(separator: ":").map(String.init)
    var seen = Set<String>()
    return (fromEnvironment + extra + [userDirectory] + [executableDirectory].compactMap { $0 })
      .filter { !$0.isEmpty }
      .map { URL(fileURLWithPath: $0).standardizedFileURL.path }
      .filter { seen.insert($0).inserted }
  }

  static var librarySuffix: String {
    #if os(macOS)
    return ".dylib"
    #else
    return ".so"
    #endif
  }

  /// Shared libraries under `directory`, recursively, sorted for a stable order.
  /// A symlinked directory (SwiftPM's `.build/release` is one) is followed.
  public static func candidates(in directory: String) -> [String] {
    let root = URL(fileURLWithPath: directory).resolvingSymlinksInPath().path
    guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
    var found: [String] = []
    while let relative = walker.nextObject() as? String {
      if relative.hasSuffix(librarySuffix) { found.append(root + "/" + relative) }
    }
    return found.sorted()
  }
}
