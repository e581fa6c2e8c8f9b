// The plugins found on this machine, loaded once for the life of the process.
import Foundation

/// Loads every plugin in the search directories, keeping the libraries for the life of the
/// process. Listing is cheap: loading a plugin only reads its static descriptor.
///
/// Nothing found is dropped silently: a library that fails to load (not a shared library, a
/// missing dependency, an undefined symbol, another ABI major version, a bad descriptor or
/// default value) is kept in `failures` with its reason, and one without `ncl_plugin_entry`
/// (a dependency next to the plugins, or a plugin that forgot to export it) in `skipped`, so that
/// `nclhost list` can show them and a name that is not found can point at them.
public final class PluginRegistry {
  public private(set) var plugins: [PluginLibrary] = []
  /// Libraries that could not be loaded as plugins, with the reason; also plugins whose name an
  /// earlier one already took (`duplicateName`).
  public private(set) var failures: [PluginLoadError] = []
  /// Shared libraries without `ncl_plugin_entry`: not plugins, or plugins that do not export it.
  public private(set) var skipped: [String] = []

  public init(directories: [String]) {
    var seenFiles = Set<String>()
    for directory in directories {
      for path in PluginDiscovery.candidates(in: directory) {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard seenFiles.insert(resolved).inserted else { continue }
        do {
          try add(PluginLibrary(path: path))
        } catch let error as PluginLoadError {
          if case .missingEntryPoint = error { skipped.append(error.path) } else { failures.append(error) }
        } catch {
          failures.append(.cannotOpen(path: path, reason: "\(error)"))
        }
      }
    }
  }

  /// Adds a plugin loaded by path; a second plugin with the same name is refused.
  public func add(_ library: PluginLibrary) throws {
    if let existing = plugins.first(where: { $0.descriptor.name == library.descriptor.name }) {
      throw PluginLoadError.duplicateName(name: library.descriptor.name, path: library.path, otherPath: existing.path)
    }
    plugins.append(library)
  }

  /// A plugin by name (case-insensitive) or by path to its library. A name that is not found
  /// lists the installed plugins and the libraries that failed to load and could be it.
  public func plugin(named nameOrPath: String) throws -> PluginLibrary {
    if nameOrPath.contains("/") || nameOrPath.hasSuffix(PluginDiscovery.librarySuffix) {
      let library = try PluginLibrary(path: nameOrPath)
      if let existing = plugins.first(where: { $0.path == library.path }) { return existing }
      return library
    }
    if let found = plugins.first(where: { $0.descriptor.name.lowercased() == nameOrPath.lowercased() }) {
      return found
    }
    let names = plugins.map(\.descriptor.name).sorted()
    var message = "no plugin named '\(nameOrPath)'" +
      (names.isEmpty ? "; none were found" : "; installed: \(names.joined(separator: ", "))")
    let (suspects, byFileName) = failedLibraries(thatCouldBe: nameOrPath)
    if !suspects.isEmpty {
      message += byFileName
        ? "\nIt could be this library, which failed to load:"
        : "\nThese libraries failed to load; it could be one of them:"
      for failure in suspects { message += "\n  \(failure.path)\n    \(failure.reason)" }
    }
    message += "\n(`nclhost list` shows every plugin and failure, and where it looked)"
    throw NCLError.invalidArgument(message)
  }

  /// The libraries that failed to load and could be the plugin `name`: those whose file name is
  /// the name (`libNAME.so`, ignoring case, `-` and `_`), including libraries without the entry
  /// symbol; when none is, every library that failed.
  public func failedLibraries(thatCouldBe name: String) -> (failures: [PluginLoadError], byFileName: Bool) {
    let candidates = failures.filter { if case .duplicateName = $0 { return false } else { return true } }
      + skipped.map { PluginLoadError.missingEntryPoint(path: $0) }
    let key = Self.matchKey(name)
    let matching = candidates.filter { Self.matchKey(Self.pluginName(fromFile: $0.path)) == key }
    if !matching.isEmpty { return (matching, true) }
    return (candidates.filter { if case .missingEntryPoint = $0 { return false } else { return true } }, false)
  }

  /// "libgaussian_transport.so" -> "gaussian_transport".
  static func pluginName(fromFile path: String) -> String {
    var name = URL(fileURLWithPath: path).lastPathComponent
    if name.hasSuffix(PluginDiscovery.librarySuffix) { name.removeLast(PluginDiscovery.librarySuffix.count) }
    if name.hasPrefix("lib") { name.removeFirst(3) }
    return name
  }

  static func matchKey(_ name: String) -> String {
    name.lowercased().filter { $0 != "-" && $0 != "_" }
  }
}
