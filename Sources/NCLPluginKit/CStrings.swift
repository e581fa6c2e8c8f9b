// C memory the descriptor points to, and the host's error buffers.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Helpers for memory that crosses the ABI.
enum CStrings {
  /// A copy of `text` that is never freed: descriptor strings live for the process.
  static func permanent(_ text: String) -> UnsafePointer<CChar> { UnsafePointer(strdup(text)!) }

  /// A never-freed array holding `elements`.
  static func permanentArray<T>(_ elements: [T]) -> UnsafePointer<T>? {
    guard !elements.isEmpty else { return nil }
    let p = UnsafeMutablePointer<T>.allocate(capacity: elements.count)
    p.initialize(from: elements, count: elements.count)
    return UnsafePointer(p)
  }

  /// Writes `message` into the host's buffer: UTF-8, NUL-terminated, truncated to fit without
  /// splitting a character.
  static func write(_ message: String, into buffer: UnsafeMutablePointer<CChar>?, capacity: Int) {
    guard let buffer, capacity > 0 else { return }
    let bytes = Array(message.utf8)
    var n = min(bytes.count, capacity - 1)
    while n > 0 && n < bytes.count && bytes[n] & 0xC0 == 0x80 { n -= 1 }
    for i in 0..<n { buffer[i] = CChar(bitPattern: bytes[i]) }
    buffer[n] = 0
  }

  /// `sizeof(T)` as C sees it (Swift's stride includes the trailing padding C counts).
  static func size<T>(_: T.Type) -> UInt32 { UInt32(MemoryLayout<T>.stride) }
}
