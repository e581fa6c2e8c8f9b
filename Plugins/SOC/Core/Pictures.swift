// Pictures of a d = 2 run, written at evaluation when plots=DIR is set:
//   paths.png    learned | optimal: sample paths and the marginals at t = T/4 (blue), T/2 (green), T (red)
//   control.png  the control field c(t, x) at t = T/10, T/2, 0.9 T: learned (top row) and exact (bottom row)
// Minimal raster helpers (to be replaced by NCLSupport's canvas and PNG writer when it lands).
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import NCLPluginKit

struct Pictures {
  let evaluation: Evaluation

  static let panel = 320, gap = 12

  func write(to directory: String) throws {
    let p = evaluation.problem
    guard p.dimension == 2 else {
      evaluation.host.log("SOC: plots are drawn for d = 2 only (d = \(p.dimension))", level: .warning)
      return
    }
    mkdir(directory, 0o755)
    let steps = evaluation.settings.evalSteps, n = 300, shown = 12
    let marks = [steps / 4, steps / 2, steps]
    var learned: [[Double]] = [], optimal: [[Double]] = []
    _ = try evaluation.learnedPaths(paths: n) { k, x in learned.append(x) }
    if let exact = p.exact { _ = try evaluation.optimalPaths(exact, paths: n) { k, x in optimal.append(x) } }
    // The view: the optimal (else learned) states' range, with a margin.
    let reference = optimal.isEmpty ? learned : optimal
    var low = [Double.infinity, .infinity], high = [-Double.infinity, -Double.infinity]
    for states in reference { for i in 0..<(states.count / 2) { for k in 0..<2 { low[k] = min(low[k], states[2 * i + k]); high[k] = max(high[k], states[2 * i + k]) } } }
    let center = [(low[0] + high[0]) / 2, (low[1] + high[1]) / 2], half = max(high[0] - low[0], high[1] - low[1]) / 2 * 1.05
    let view = View(center: center, half: half, size: Self.panel)
    let colors: [RGB] = [(40, 90, 200), (30, 150, 60), (200, 40, 40)]

    // paths.png
    var canvas = Canvas(width: 2 * Self.panel + Self.gap, height: Self.panel)
    for (column, states) in [learned, optimal].enumerated() where !states.isEmpty {
      let left = column * (Self.panel + Self.gap)
      canvas.frame(left: left, top: 0, size: Self.panel)
      for i in 0..<shown {
        for k in 1..<states.count {
          let a = view.pixel(states[k - 1][2 * i], states[k - 1][2 * i + 1]), b = view.pixel(states[k][2 * i], states[k][2 * i + 1])
          canvas.line(left + a.0, a.1, left + b.0, b.1, color: (150, 150, 150), clip: (left, 0, Self.panel))
        }
      }
      for (m, mark) in marks.enumerated() where mark < states.count {
        var points = states[mark]
        if column == 0 {
          // The model's own marginal rho_t (exact samples) for the learned side.
          points = try evaluation.host.withScope {
            try evaluation.host.sample(time: Double(mark) / Double(steps) * p.horizon, count: n).values()
          }
        }
        for i in 0..<(points.count / 2) {
          let q = view.pixel(points[2 * i], points[2 * i + 1])
          canvas.dot(left + q.0, q.1, color: colors[m], clip: (left, 0, Self.panel))
        }
      }
    }
    try canvas.writePNG(to: directory + "/paths.png")

    // control.png
    let times = [0.1, 0.5, 0.9].map { $0 * p.horizon }, grid = 15
    var field = Canvas(width: 3 * Self.panel + 2 * Self.gap, height: 2 * Self.panel + Self.gap)
    var points: [Double] = []
    for a in 0..<grid {
      for b in 0..<grid {
        points += [center[0] - half + (Double(a) + 0.5) / Double(grid) * 2 * half, center[1] - half + (Double(b) + 0.5) / Double(grid) * 2 * half]
      }
    }
    var learnedFields: [[Double]] = [], exactFields: [[Double]] = []
    for t in times {
      learnedFields.append(try evaluation.modelControl(t: t, x: points))
      if let exact = p.exact {
        exactFields.append((0..<(grid * grid)).flatMap { exact.control(t: t, x: [points[2 * $0], points[2 * $0 + 1]]) })
      }
    }
    let largest = (exactFields.isEmpty ? learnedFields : exactFields).flatMap { $0 }.map(Swift.abs).max() ?? 1
    let arrow = 0.9 * (2 * half / Double(grid)) / max(largest, 1e-12)
    for (row, fields) in [learnedFields, exactFields].enumerated() where !fields.isEmpty {
      for (column, c) in fields.enumerated() {
        let left = column * (Self.panel + Self.gap), top = row * (Self.panel + Self.gap)
        field.frame(left: left, top: top, size: Self.panel)
        for i in 0..<(grid * grid) {
          let a = view.pixel(points[2 * i], points[2 * i + 1])
          let b = view.pixel(points[2 * i] + arrow * c[2 * i], points[2 * i + 1] + arrow * c[2 * i + 1])
          let clip = (left, top, Self.panel)
          field.line(left + a.0, top + a.1, left + b.0, top + b.1, color: (40, 40, 40), clip: clip)
          field.dot(left + b.0, top + b.1, color: (200, 40, 40), clip: clip, radius: 1)
        }
      }
    }
    try field.writePNG(to: directory + "/control.png")
  }
}

typealias RGB = (UInt8, UInt8, UInt8)

/// Data coordinates to pixels of a square panel.
struct View {
  let center: [Double]
  let half: Double
  let size: Int

