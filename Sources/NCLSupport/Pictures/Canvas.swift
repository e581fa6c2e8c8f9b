// A raster canvas with antialiased shapes and bitmap text, written out as PNG.

/// An RGB raster, top row first, for plots.
///
/// Continuous coordinates are in pixels with y down: pixel (i, j) covers [i, i + 1) x [j, j + 1),
/// so its center is (i + 0.5, j + 0.5). Shapes are antialiased by coverage (the distance from
/// a pixel center to the shape's edge), which gives smooth lines and dots without supersampling.
/// Every drawing call is limited to `clip`, so curves can leave a plot panel without smearing
/// into its labels. `Axes` maps data coordinates (y up) onto a rectangle of the canvas.
public struct Canvas {
  public let width: Int
  public let height: Int
  /// RGB bytes, row-major, top row first.
  public private(set) var pixels: [UInt8]
  /// Drawing outside this rectangle is ignored; the whole canvas by default.
  public var clip: PixelRect

  public init(width: Int, height: Int, background: RGBColor = .white) {
    precondition(width >= 1 && height >= 1, "canvas of \(width) x \(height) pixels")
    self.width = width
    self.height = height
    pixels = [UInt8](repeating: 0, count: width * height * 3)
    clip = PixelRect(x: 0, y: 0, width: width, height: height)
    fill(background)
  }

  public var bounds: PixelRect { PixelRect(x: 0, y: 0, width: width, height: height) }

  /// The color of pixel (x, y); setting ignores `clip` but not the canvas bounds.
  public subscript(x: Int, y: Int) -> RGBColor {
    get {
      precondition(x >= 0 && x < width && y >= 0 && y < height, "pixel (\(x), \(y)) outside \(width) x \(height)")
      let i = (y * width + x) * 3
      return RGBColor(pixels[i], pixels[i + 1], pixels[i + 2])
    }
    set {
      guard x >= 0 && x < width && y >= 0 && y < height else { return }
      let i = (y * width + x) * 3
      pixels[i] = newValue.red
      pixels[i + 1] = newValue.green
      pixels[i + 2] = newValue.blue
    }
  }

  /// Paints the whole canvas, ignoring `clip`.
  public mutating func fill(_ color: RGBColor) {
    for i in stride(from: 0, to: pixels.count, by: 3) {
      pixels[i] = color.red
      pixels[i + 1] = color.green
      pixels[i + 2] = color.blue
    }
  }

  /// Paints the pixels of `rect` (within `clip`).
  public mutating func fill(_ rect: PixelRect, color: RGBColor) {
    let r = rect.intersection(clip).intersection(bounds)
    for y in r.y..<r.maxY {
      for x in r.x..<r.maxX { self[x, y] = color }
    }
  }

  /// Mixes `color` into pixel (x, y) with opacity `alpha` in [0, 1] (within `clip`).
  public mutating func blend(x: Int, y: Int, color: RGBColor, alpha: Double) {
    guard alpha > 0, clip.contains(x, y), x >= 0, x < width, y >= 0, y < height else { return }
    self[x, y] = alpha >= 1 ? color : self[x, y].mixed(with: color, fraction: alpha)
  }

  // MARK: - Shapes

  /// A straight line of `width` pixels with round caps, antialiased.
  public mutating func line(
    from a: SIMD2<Double>, to b: SIMD2<Double>, color: RGBColor, width: Double = 1, alpha: Double = 1
  ) {
    var coverage: [Int: (Double, RGBColor)] = [:]
    accumulateSegment(a, b, width: width, color: color, into: &coverage)
    flush(coverage, alpha: alpha)
  }

  /// Connected segments, segment k from points[k] to points[k + 1] in `colors[k]` (or all in
  /// `colors[0]`). Each pixel is painted once, with the segment that covers it most, so
  /// translucent curves stay even where segments meet.
  public mutating func polyline(
    _ points: [SIMD2<Double>], colors: [RGBColor], width: Double = 1, alpha: Double = 1
  ) {
    precondition(!colors.isEmpty, "polyline needs at least one color")
    guard points.count >= 2 else { return }
    var coverage: [Int: (Double, RGBColor)] = [:]
    for k in 0..<points.count - 1 {
      accumulateSegment(points[k], points[k + 1], width: width, color: colors[min(k, colors.count - 1)], into: &coverage)
    }
    flush(coverage, alpha: alpha)
  }

