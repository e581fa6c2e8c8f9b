// Pictures without dependencies: an RGB canvas, a colormap, a tiny digit font, and a PNG encoder
// (zlib stored blocks: larger files than a real deflater, but no code to trust).
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

struct Canvas {
  let width: Int
  let height: Int
  var pixels: [UInt8]

  init(width: Int, height: Int, background: (UInt8, UInt8, UInt8) = (255, 255, 255)) {
    self.width = width
    self.height = height
    pixels = [UInt8](repeating: 0, count: width * height * 3)
    for i in 0..<(width * height) {
      pixels[3 * i] = background.0
      pixels[3 * i + 1] = background.1
      pixels[3 * i + 2] = background.2
    }
  }

  mutating func set(_ x: Int, _ y: Int, _ c: (UInt8, UInt8, UInt8)) {
    guard x >= 0, y >= 0, x < width, y < height else { return }
    let i = 3 * (y * width + x)
    pixels[i] = c.0
    pixels[i + 1] = c.1
    pixels[i + 2] = c.2
  }

  mutating func fill(x: Int, y: Int, width w: Int, height h: Int, _ c: (UInt8, UInt8, UInt8)) {
    for yy in y..<(y + h) { for xx in x..<(x + w) { set(xx, yy, c) } }
  }

  /// Text in a 3x5 pixel font scaled by `scale` (digits, '.', '-', '=', ',', 't', 'd', 'a', 'y', 's', ' ').
  mutating func text(_ s: String, x: Int, y: Int, scale: Int = 2, color: (UInt8, UInt8, UInt8) = (0, 0, 0)) {
    var cx = x
    for ch in s {
      if let rows = Canvas.font[ch] {
        for (r, row) in rows.enumerated() {
          for c in 0..<3 where row & (4 >> c) != 0 {
            fill(x: cx + c * scale, y: y + r * scale, width: scale, height: scale, color)
          }
        }
      }
      cx += 4 * scale
    }
  }

  /// Rows of 3 bits, most significant bit on the left.
  static let font: [Character: [UInt8]] = [
    "0": [7, 5, 5, 5, 7], "1": [2, 6, 2, 2, 7], "2": [7, 1, 7, 4, 7], "3": [7, 1, 7, 1, 7],
    "4": [5, 5, 7, 1, 1], "5": [7, 4, 7, 1, 7], "6": [7, 4, 7, 5, 7], "7": [7, 1, 1, 1, 1],
    "8": [7, 5, 7, 5, 7], "9": [7, 5, 7, 1, 7], ".": [0, 0, 0, 0, 2], "-": [0, 0, 7, 0, 0],
    "=": [0, 7, 0, 7, 0], ",": [0, 0, 0, 2, 4], "t": [2, 7, 2, 2, 3], "d": [1, 1, 7, 5, 7],
    "a": [0, 7, 1, 7, 7], "y": [5, 5, 7, 1, 7], "s": [0, 7, 6, 3, 7], " ": [0, 0, 0, 0, 0],
  ]

  /// The PNG file bytes: 8-bit indexed color when the picture has at most 256 colors (a third
  /// of the size, as the deflate blocks are stored uncompressed), 8-bit RGB otherwise.
  func png() -> [UInt8] {
    var palette: [UInt32: UInt8] = [:], colors: [UInt8] = []
    var indexed = true
    for i in 0..<(width * height) {
      let key = UInt32(pixels[3 * i]) << 16 | UInt32(pixels[3 * i + 1]) << 8 | UInt32(pixels[3 * i + 2])
      if palette[key] == nil {
        if palette.count == 256 { indexed = false; break }
        palette[key] = UInt8(palette.count)
        colors += [pixels[3 * i], pixels[3 * i + 1], pixels[3 * i + 2]]
      }
    }
    let channels = indexed ? 1 : 3
    var raw: [UInt8] = []
    raw.reserveCapacity(height * (1 + channels * width))
    for y in 0..<height {
      raw.append(0)  // filter: none
      if indexed {
        for x in 0..<width {
          let i = 3 * (y * width + x)
          raw.append(palette[UInt32(pixels[i]) << 16 | UInt32(pixels[i + 1]) << 8 | UInt32(pixels[i + 2])]!)
        }
      } else {
        raw.append(contentsOf: pixels[(3 * y * width)..<(3 * (y + 1) * width)])
      }
    }
    var header: [UInt8] = []
    header += bigEndian(UInt32(width)) + bigEndian(UInt32(height))
    header += [8, indexed ? 3 : 2, 0, 0, 0]  // 8 bits, indexed or RGB, deflate, no filter, no interlace
    return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + PNG.chunk("IHDR", header)
      + (indexed ? PNG.chunk("PLTE", colors) : []) + PNG.chunk("IDAT", PNG.zlibStored(raw)) + PNG.chunk("IEND", [])
  }

  func write(to path: String) throws {
    guard let file = fopen(path, "wb") else {
      throw DataError(message: "\(path): cannot write (\(String(cString: strerror(errno))))")
    }
    defer { fclose(file) }
    let bytes = png()
    guard fwrite(bytes, 1, bytes.count, file) == bytes.count else { throw DataError(message: "\(path): write error") }
  }
}

private func bigEndian(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 255), UInt8((v >> 8) & 255), UInt8(v & 255)] }

enum PNG {
  static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
    var c = UInt32(n)
    for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    return c
  }

  static func crc32(_ bytes: [UInt8]) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 255)] ^ (c >> 8) }
    return c ^ 0xFFFF_FFFF
  }

  static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
    let body = Array(type.utf8) + data
    return bigEndian(UInt32(data.count)) + body + bigEndian(crc32(body))
  }

  /// A zlib stream of stored (uncompressed) deflate blocks.
  static func zlibStored(_ data: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [0x78, 0x01]
    var offset = 0
    repeat {
      let n = min(65535, data.count - offset)
      let last: UInt8 = offset + n == data.count ? 1 : 0
      out += [last, UInt8(n & 255), UInt8(n >> 8), UInt8(~n & 255), UInt8((~n >> 8) & 255)]
      out += data[offset..<(offset + n)]
      offset += n
    } while offset < data.count
    var a: UInt32 = 1, b: UInt32 = 0
    for byte in data {
      a = (a + UInt32(byte)) % 65521
      b = (b + a) % 65521
    }
    return out + bigEndian(b << 16 | a)
  }
}

/// A perceptually ordered dark-to-bright colormap (viridis, piecewise linear through 6 anchors),
/// quantized to 200 levels.
func viridis(_ v: Double) -> (UInt8, UInt8, UInt8) {
  let anchors: [(Double, Double, Double)] = [
    (68, 1, 84), (65, 68, 135), (42, 120, 142), (34, 168, 132), (122, 209, 81), (253, 231, 37),
  ]
  // 200 levels, so that a picture fits a 256-color palette.
  let x = (max(0, min(1, v.isFinite ? v : 0)) * 199).rounded() / 199 * Double(anchors.count - 1)
  let i = min(Int(x), anchors.count - 2), f = x - Double(i)
  let a = anchors[i], b = anchors[i + 1]
  return (UInt8(a.0 + f * (b.0 - a.0)), UInt8(a.1 + f * (b.1 - a.1)), UInt8(a.2 + f * (b.2 - a.2)))
}