  func pixel(_ x: Double, _ y: Double) -> (Int, Int) {
    let s = Double(size) / (2 * half)
    let px = ((x - center[0] + half) * s).rounded(), py = ((center[1] + half - y) * s).rounded()
    return (Int(max(min(px, 1e6), -1e6)), Int(max(min(py, 1e6), -1e6)))
  }
}

/// An RGB raster with the few drawing operations the pictures need, and a PNG writer.
struct Canvas {
  let width, height: Int
  var pixels: [UInt8]

  init(width: Int, height: Int) {
    (self.width, self.height) = (width, height)
    pixels = [UInt8](repeating: 255, count: width * height * 3)
  }

  mutating func set(_ x: Int, _ y: Int, _ c: RGB) {
    guard x >= 0, y >= 0, x < width, y < height else { return }
    let k = 3 * (y * width + x)
    (pixels[k], pixels[k + 1], pixels[k + 2]) = c
  }

  mutating func frame(left: Int, top: Int, size: Int) {
    for i in 0..<size {
      for (x, y) in [(left + i, top), (left + i, top + size - 1), (left, top + i), (left + size - 1, top + i)] { set(x, y, (200, 200, 200)) }
    }
  }

  /// A line from (x0, y0) to (x1, y1), drawn only inside the square (left, top, size).
  mutating func line(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, color: RGB, clip: (Int, Int, Int)) {
    let n = max(Swift.abs(x1 - x0), Swift.abs(y1 - y0), 1)
    guard n < 4 * max(width, height) else { return }
    for s in 0...n {
      let x = x0 + (x1 - x0) * s / n, y = y0 + (y1 - y0) * s / n
      if x >= clip.0, y >= clip.1, x < clip.0 + clip.2, y < clip.1 + clip.2 { set(x, y, color) }
    }
  }

  mutating func dot(_ x: Int, _ y: Int, color: RGB, clip: (Int, Int, Int), radius: Int = 1) {
    for dx in -radius...radius {
      for dy in -radius...radius where dx * dx + dy * dy <= radius * radius + 1 {
        let (px, py) = (x + dx, y + dy)
        if px >= clip.0, py >= clip.1, px < clip.0 + clip.2, py < clip.1 + clip.2 { set(px, py, color) }
      }
    }
  }

  /// PNG, 8-bit RGB.
  func writePNG(to path: String) throws {
    var raw: [UInt8] = []
    raw.reserveCapacity(height * (3 * width + 1))
    for y in 0..<height {
      raw.append(0)
      raw += pixels[(3 * y * width)..<(3 * (y + 1) * width)]
    }
    var zlib: [UInt8] = [0x78, 0x01] + Canvas.deflate(raw)
    var a: UInt32 = 1, b: UInt32 = 0
    for byte in raw { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
    zlib += Canvas.bigEndian((b << 16) | a)
    var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    func chunk(_ type: String, _ data: [UInt8]) {
      let body = Array(type.utf8) + data
      png += Canvas.bigEndian(UInt32(data.count)) + body + Canvas.bigEndian(Canvas.crc32(body))
    }
    chunk("IHDR", Canvas.bigEndian(UInt32(width)) + Canvas.bigEndian(UInt32(height)) + [8, 2, 0, 0, 0])
    chunk("IDAT", zlib)
    chunk("IEND", [])
    guard let file = fopen(path, "wb") else { throw ObjectiveError.data("cannot write \(path)") }
    defer { fclose(file) }
    guard fwrite(png, 1, png.count, file) == png.count else { throw ObjectiveError.data("writing \(path) failed") }
  }

  /// One fixed-Huffman deflate block whose only matches are runs (distance 1 or 3: one repeated
  /// byte or one repeated RGB pixel), which is what flat pictures are made of.
  static func deflate(_ data: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [], buffer: UInt32 = 0, count = 0
    func bits(_ value: Int, _ n: Int) {  // LSB first
      buffer |= UInt32(value) << UInt32(count)
      count += n
      while count >= 8 { out.append(UInt8(buffer & 0xFF)); buffer >>= 8; count -= 8 }
    }
    func code(_ value: Int, _ n: Int) {  // Huffman codes go MSB first
      var reversed = 0
      for i in 0..<n where value & (1 << i) != 0 { reversed |= 1 << (n - 1 - i) }
      bits(reversed, n)
    }
    func symbol(_ s: Int) {
      switch s {
      case 0...143: code(0x30 + s, 8)
      case 144...255: code(0x190 + s - 144, 9)
      case 256...279: code(s - 256, 7)
      default: code(0xC0 + s - 280, 8)
      }
    }
    let bases = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    let extra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    bits(1, 1)  // final block
    bits(1, 2)  // fixed Huffman
    var i = 0
    while i < data.count {
      var best = 0, distance = 0
      for d in [1, 3] where i >= d {
        var n = 0
        while n < 258 && i + n < data.count && data[i + n] == data[i + n - d] { n += 1 }
        if n > best { (best, distance) = (n, d) }
      }
      if best >= 3 {
        var k = bases.count - 1
        while bases[k] > best { k -= 1 }
        symbol(257 + k)
        bits(best - bases[k], extra[k])
        code(distance == 1 ? 0 : 2, 5)
        i += best
      } else {
        symbol(Int(data[i]))
        i += 1
      }
    }
    symbol(256)
    if count > 0 { out.append(UInt8(buffer & 0xFF)) }
    return out
  }

  static func bigEndian(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }

  static let crcTable: [UInt32] = (0..<256).map { n in
    var c = UInt32(n)
    for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    return c
  }

  static func crc32(_ bytes: [UInt8]) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    for byte in bytes { c = crcTable[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
    return c ^ 0xFFFF_FFFF
  }
}
