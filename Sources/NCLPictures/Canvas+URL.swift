// Canvas files at Foundation URLs, for the plots of NCLHost (the canvas itself is NCLSupport's).
import Foundation

extension Canvas {
  /// Writes the canvas as a PNG file at `url`, atomically, creating missing folders.
  public func write(to url: URL, compression: PNGWriter.Compression = .standard) throws {
    try write(to: url.path, compression: compression)
  }
}