  /// A filled disc, antialiased.
  public mutating func fillCircle(center: SIMD2<Double>, radius: Double, color: RGBColor, alpha: Double = 1) {
    guard isNearCanvas(center, by: radius), radius > 0 else { return }
    let r = clip.intersection(bounds)
    let x0 = max(r.x, Int((center.x - radius - 1).rounded(.down))), x1 = min(r.maxX - 1, Int((center.x + radius + 1).rounded(.up)))
    let y0 = max(r.y, Int((center.y - radius - 1).rounded(.down))), y1 = min(r.maxY - 1, Int((center.y + radius + 1).rounded(.up)))
    guard x0 <= x1, y0 <= y1 else { return }
    for y in y0...y1 {
      for x in x0...x1 {
        let dx = Double(x) + 0.5 - center.x, dy = Double(y) + 0.5 - center.y
        let cover = min(max(radius + 0.5 - (dx * dx + dy * dy).squareRoot(), 0), 1)
        blend(x: x, y: y, color: color, alpha: cover * alpha)
      }
    }
  }

  /// A filled triangle, antialiased: coverage from the signed distance to the nearest edge.
  public mutating func fillTriangle(_ a: SIMD2<Double>, _ b: SIMD2<Double>, _ c: SIMD2<Double>, color: RGBColor, alpha: Double = 1) {
    let corners = [a, b, c]
    guard corners.allSatisfy({ isNearCanvas($0, by: 0) }) else { return }
    let area = (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x)
    guard area != 0 else { return }
    // Edge k: inward unit normal n_k and offset, so that inside points have n . p - offset > 0.
    var edges: [(SIMD2<Double>, Double)] = []
    for k in 0..<3 {
      let p = corners[k], q = corners[(k + 1) % 3]
      let direction = q - p
      let length = (direction * direction).sum().squareRoot()
      guard length > 0 else { return }
      var normal = SIMD2(-direction.y, direction.x) / length
      if area < 0 { normal = -normal }
      edges.append((normal, (normal * p).sum()))
    }
    let r = clip.intersection(bounds)
    let x0 = max(r.x, Int(corners.map(\.x).min()!.rounded(.down)) - 1), x1 = min(r.maxX - 1, Int(corners.map(\.x).max()!.rounded(.up)) + 1)
    let y0 = max(r.y, Int(corners.map(\.y).min()!.rounded(.down)) - 1), y1 = min(r.maxY - 1, Int(corners.map(\.y).max()!.rounded(.up)) + 1)
    guard x0 <= x1, y0 <= y1 else { return }
    for y in y0...y1 {
      for x in x0...x1 {
        let p = SIMD2(Double(x) + 0.5, Double(y) + 0.5)
        let inside = edges.map { ($0.0 * p).sum() - $0.1 }.min()!
        blend(x: x, y: y, color: color, alpha: min(max(inside + 0.5, 0), 1) * alpha)
      }
    }
  }

  /// An arrow from `tail` to `tip`: a shaft of `width` and a triangular head `headLength` long
  /// (shortened for arrows shorter than twice the head, so short arrows stay arrows).
  public mutating func arrow(
    from tail: SIMD2<Double>, to tip: SIMD2<Double>, color: RGBColor, width: Double = 1, headLength: Double = 6, alpha: Double = 1
  ) {
    let v = tip - tail
    let length = (v * v).sum().squareRoot()
    guard length.isFinite, length > 0 else { return }
    let direction = v / length
    let head = min(headLength, length / 2)
    let base = tip - head * direction
    let side = SIMD2(-direction.y, direction.x) * (head * 0.45 + width / 2)
    line(from: tail, to: base + 0.3 * head * direction, color: color, width: width, alpha: alpha)
    fillTriangle(tip, base + side, base - side, color: color, alpha: alpha)
  }

  // MARK: - Text

  public enum HorizontalAlignment: Sendable {
    case left, center, right
  }

