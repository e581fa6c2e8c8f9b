// The plugins found on this machine, loaded once for the life of the process.
import Foundation

/// Loads every plugin in the search directories, keeping the libraries for the life of the
/// process. Listing is cheap: loading a plugin only reads its static descriptor.
public final class PluginRegistry {
  public private(set) var plugins: [PluginLibrary] = []
  /// Files that are NCL plugins but could not be loaded, with the reason.
  public private(set) var failures: [PluginLoadError] = []

  public init(directories: [String]) {
    var seenFiles = Set<String>()
    for directory in directories {
      for path in PluginDiscovery.candidates(in: directory) {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard seenFiles.insert(resolved).inserted else { continue }
        do {
          try add(PluginLibrary(path: path))
        } catch PluginLoadError.missingEntryPoint {
          continue  // some other shared library (a dependency next to the binary, say)
        } catch PluginLoadError.cannotOpen {
          continue  // unloadable files are only reported when asked for by path
        } catch let error as PluginLoadError {
          failures.append(error)
        } catch {
          continue
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

  /// A plugin by name (case-insensitive) or by path to its library.
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
    throw NCLError.invalidArgument("no plugin named '\(nameOrPath)'" +
      (names.isEmpty ? "; none were found (see `nclhost list` for the search path)" : "; installed: \(names.joined(separator: ", "))"))
  }
}
