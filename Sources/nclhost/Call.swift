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

    @Argument(parsing: .allUnrecognized, help: "Arguments, converted to the declared types.")
    var arguments: [String] = []

    @OptionGroup var plugins: PluginOptions

    @Flag(help: "Run the plugin in a child process: a crash is reported instead of killing the host.")
    var isolate = false

    func run() throws {
      if isolate && !Isolation.isChild { return try Isolation.runInChild(plugin: plugin) }
      let result = try plugins.plugin(plugin).call(function: function, arguments: arguments)
      if result != .void { print(result) }
    }
  }
}