  public enum VerticalAlignment: Sendable {
    /// `y` is the top of the capitals.
    case top
    /// `y` is the middle of the capitals.
    case center
    /// `y` is the baseline (descenders go below).
    case baseline
  }

  /// Size in pixels of `text` drawn at `scale`: width, and the height of capitals.
  public static func textSize(_ text: String, scale: Int = 1) -> (width: Int, height: Int) {
    (BitmapFont.width(text) * scale, BitmapFont.capHeight * scale)
  }

  /// One line of text in the built-in 5 x 7 font, each font pixel drawn as a `scale` x `scale`
  /// block, placed relative to (x, y) by the alignments.
  public mutating func text(
    _ string: String, x: Int, y: Int, color: RGBColor = .ink, scale: Int = 1,
    horizontal: HorizontalAlignment = .left, vertical: VerticalAlignment = .top
  ) {
    let (w, h) = Self.textSize(string, scale: scale)
    var left = x
    switch horizontal {
    case .left: break
    case .center: left -= w / 2
    case .right: left -= w
    }
    var top = y
    switch vertical {
    case .top: break
    case .center: top -= h / 2
    case .baseline: top -= h
    }
    for (index, character) in string.enumerated() {
      let originX = left + index * BitmapFont.advance * scale
      for (row, bits) in BitmapFont.rows(character).enumerated() where bits != 0 {
        for column in 0..<BitmapFont.glyphWidth where bits & (1 << (BitmapFont.glyphWidth - 1 - column)) != 0 {
          fill(PixelRect(x: originX + column * scale, y: top + row * scale, width: scale, height: scale), color: color)
        }
      }
    }
  }

  /// One line of text reading upward (rotated a quarter turn counterclockwise), centered on
  /// (x, y): the usual y-axis title.
  public mutating func verticalText(_ string: String, x: Int, y: Int, color: RGBColor = .ink, scale: Int = 1) {
    let (w, h) = Self.textSize(string, scale: scale)
    // Along the text (u) is canvas -y; across it (v, from the top of the capitals) is canvas +x.
    let left = x - h / 2, bottom = y + w / 2
    for (index, character) in string.enumerated() {
      let originU = index * BitmapFont.advance * scale
      for (row, bits) in BitmapFont.rows(character).enumerated() where bits != 0 {
        for column in 0..<BitmapFont.glyphWidth where bits & (1 << (BitmapFont.glyphWidth - 1 - column)) != 0 {
          let u = originU + column * scale
          fill(PixelRect(x: left + row * scale, y: bottom - u - scale, width: scale, height: scale), color: color)
        }
      }
    }
  }

  // MARK: - Output

  /// The canvas as PNG bytes.
  public func pngData(compression: PNGWriter.Compression = .standard) throws -> [UInt8] {
    try PNGWriter.encode(width: width, height: height, channels: 3, pixels: pixels, compression: compression)
  }

  /// Writes the canvas as a PNG file at `path`, atomically, creating missing folders.
  public func write(to path: String, compression: PNGWriter.Compression = .standard) throws {
    try AtomicFile.write(pngData(compression: compression), to: path, createDirectories: true)
  }

  // MARK: - Coverage accumulation

