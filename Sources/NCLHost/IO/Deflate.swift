// zlib streams (RFC 1950/1951) written in Swift, so PNG output needs no C library.

/// Encodes bytes as a zlib stream: deflate data followed by an Adler-32 checksum.
///
/// Two encodings, both readable by any inflater:
/// - `.stored`: uncompressed blocks of at most 65 535 bytes; trivially correct, output a little
///   larger than the input.
/// - `.fixedHuffman`: greedy LZ77 (hash chains over a 32 KiB window) coded with the fixed
///   Huffman tables of RFC 1951 section 3.2.6. No dynamic tables, but plots have long runs of one
///   color and rows that repeat, which LZ77 alone shrinks by one or two orders of magnitude.
enum Deflate {
  enum Encoding {
    case stored
    case fixedHuffman
  }

  /// A complete zlib stream (header, deflate data, Adler-32) of `data`.
  static func zlib(_ data: [UInt8], encoding: Encoding = .fixedHuffman) -> [UInt8] {
    // CMF 0x78: deflate, 32 KiB window; FLG 0x01 makes (CMF * 256 + FLG) a multiple of 31.
    var out: [UInt8] = [0x78, 0x01]
    switch encoding {
    case .stored: out += stored(data)
    case .fixedHuffman: out += fixedHuffman(data)
    }
    let adler = Checksum.adler32(data)
    out += [UInt8(adler >> 24), UInt8(adler >> 16 & 0xFF), UInt8(adler >> 8 & 0xFF), UInt8(adler & 0xFF)]
    return out
  }

  /// Raw deflate data made of stored blocks.
  static func stored(_ data: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(data.count + 5 * (data.count / 65_535 + 1))
    var start = 0
    repeat {
      let end = min(start + 65_535, data.count)
      let length = end - start
      // Header byte: BFINAL in bit 0, BTYPE = 00, then padding to the byte boundary.
      out.append(end == data.count ? 1 : 0)
      out += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
      out += data[start..<end]
      start = end
    } while start < data.count
    return out
  }

  // MARK: - Fixed-Huffman LZ77

  static let minMatch = 3
  static let maxMatch = 258
  static let window = 32_768
  /// Hash-chain candidates tried per position: more finds longer matches, slower.
  static let maxChain = 32

  static let lengthBase: [Int] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59,
                                  67, 83, 99, 115, 131, 163, 195, 227, 258]
  static let lengthExtra: [Int] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
  static let distanceBase: [Int] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769,
                                    1025, 1537, 2049, 3073, 4097, 6145, 8193, 12_289, 16_385, 24_577]
  static let distanceExtra: [Int] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11,
                                     12, 12, 13, 13]

  /// Raw deflate data: one final block with the fixed Huffman codes.
  static func fixedHuffman(_ data: [UInt8]) -> [UInt8] {
    var bits = BitWriter()
    bits.reserve(data.count / 4 + 64)
    bits.write(1, count: 1)  // BFINAL
    bits.write(1, count: 2)  // BTYPE = 01, fixed Huffman
    let n = data.count
    let hashBits = 15
    var head = [Int](repeating: -1, count: 1 << hashBits)
    var previous = [Int](repeating: -1, count: window)
    func hash(_ i: Int) -> Int {
      let v = Int(data[i]) << 16 | Int(data[i + 1]) << 8 | Int(data[i + 2])
      return (v &* 2_654_435_761) >> (32 - hashBits) & ((1 << hashBits) - 1)
    }
    func insert(_ i: Int) {
      guard i + minMatch <= n else { return }
      let h = hash(i)
      previous[i & (window - 1)] = head[h]
      head[h] = i
    }
    data.withUnsafeBufferPointer { bytes in
      var i = 0
      while i < n {
        var bestLength = 0, bestDistance = 0
        if i + minMatch <= n {
          let limit = min(maxMatch, n - i)
          var candidate = head[hash(i)]
          var chain = maxChain
          while candidate >= 0, i - candidate <= window, chain > 0 {
            if bytes[candidate + bestLength] == bytes[i + bestLength] || bestLength == 0 {
              var length = 0
              while length < limit && bytes[candidate + length] == bytes[i + length] { length += 1 }
              if length > bestLength {
                bestLength = length
                bestDistance = i - candidate
                if length == limit { break }
              }
            }
            let next = previous[candidate & (window - 1)]
            if next >= candidate { break }  // the slot was overwritten by a newer position
            candidate = next
            chain -= 1
          }
        }
        if bestLength >= minMatch {
          bits.writeLength(bestLength)
          bits.writeDistance(bestDistance)
          for j in i..<i + bestLength { insert(j) }
          i += bestLength
        } else {
          bits.writeLiteral(Int(bytes[i]))
          insert(i)
          i += 1
        }
      }
    }
    bits.writeLiteral(256)  // end of block
    return bits.finish()
  }
}

