// PNG encoding of 8-bit RGB and RGBA images, and atomic PNG files.
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes 8-bit truecolor PNG files (color types 2 and 6), with no library beyond Foundation.
///
/// Rows are stored with filter 0 and the zlib stream comes from `Deflate`; plots are made of
/// flat color and repeated rows, which LZ77 compresses well without filters or dynamic tables.
public enum PNGWriter {
  /// How IDAT data is deflated.
  public enum Compression: Sendable {
    /// Uncompressed deflate blocks: larger files, simplest possible encoder.
    case none
    /// LZ77 with the fixed Huffman codes: smaller files (the default).
    case fixedHuffman
  }

  static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

  /// PNG bytes of a `width` x `height` image whose `pixels` are row-major, top row first,
  /// `channels` bytes per pixel (3: RGB, 4: RGBA with straight alpha).
  public static func encode(
    width: Int, height: Int, channels: Int, pixels: [UInt8], compression: Compression = .fixedHuffman
  ) throws -> [UInt8] {
    guard width >= 1, height >= 1, width <= Int(Int32.max), height <= Int(Int32.max) else {
      throw NCLError.invalidArgument("PNG size must be at least 1 x 1, got \(width) x \(height)")
    }
    guard channels == 3 || channels == 4 else {
      throw NCLError.invalidArgument("PNG pixels need 3 (RGB) or 4 (RGBA) channels, got \(channels)")
    }
    guard pixels.count == width * height * channels else {
      throw NCLError.invalidArgument("\(pixels.count) bytes do not fill a \(width) x \(height) x \(channels) image")
    }
    // Scanlines: a filter-type byte (0, none) before each row.
    let rowBytes = width * channels
    var raw = [UInt8](repeating: 0, count: height * (rowBytes + 1))
    pixels.withUnsafeBufferPointer { source in
      raw.withUnsafeMutableBufferPointer { target in
        for y in 0..<height {
          let from = source.baseAddress! + y * rowBytes
          (target.baseAddress! + y * (rowBytes + 1) + 1).update(from: from, count: rowBytes)
        }
      }
    }
    var header: [UInt8] = []
    header += bigEndian(UInt32(width))
    header += bigEndian(UInt32(height))
    header += [8, channels == 3 ? 2 : 6, 0, 0, 0]  // bit depth, color type, compression, filter, interlace
    var png = signature
    png += chunk("IHDR", header)
    png += chunk("IDAT", Deflate.zlib(raw, encoding: compression == .none ? .stored : .fixedHuffman))
    png += chunk("IEND", [])
    return png
  }

  /// Encodes and writes the image to `url` atomically (see `writeAtomically`).
  public static func write(
    width: Int, height: Int, channels: Int, pixels: [UInt8], to url: URL, compression: Compression = .fixedHuffman
  ) throws {
    try writeAtomically(encode(width: width, height: height, channels: channels, pixels: pixels, compression: compression), to: url)
  }

  /// Writes `bytes` to a temporary file next to `url`, then renames it over `url`: a reader
  /// (an image viewer refreshing, a CI artifact upload) never sees a half-written file, and a
  /// failed write leaves the previous file in place. Creates missing parent directories.
  public static func writeAtomically(_ bytes: [UInt8], to url: URL) throws {
    let directory = url.deletingLastPathComponent()
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let temporary = directory.appendingPathComponent(
      ".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).\(UInt32.random(in: 0...UInt32.max)).tmp")
    do {
      try Data(bytes).write(to: temporary)
      guard rename(temporary.path, url.path) == 0 else {
        throw NCLError.invalidArgument("cannot move \(temporary.path) to \(url.path): \(String(cString: strerror(errno)))")
      }
    } catch {
      try? FileManager.default.removeItem(at: temporary)
      throw error
    }
  }

  static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
    let typeBytes = Array(type.utf8)
    precondition(typeBytes.count == 4, "PNG chunk types have 4 letters, got \(type)")
    return bigEndian(UInt32(data.count)) + typeBytes + data
      + bigEndian(Checksum.crc32(data, continuing: Checksum.crc32(typeBytes)))
  }

  static func bigEndian(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
  }
}
