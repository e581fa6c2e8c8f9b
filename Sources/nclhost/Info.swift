// `nclhost info PLUGIN`: a plugin's parameters and functions.
import ArgumentParser
import NCLHost

extension NCLHostCommand {
  struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a plugin's parameters (with defaults) and callable functions.")

    @Argument(help: "Plugin name (see `nclhost list`) or path to its shared library.")
    var plugin: String

    @OptionGroup var plugins: PluginOptions

    func run() throws {
      let library = try plugins.plugin(plugin)
      let d = library.descriptor
      print("\(d.name) \(d.version) (\(d.id), ABI \(d.abiVersion))")
      print(d.description)
      print("path: \(library.path)")
      print("\nParameters (nclhost run \(d.name) --set NAME=VALUE):")
      if d.parameters.isEmpty { print("  (none)") }
      printTable(header: ["  NAME", "TYPE", "DEFAULT", "HELP"], rows: d.parameters.map { p in
        let type: String
        switch p.kind {
        case .choice: type = p.choices.joined(separator: "|")
        case .float, .int: type = p.kind.rawValue + (p.range.map { " [\(format($0.lowerBound)), \(format($0.upperBound))]" } ?? "")
        default: type = p.kind.rawValue
        }
        return ["  " + p.name, type, p.defaultValue.isEmpty ? "\"\"" : p.defaultValue, p.help]
      })
      if !d.functions.isEmpty {
        print("\nFunctions (nclhost call \(d.name) FUNCTION ARGS...):")
        printTable(header: ["  NAME", "SIGNATURE", "HELP"], rows: d.functions.map { ["  " + $0.name, $0.signature.description, $0.help] })
      }
    }

    func format(_ v: Double) -> String {
      v == v.rounded() && Swift.abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }
  }
}
