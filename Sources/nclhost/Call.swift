// `nclhost call PLUGIN FUNCTION ARGS...`: calls an extra entry point a plugin declares.
import ArgumentParser
import NCLHost

extension NCLHostCommand {
  struct Call: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Call a function a plugin exports (data generators, reference solutions), typed by its declared signature.")

    @Argument(help: "Plugin name or path.")
    var plugin: String

    @Argument(help: "Function name (see `nclhost info PLUGIN`).")
    var function: String

    @Argument(parsing: .allUnrecognized, help: "Arguments, converted to the declared types (put them after `--` when one starts with '-').")
    var arguments: [String] = []

    /// The function's arguments. ArgumentParser keeps the `--` that ends the options among the
    /// unrecognized words; it separates, it is not an argument (a second `--` is one).
    var functionArguments: [String] {
      guard let terminator = arguments.firstIndex(of: "--") else { return arguments }
      var words = arguments
      words.remove(at: terminator)
      return words
    }

    @OptionGroup var plugins: PluginOptions

    @Flag(help: "Run the plugin in a child process: a crash is reported instead of killing the host.")
    var isolate = false

    func run() throws {
      if isolate && !Isolation.isChild { return try Isolation.runInChild(plugin: plugin) }
      let result = try plugins.plugin(plugin).call(function: function, arguments: functionArguments)
      if result != .void { print(result) }
    }
  }
}
