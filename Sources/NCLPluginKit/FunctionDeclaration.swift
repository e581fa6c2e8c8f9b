// An extra entry point a plugin lists in its descriptor (`nclhost call PLUGIN NAME ARGS...`).
import NCLPluginAPI

/// An exported C function the host can call by name. Export it yourself with
/// `@_cdecl("symbol") public func ...`; the signature is the return type then the argument
/// types in parentheses, one letter each (d = double, i = int64_t, s = const char *, v = void).
public struct FunctionDeclaration: Sendable, Equatable {
  public let name: String
  public let symbol: String
  public let signature: String
  public let help: String

  public init(_ name: String, symbol: String, signature: String, help: String) {
    self.name = name
    self.symbol = symbol
    self.signature = signature
    self.help = help
  }

  func cValue() -> ncl_function_info_t {
    var f = ncl_function_info_t()
    f.struct_size = CStrings.size(ncl_function_info_t.self)
    f.name = CStrings.permanent(name)
    f.symbol = CStrings.permanent(symbol)
    f.signature = CStrings.permanent(signature)
    f.help = CStrings.permanent(help)
    return f
  }
}
