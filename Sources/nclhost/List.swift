// `nclhost list`: the installed plugins.
import ArgumentParser
import NCLHost

extension NCLHostCommand {
  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the installed plugins and where they were found.")

    @OptionGroup var plugins: PluginOptions

    func run() throws {
      let directories = PluginDiscovery.searchDirectories(extra: plugins.pluginPaths)
      let registry = PluginRegistry(directories: directories)
      if registry.plugins.isEmpty {
        print("No plugins found.")
      } else {
        let rows = registry.plugins.map { p in
          [p.descriptor.name, p.descriptor.version, "ABI \(p.descriptor.abiVersion)", p.descriptor.description, p.path]
        }
        printTable(header: ["NAME", "VERSION", "ABI", "DESCRIPTION", "PATH"], rows: rows)
      }
      for failure in registry.failures { print("warning: \(failure)") }
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
