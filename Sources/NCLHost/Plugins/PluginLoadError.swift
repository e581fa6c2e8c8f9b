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

  public var description: String {
    switch self {
    case let .cannotOpen(path, reason):
      return "\(path): cannot open as a shared library: \(reason)"
    case let .missingEntryPoint(path):
      return "\(path): no '\(PluginLibrary.entrySymbol)' symbol; is it an NCL plugin? (export it with extern \"C\" or @_cdecl)"
    case let .nullDescriptor(path):
      return "\(path): \(PluginLibrary.entrySymbol)() returned NULL"
    case let .incompatibleABI(path, found, expected):
      return "\(path): built for NCL plugin ABI \(found), this host speaks \(expected); rebuild the plugin against this ncl_plugin.h"
    case let .descriptorTooSmall(path, size, minimum):
      return "\(path): descriptor struct_size \(size) is smaller than the \(minimum) bytes of ABI 1.0"
    case let .invalidDescriptor(path, field):
      return "\(path): invalid descriptor: \(field)"
    case let .duplicateName(name, path, other):
      return "\(path): a plugin named '\(name)' is already loaded from \(other); keeping the first"
    }
  }
}
