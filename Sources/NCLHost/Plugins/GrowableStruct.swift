// Reading a struct a plugin filled, whatever ABI 1.x it was built against.
import NCLPluginAPI

/// Copies of plugin-filled structs under the header's evolution rule: accept any `struct_size`
/// from the struct's ABI 1.0 size up, copy `min(struct_size, host size)` bytes into a zeroed
/// host struct, never read past `struct_size`. Members the plugin did not know are then zero,
/// which the header documents as their default.
enum GrowableStruct {
  /// Why a struct was refused: its size is below the ABI 1.0 size.
  struct TooSmall: Error {
    let size: Int
    let minimum: Int
  }

  /// A zeroed `T` holding the first `min(size, MemoryLayout<T>.size)` bytes at `source`.
  static func copy<T>(_ source: UnsafeRawPointer, size: Int, minimum: Int, as type: T.Type = T.self) throws -> T {
    guard size >= minimum else { throw TooSmall(size: size, minimum: minimum) }
    let bytes = min(size, MemoryLayout<T>.size)
    let target = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<T>.size, alignment: MemoryLayout<T>.alignment)
    defer { target.deallocate() }
    target.initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<T>.size)
    target.copyMemory(from: source, byteCount: bytes)
    return target.load(as: T.self)
  }

  /// A copy of a struct whose first member is its `uint32_t struct_size`.
  static func copy<T>(_ source: UnsafePointer<T>, minimum: Int) throws -> T {
    let raw = UnsafeRawPointer(source)
    return try copy(raw, size: Int(raw.load(as: UInt32.self)), minimum: minimum)
  }

  /// The elements of an array of such structs, stepped by the first element's `struct_size` so
  /// that arrays of older (smaller) or later (larger) structs read correctly.
  static func elements<T>(_ base: UnsafePointer<T>, count: Int, minimum: Int) throws -> [T] {
    let raw = UnsafeRawPointer(base)
    let stride = Int(raw.load(as: UInt32.self))
    return try (0..<count).map { try copy(raw + $0 * stride, size: stride, minimum: minimum) }
  }
}

/// The ABI 1.0 sizes of the structs a plugin fills (their members through the last 1.0 one), the
/// smallest `struct_size` the host accepts; `ncl_plugin.h` defines the same as NCL_*_SIZE_1_0.
enum ABI10Size {
  private static let pointer = MemoryLayout<UnsafeRawPointer>.size
  static let descriptor = MemoryLayout<ncl_plugin_descriptor_t>.offset(of: \.create)! + pointer
  static let parameter = MemoryLayout<ncl_param_info_t>.offset(of: \.help)! + pointer
  static let function = MemoryLayout<ncl_function_info_t>.offset(of: \.help)! + pointer
  static let objective = MemoryLayout<ncl_objective_t>.offset(of: \.destroy)! + pointer
  static let problem = MemoryLayout<ncl_problem_t>.offset(of: \.batch_size)! + MemoryLayout<UInt32>.size
}