/// Bits packed least-significant first, as deflate stores them.
struct BitWriter {
  private(set) var bytes: [UInt8] = []
  private var buffer: UInt64 = 0
  private var filled = 0

  mutating func reserve(_ capacity: Int) { bytes.reserveCapacity(capacity) }

  /// The low `count` bits of `value`, first bit first.
  mutating func write(_ value: Int, count: Int) {
    buffer |= UInt64(value & ((1 << count) - 1)) << UInt64(filled)
    filled += count
    while filled >= 8 {
      bytes.append(UInt8(buffer & 0xFF))
      buffer >>= 8
      filled -= 8
    }
  }

  /// A Huffman code: deflate sends its most significant bit first.
  mutating func writeCode(_ code: Int, length: Int) {
    var reversed = 0
    for k in 0..<length where code & (1 << k) != 0 { reversed |= 1 << (length - 1 - k) }
    write(reversed, count: length)
  }

  /// Literal/length symbol 0...287 with the fixed code lengths 8, 9, 7, 8.
  mutating func writeLiteral(_ symbol: Int) {
    switch symbol {
    case 0...143: writeCode(0x30 + symbol, length: 8)
    case 144...255: writeCode(0x190 + symbol - 144, length: 9)
    case 256...279: writeCode(symbol - 256, length: 7)
    default: writeCode(0xC0 + symbol - 280, length: 8)
    }
  }

  mutating func writeLength(_ length: Int) {
    var code = Deflate.lengthBase.count - 1
    while Deflate.lengthBase[code] > length { code -= 1 }
    writeLiteral(257 + code)
    write(length - Deflate.lengthBase[code], count: Deflate.lengthExtra[code])
  }

  mutating func writeDistance(_ distance: Int) {
    var code = Deflate.distanceBase.count - 1
    while Deflate.distanceBase[code] > distance { code -= 1 }
    writeCode(code, length: 5)
    write(distance - Deflate.distanceBase[code], count: Deflate.distanceExtra[code])
  }

  /// The bytes written, the last one padded with zero bits.
  mutating func finish() -> [UInt8] {
    if filled > 0 { write(0, count: 8 - filled) }
    return bytes
  }
}

/// The two checksums PNG files carry.
enum Checksum {
  private static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
    var c = UInt32(n)
    for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    return c
  }

  /// CRC-32 (ISO 3309, the one PNG chunks and gzip use), continuing from `crc`.
  static func crc32<Bytes: Sequence>(_ bytes: Bytes, continuing crc: UInt32 = 0) -> UInt32 where Bytes.Element == UInt8 {
    var c = ~crc
    for byte in bytes { c = crcTable[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
    return ~c
  }

  /// Adler-32, the checksum that ends a zlib stream.
  static func adler32(_ bytes: [UInt8]) -> UInt32 {
    var a: UInt32 = 1, b: UInt32 = 0
    var index = 0
    while index < bytes.count {
      // 5552 is the largest run for which b cannot overflow 32 bits before the reduction.
      let end = min(index + 5552, bytes.count)
      for k in index..<end {
        a &+= UInt32(bytes[k])
        b &+= a
      }
      a %= 65_521
      b %= 65_521
      index = end
    }
    return b << 16 | a
  }
}
