// Atomic whole-file writes (NCLSupport's AtomicFile) of Foundation Data at file URLs.
import Foundation

extension AtomicFile {
  /// Writes `data` to `url` atomically: the reader sees the old file or the new one, never part.
  static func write(_ data: Data, to url: URL) throws {
    try data.withUnsafeBytes { try write($0, to: url.path) }
  }
}