  /// Adds the coverage of a round-capped segment to `coverage` (pixel index -> best coverage
  /// and its color). Lines thinner than a pixel are drawn one pixel wide with proportionally
  /// less coverage, which looks like a thin line rather than a broken one.
  private func accumulateSegment(
    _ a: SIMD2<Double>, _ b: SIMD2<Double>, width lineWidth: Double, color: RGBColor,
    into coverage: inout [Int: (Double, RGBColor)]
  ) {
    guard a.x.isFinite, a.y.isFinite, b.x.isFinite, b.y.isFinite, lineWidth > 0 else { return }
    // Paths that diverge reach coordinates no Int can hold: keep only the part near the canvas.
    let margin = Double(max(width, height)) + 16
    guard let (a, b) = Self.clipSegment(a, b, to: -margin...(2 * margin)) else { return }
    let half = max(lineWidth, 1) / 2
    let strength = min(lineWidth, 1)
    let r = clip.intersection(bounds)
    let x0 = max(r.x, Int((min(a.x, b.x) - half - 1).rounded(.down))), x1 = min(r.maxX - 1, Int((max(a.x, b.x) + half + 1).rounded(.up)))
    let y0 = max(r.y, Int((min(a.y, b.y) - half - 1).rounded(.down))), y1 = min(r.maxY - 1, Int((max(a.y, b.y) + half + 1).rounded(.up)))
    guard x0 <= x1, y0 <= y1 else { return }
    let d = b - a
    let lengthSquared = (d * d).sum()
    for y in y0...y1 {
      for x in x0...x1 {
        let p = SIMD2(Double(x) + 0.5, Double(y) + 0.5)
        let s = lengthSquared > 0 ? min(max(((p - a) * d).sum() / lengthSquared, 0), 1) : 0
        let offset = p - (a + s * d)
        let cover = min(max(half + 0.5 - (offset * offset).sum().squareRoot(), 0), 1) * strength
        guard cover > 0 else { continue }
        let key = y * width + x
        if let existing = coverage[key], existing.0 >= cover { continue }
        coverage[key] = (cover, color)
      }
    }
  }

  /// Finite and within a canvas-sized margin (plus `extent`) of it: safe to convert to Int, and
  /// anything farther is invisible anyway (shapes far away, such as the ends of diverging paths).
  func isNearCanvas(_ p: SIMD2<Double>, by extent: Double) -> Bool {
    let margin = Double(max(width, height)) + 16 + extent
    return p.x.isFinite && p.y.isFinite && p.x > -margin && p.x < 2 * margin && p.y > -margin && p.y < 2 * margin
  }

  /// The part of segment ab inside the square `range` x `range` (Liang-Barsky), or nil.
  ///
  /// Works in halves (half the difference, half the offsets), so that ends of opposite sign
  /// near the largest Double (a path that diverged) do not overflow b - a to infinity, which
  /// would turn the clipped ends into NaN. An end cut by a side of the square is put on that
  /// side exactly, and both ends are clamped to the square: interpolating between huge ends
  /// loses all precision in the clipped coordinate, which must not leave the square.
  static func clipSegment(_ a: SIMD2<Double>, _ b: SIMD2<Double>, to range: ClosedRange<Double>) -> (SIMD2<Double>, SIMD2<Double>)? {
    guard a.x.isFinite, a.y.isFinite, b.x.isFinite, b.y.isFinite else { return nil }
    let h = b * 0.5 - a * 0.5
    let low = range.lowerBound * 0.5, high = range.upperBound * 0.5
    var (enter, leave) = (0.0, 1.0)
    // Sides: 0 x = lower, 1 x = upper, 2 y = lower, 3 y = upper.
    var (enterSide, leaveSide): (Int?, Int?) = (nil, nil)
    for (side, (p, q)) in [(-h.x, a.x * 0.5 - low), (h.x, high - a.x * 0.5),
                           (-h.y, a.y * 0.5 - low), (h.y, high - a.y * 0.5)].enumerated() {
      if p == 0 {
        if q < 0 { return nil }
      } else {
        let r = q / p
        if p < 0 {
          if r > enter { (enter, enterSide) = (r, side) }
        } else {
          if r < leave { (leave, leaveSide) = (r, side) }
        }
      }
    }
    guard enter <= leave else { return nil }
    func point(_ s: Double, on side: Int?) -> SIMD2<Double> {
      var p = s == 0 ? a : s == 1 ? b : a * (1 - s) + b * s
      switch side {
      case 0: p.x = range.lowerBound
      case 1: p.x = range.upperBound
      case 2: p.y = range.lowerBound
      case 3: p.y = range.upperBound
      default: break
      }
      return SIMD2(min(max(p.x, range.lowerBound), range.upperBound), min(max(p.y, range.lowerBound), range.upperBound))
    }
    return (point(enter, on: enterSide), point(leave, on: leaveSide))
  }

  private mutating func flush(_ coverage: [Int: (Double, RGBColor)], alpha: Double) {
    for (key, (cover, color)) in coverage {
      blend(x: key % width, y: key / width, color: color, alpha: cover * alpha)
    }
  }
}
