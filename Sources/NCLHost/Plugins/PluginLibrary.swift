// One loaded plugin: its library handle and validated descriptor.
import Foundation
import NCLPluginAPI

/// A plugin loaded with dlopen. Loading goes in a fixed order with one error per step:
/// open, find `ncl_plugin_entry`, call it, check the ABI version, check `struct_size`, check the
/// mandatory fields, parse every parameter's default value. The library is never closed: a Swift plugin registers runtime metadata that
/// must outlive it, so unloading is unsafe; a plugin that fails validation simply stays out of
/// the registry.
public final class PluginLibrary {
  public static let entrySymbol = NCL_PLUGIN_ENTRY_SYMBOL

  /// Absolute path of the shared library.
  public let path: String
  public let descriptor: PluginDescriptor
  let handle: UnsafeMutableRawPointer
  let raw: UnsafePointer<ncl_plugin_descriptor_t>

  public init(path: String) throws {
    let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
    self.path = absolute
    guard FileManager.default.fileExists(atPath: absolute) else {
      throw PluginLoadError.cannotOpen(path: absolute, reason: "no such file")
    }
    guard let handle = dlopen(absolute, RTLD_NOW | RTLD_LOCAL) else {
      throw PluginLoadError.cannotOpen(path: absolute, reason: dlerror().map { String(cString: $0) } ?? "unknown error")
    }
    self.handle = handle
    guard let symbol = dlsym(handle, Self.entrySymbol) else {
      throw PluginLoadError.missingEntryPoint(path: absolute)
    }
    let entry = unsafeBitCast(symbol, to: (@convention(c) () -> UnsafePointer<ncl_plugin_descriptor_t>?).self)
    PluginCallTrace.enter(absolute, Self.entrySymbol)
    let returned = entry()
    PluginCallTrace.leave()
    guard let raw = returned else { throw PluginLoadError.nullDescriptor(path: absolute) }
    self.raw = raw
    descriptor = try PluginDescriptor(reading: raw, path: absolute)
    try descriptor.checkDefaults(path: absolute)
  }

  /// Calls an extra entry point declared in the descriptor.
  public func call(function name: String, arguments words: [String]) throws -> ForeignValue {
    guard let function = descriptor.functions.first(where: { $0.name == name }) else {
      let known = descriptor.functions.map(\.name)
      throw NCLError.invalidArgument("\(descriptor.name) has no function '\(name)'" +
        (known.isEmpty ? "" : "; it declares: \(known.joined(separator: ", "))"))
    }
    guard let symbol = dlsym(handle, function.symbol) else {
      throw NCLError.invalidArgument("\(path): function '\(name)' declares symbol '\(function.symbol)', which the library does not export")
    }
    let values = try ForeignCall.arguments(words, for: function.signature, function: name)
    PluginCallTrace.enter(descriptor.name, "call \(name)")
    defer { PluginCallTrace.leave() }
    guard function.signature.reportsErrors else { return try ForeignCall.call(symbol, signature: function.signature, values: values) }
    // ABI 1.2 error buffer ('e'): a message left in it means the call failed.
    let buffer = UnsafeMutableBufferPointer<CChar>.allocate(capacity: Int(NCL_MESSAGE_SIZE))
    defer { buffer.deallocate() }
    buffer.initialize(repeating: 0)
    let result = try ForeignCall.call(symbol, signature: function.signature, values: values, errorBuffer: buffer)
    buffer[buffer.count - 1] = 0
    let message = String(cString: buffer.baseAddress!)
    guard message.isEmpty else { throw PluginError(plugin: descriptor.name, call: name, status: NCL_ERROR_INVALID_ARGUMENT, message: message) }
    return result
  }
}
