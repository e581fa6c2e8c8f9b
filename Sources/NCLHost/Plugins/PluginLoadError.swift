// Why a plugin file could not be loaded, one case per step of the loader.

/// Each message names the plugin's path and, where the plugin said why, wraps its own text.
public enum PluginLoadError: Error, CustomStringConvertible, Equatable {
  case cannotOpen(path: String, reason: String)
  case missingEntryPoint(path: String)
  case nullDescriptor(path: String)
  case incompatibleABI(path: String, found: String, expected: String)
  case descriptorTooSmall(path: String, size: Int, minimum: Int)
  case invalidDescriptor(path: String, field: String)
  case duplicateName(name: String, path: String, otherPath: String)

  /// The library the error is about.
  public var path: String {
    switch self {
    case let .cannotOpen(path, _), let .missingEntryPoint(path), let .nullDescriptor(path), let .incompatibleABI(path, _, _),
         let .descriptorTooSmall(path, _, _), let .invalidDescriptor(path, _), let .duplicateName(_, path, _):
      return path
    }
  }

  /// What went wrong, without the path.
  public var reason: String {
    switch self {
    case let .cannotOpen(path, reason):
      // dlerror() often starts with the library's own path; a dependency's name stays, it is the news.
      let text = reason.hasPrefix(path + ": ") ? String(reason.dropFirst(path.count + 2)) : reason
      return "cannot open as a shared library: \(text)" + Self.hint(dlerror: text)
    case .missingEntryPoint:
      return "no '\(PluginLibrary.entrySymbol)' symbol; is it an NCL plugin? (export it with extern \"C\" or @_cdecl)"
    case .nullDescriptor:
      return "\(PluginLibrary.entrySymbol)() returned NULL"
    case let .incompatibleABI(_, found, expected):
      return "built for NCL plugin ABI \(found), this host speaks \(expected); rebuild the plugin against this ncl_plugin.h"
    case let .descriptorTooSmall(_, size, minimum):
      return "descriptor struct_size \(size) is smaller than the \(minimum) bytes of ABI 1.0"
    case let .invalidDescriptor(_, field):
      return "invalid descriptor: \(field)"
    case let .duplicateName(name, _, other):
      return "a plugin named '\(name)' is already loaded from \(other); keeping the first"
    }
  }

  public var description: String { "\(path): \(reason)" }

  /// What to do about the usual dlopen failures, which name the problem but not the fix.
  static func hint(dlerror text: String) -> String {
    if text.contains("cannot open shared object file") {
      return " (a library it depends on is missing; `ldd` on the plugin lists them)"
    }
    if text.contains("undefined symbol") {
      return " (no loaded library defines it: link the plugin against the library that does, or define it)"
    }
    if text.contains("invalid ELF header") || text.contains("file too short") {
      return " (not a shared library)"
    }
    return ""
  }
}
