// `nclhost list`: the installed plugins.
import ArgumentParser
import NCLHost

extension NCLHostCommand {
  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List the installed plugins and where they were found.",
      discussion: """
        Also lists the libraries in the search path that failed to load, each with its reason (not a \
        shared library, a missing dependency, an undefined symbol, another ABI version, a bad \
        descriptor or default value), and those skipped because they export no ncl_plugin_entry.
        """)

    @OptionGroup var plugins: PluginOptions

    func run() throws {
      let directories = PluginDiscovery.searchDirectories(extra: plugins.pluginPaths)
      let registry = PluginRegistry(directories: directories)
      if registry.plugins.isEmpty {
        print("No plugins found.")
        if let directory = PluginDiscovery.executableDirectory, directory.contains("/.build/") {
          print("(nclhost runs from a SwiftPM build folder: `swift build` builds this package's plugins next to it, " +
                "`swift run nclhost` only nclhost.)")
        }
      } else {
        let rows = registry.plugins.map { p in
          [p.descriptor.name, p.descriptor.version, "ABI \(p.descriptor.abiVersion)", p.descriptor.description, p.path]
        }
        printTable(header: ["NAME", "VERSION", "ABI", "DESCRIPTION", "PATH"], rows: rows)
      }
      if !registry.failures.isEmpty {
        print("\nFailed to load (\(registry.failures.count)):")
        for failure in registry.failures { print("  \(failure.path)\n    \(failure.reason)") }
      }
      if !registry.skipped.isEmpty {
        print("\nNot plugins (no \(PluginLibrary.entrySymbol) symbol), skipped:")
        for path in registry.skipped { print("  \(path)") }
      }
      print("\nSearched (NCL_PLUGIN_PATH, --plugin-path, user directory, build products):")
      for directory in directories { print("  \(directory)") }
    }
  }
}

/// Left-aligned columns separated by two spaces.
func printTable(header: [String], rows: [[String]]) {
  let all = [header] + rows
  let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
  for row in all {
    let cells = row.enumerated().map { i, cell in
      i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
    }
    print(cells.joined(separator: "  "))
  }
}
