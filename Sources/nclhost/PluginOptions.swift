// Options shared by every subcommand that loads plugins.
import ArgumentParser
import NCLHost

struct PluginOptions: ParsableArguments {
  @Option(name: .customLong("plugin-path"), help: ArgumentHelp(
    "A directory to search for plugins (repeatable), before $NCL_PLUGIN_PATH's, the user's plugin directory and the build's products.",
    valueName: "dir"))
  var pluginPaths: [String] = []

  /// Searches the directories and loads every plugin found.
  func registry() -> PluginRegistry {
    PluginRegistry(directories: PluginDiscovery.searchDirectories(extra: pluginPaths))
  }

  /// A plugin by name or path; an unknown name lists the installed ones.
  func plugin(_ nameOrPath: String) throws -> PluginLibrary {
    try registry().plugin(named: nameOrPath)
  }
}

/// `--set key=value`.
struct KeyValue: ExpressibleByArgument {
  let key: String
  let value: String

  init?(argument: String) {
    guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else { return nil }
    key = String(argument[..<equals])
    value = String(argument[argument.index(after: equals)...])
  }
}
