// PNG encoding of 8-bit RGB and RGBA images, compressed by zlib.
import CZlib

/// Writes 8-bit truecolor PNG files (color types 2 and 6).
///
/// Rows are stored with filter 0 (none) and compressed by zlib: plots are made of flat color
/// and repeated rows, which deflate shrinks by one or two orders of magnitude without filters.
/// Chunk checksums are zlib's CRC-32.
public enum PNGWriter {
  /// How IDAT data is deflated.
  public enum Compression: Sendable {
    /// Stored (uncompressed) deflate blocks, zlib level 0: larger files, trivially decodable.
    case none
    /// zlib's default level (6): small files, fast enough for every plot (the default).
    case standard

    var level: Int32 {
      switch self {
      case .none: return Z_NO_COMPRESSION
      case .standard: return Z_DEFAULT_COMPRESSION
      }
    }
  }

  static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

  /// PNG bytes of a `width` x `height` image whose `pixels` are row-major, top row first,
  /// `channels` bytes per pixel (3: RGB, 4: RGBA with straight alpha).
  public static func encode(
    width: Int, height: Int, channels: Int, pixels: [UInt8], compression: Compression = .standard
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
    png += chunk("IDAT", try deflate(raw, level: compression.level))
    png += chunk("IEND", [])
    return png
  }

  /// Encodes the image and writes it to `path` atomically, creating missing folders.
  public static func write(
    width: Int, height: Int, channels: Int, pixels: [UInt8], to path: String, compression: Compression = .standard
  ) throws {
    let png = try encode(width: width, height: height, channels: channels, pixels: pixels, compression: compression)
    try AtomicFile.write(png, to: path, createDirectories: true)
  }

  /// A complete zlib stream (header, deflate data, Adler-32) of `data`.
  static func deflate(_ data: [UInt8], level: Int32) throws -> [UInt8] {
    var length = compressBound(uLong(data.count))
    var out = [UInt8](repeating: 0, count: Int(length))
    let status = out.withUnsafeMutableBufferPointer { target in
      data.withUnsafeBufferPointer { source in
        compress2(target.baseAddress, &length, source.baseAddress, uLong(source.count), level)
      }
    }
    guard status == Z_OK else { throw NCLError.invalidArgument("zlib could not compress \(data.count) bytes (status \(status))") }
    out.removeSubrange(Int(length)...)
    return out
  }

  /// Length, type, data and the CRC-32 of type and data.
  static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
    let typeBytes = Array(type.utf8)
    precondition(typeBytes.count == 4, "PNG chunk types have 4 letters, got \(type)")
    var crc = typeBytes.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
    crc = data.withUnsafeBufferPointer { crc32(crc, $0.baseAddress, uInt($0.count)) }
    return bigEndian(UInt32(data.count)) + typeBytes + data + bigEndian(UInt32(crc))
  }

  static func bigEndian(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
  }
}
