// PNG bytes decode (with zlib) to what was drawn; colormaps, axes and text behave; plots write files.
import CZlib
import Foundation
import XCTest
@testable import NCLHost
@testable import NCLPictures
@testable import NCLSupport

final class PlotTests: XCTestCase {
  // MARK: - An independent PNG reader

  struct DecodedPNG {
    var width: Int
    var height: Int
    var bitDepth: UInt8
    var colorType: UInt8
    var interlace: UInt8
    var chunkTypes: [String]
    /// The zlib stream: IDAT data concatenated.
    var zlib: [UInt8]
  }

  /// zlib's CRC-32 (the checksum of PNG chunks).
  static func crc32(_ bytes: [UInt8]) -> UInt32 {
    UInt32(bytes.withUnsafeBufferPointer { CZlib.crc32(0, $0.baseAddress, uInt($0.count)) })
  }

  /// zlib's Adler-32 (the checksum that ends a zlib stream).
  static func adler32(_ bytes: [UInt8]) -> UInt32 {
    UInt32(bytes.withUnsafeBufferPointer { CZlib.adler32(1, $0.baseAddress, uInt($0.count)) })
  }

  static func uint32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
    UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
  }

  /// Checks the signature, every chunk's CRC and the IHDR fields that must be fixed; returns the rest.
  static func decode(_ png: [UInt8], file: StaticString = #filePath, line: UInt = #line) throws -> DecodedPNG {
    XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "PNG signature", file: file, line: line)
    var offset = 8
    var result = DecodedPNG(width: 0, height: 0, bitDepth: 0, colorType: 0, interlace: 0, chunkTypes: [], zlib: [])
    while offset < png.count {
      let length = Int(uint32(png, offset))
      let type = Array(png[offset + 4..<offset + 8])
      let data = Array(png[offset + 8..<offset + 8 + length])
      let name = String(decoding: type, as: UTF8.self)
      XCTAssertEqual(uint32(png, offset + 8 + length), crc32(type + data), "CRC of chunk \(name)", file: file, line: line)
      result.chunkTypes.append(name)
      switch name {
      case "IHDR":
        XCTAssertEqual(length, 13, file: file, line: line)
        result.width = Int(uint32(data, 0))
        result.height = Int(uint32(data, 4))
        result.bitDepth = data[8]
        result.colorType = data[9]
        XCTAssertEqual(data[10], 0, "compression method", file: file, line: line)
        XCTAssertEqual(data[11], 0, "filter method", file: file, line: line)
        result.interlace = data[12]
      case "IDAT": result.zlib += data
      default: break
      }
      offset += 12 + length
    }
    XCTAssertEqual(offset, png.count, "chunks fill the file exactly", file: file, line: line)
    XCTAssertEqual(result.chunkTypes.first, "IHDR", file: file, line: line)
    XCTAssertEqual(result.chunkTypes.last, "IEND", file: file, line: line)
    return result
  }

  /// Inflates a zlib stream made of stored blocks only, checking lengths and the Adler-32.
  static func inflateStored(_ zlib: [UInt8]) throws -> [UInt8] {
    XCTAssertEqual(zlib[0] & 0x0F, 8, "deflate method")
    XCTAssertEqual((Int(zlib[0]) * 256 + Int(zlib[1])) % 31, 0, "zlib header check bits")
    var offset = 2, out: [UInt8] = [], final = false
    while !final {
      let header = zlib[offset]
      final = header & 1 == 1
      XCTAssertEqual(header >> 1 & 3, 0, "stored block type")
      let length = Int(zlib[offset + 1]) | Int(zlib[offset + 2]) << 8
      let complement = Int(zlib[offset + 3]) | Int(zlib[offset + 4]) << 8
      XCTAssertEqual(length ^ 0xFFFF, complement, "NLEN is the complement of LEN")
      out += zlib[offset + 5..<offset + 5 + length]
      offset += 5 + length
    }
    XCTAssertEqual(uint32(zlib, offset), adler32(out), "Adler-32")
    XCTAssertEqual(offset + 4, zlib.count, "nothing after the checksum")
    return out
  }

  /// Inflates a zlib stream of `count` bytes with zlib's own inflater (checks the Adler-32).
  static func inflate(_ zlib: [UInt8], count: Int, file: StaticString = #filePath, line: UInt = #line) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: count + 1)
    var length = uLong(out.count)
    let status = out.withUnsafeMutableBufferPointer { target in
      zlib.withUnsafeBufferPointer { uncompress(target.baseAddress, &length, $0.baseAddress, uLong($0.count)) }
    }
    XCTAssertEqual(status, Z_OK, "zlib uncompress", file: file, line: line)
    XCTAssertEqual(Int(length), count, "inflated size", file: file, line: line)
    return Array(out.prefix(Int(length)))
  }

  /// Scanlines (filter byte 0 each) back to pixel bytes.
  static func unfilter(_ raw: [UInt8], width: Int, height: Int, channels: Int) -> [UInt8] {
    let row = width * channels
    XCTAssertEqual(raw.count, height * (row + 1))
    var pixels: [UInt8] = []
    for y in 0..<height {
      XCTAssertEqual(raw[y * (row + 1)], 0, "filter type of row \(y)")
      pixels += raw[y * (row + 1) + 1..<(y + 1) * (row + 1)]
    }
    return pixels
  }

  // MARK: - PNG

  func testStoredPNGDecodesToTheDrawnPixels() throws {
    var canvas = Canvas(width: 13, height: 9)
    canvas[0, 0] = RGBColor(255, 0, 0)
    canvas[12, 8] = RGBColor(0, 0, 255)
    canvas.fill(PixelRect(x: 3, y: 2, width: 4, height: 3), color: RGBColor(10, 200, 30))
    let png = try canvas.pngData(compression: .none)
    let decoded = try Self.decode(png)
    XCTAssertEqual(decoded.chunkTypes, ["IHDR", "IDAT", "IEND"])
    XCTAssertEqual(decoded.width, 13)
    XCTAssertEqual(decoded.height, 9)
    XCTAssertEqual(decoded.bitDepth, 8)
    XCTAssertEqual(decoded.colorType, 2, "truecolor RGB")
    XCTAssertEqual(decoded.interlace, 0)
    let pixels = Self.unfilter(try Self.inflateStored(decoded.zlib), width: 13, height: 9, channels: 3)
    XCTAssertEqual(pixels, canvas.pixels)
    XCTAssertEqual(Array(pixels[0..<3]), [255, 0, 0], "top-left pixel comes first")
    XCTAssertEqual(Array(pixels[(8 * 13 + 12) * 3..<(8 * 13 + 13) * 3]), [0, 0, 255])
    XCTAssertEqual(Array(pixels[(3 * 13 + 4) * 3..<(3 * 13 + 5) * 3]), [10, 200, 30])
  }

  func testRGBAAndMultipleStoredBlocks() throws {
    // 200 x 90 RGBA is 72 090 scanline bytes: two stored blocks.
    let width = 200, height = 90
    var pixels: [UInt8] = []
    for y in 0..<height {
      for x in 0..<width { pixels += [UInt8(x % 256), UInt8(y), UInt8((x * y) % 251), UInt8(255 - x % 256)] }
    }
    let png = try PNGWriter.encode(width: width, height: height, channels: 4, pixels: pixels, compression: .none)
    let decoded = try Self.decode(png)
    XCTAssertEqual(decoded.colorType, 6, "truecolor with alpha")
    XCTAssertEqual(Self.unfilter(try Self.inflateStored(decoded.zlib), width: width, height: height, channels: 4), pixels)
    XCTAssertThrowsError(try PNGWriter.encode(width: 2, height: 2, channels: 3, pixels: [0, 0, 0]))
    XCTAssertThrowsError(try PNGWriter.encode(width: 1, height: 1, channels: 2, pixels: [0, 0]))
    XCTAssertThrowsError(try PNGWriter.encode(width: 0, height: 1, channels: 3, pixels: []))
  }

  func testCompressedPNGDecodesWithZlibAndIsSmall() throws {
    var canvas = Canvas(width: 300, height: 200)
    for y in 40..<160 {
      for x in 20..<220 { canvas[x, y] = Colormap.viridis(Double(x - 20) / 200) }
    }
    canvas.line(from: SIMD2(5, 5), to: SIMD2(290, 190), color: .black, width: 2)
    canvas.text("t=0.25", x: 230, y: 20, scale: 2)
    let png = try canvas.pngData()
    let stored = try canvas.pngData(compression: .none)
    XCTAssertLessThan(png.count * 5, stored.count, "zlib should shrink a plot at least 5x")
    let decoded = try Self.decode(png)
    let raw = Self.inflate(decoded.zlib, count: 200 * (300 * 3 + 1))
    XCTAssertEqual(Self.unfilter(raw, width: 300, height: 200, channels: 3), canvas.pixels)
  }

  /// The writer's zlib streams inflate to their input at both levels, also for the awkward
  /// cases of a hand-written deflater (empty input, runs, matches across the whole window).
  func testZlibStreamsRoundTrip() throws {
    var generator = SeededGenerator(seed: 4)
    var data: [UInt8] = (0..<256).map { UInt8($0) } + [UInt8](repeating: 7, count: 1000)
    for _ in 0..<3000 { data.append(UInt8(generator.next() % 256)) }
    for distance in [1, 2, 3, 4, 5, 7, 100, 257, 1024, 4097, 16_385, 32_768] where data.count > distance {
      for length in [3, 4, 10, 11, 130, 257, 258, 259] {
        let start = data.count - distance
        for k in 0..<length { data.append(data[start + k % distance]) }
        data.append(UInt8(generator.next() % 256))
      }
    }
    for _ in 0..<40_000 { data.append(UInt8(generator.next() % 4)) }
    for input in [data, [], [42], [1, 2]] {
      let stream = try PNGWriter.deflate(input, level: PNGWriter.Compression.standard.level)
      XCTAssertEqual(Self.uint32(stream, stream.count - 4), Self.adler32(input))
      XCTAssertEqual(Self.inflate(stream, count: input.count), input, "zlib round trip of \(input.count) bytes")
      let stored = try PNGWriter.deflate(input, level: PNGWriter.Compression.none.level)
      XCTAssertEqual(try Self.inflateStored(stored), input)
    }
  }

  func testAtomicWriteReplacesTheFileAndLeavesNoTemporary() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ncl-plot-tests-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("nested/image.png")
    try Canvas(width: 4, height: 3).write(to: url)
    try Canvas(width: 5, height: 2, background: .black).write(to: url)
    let decoded = try Self.decode([UInt8](try Data(contentsOf: url)))
    XCTAssertEqual([decoded.width, decoded.height], [5, 2])
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path), ["image.png"])
  }

  // MARK: - Colormap, axes, drawing

  func testColormapEndpointsAndLightness() {
    XCTAssertEqual(Colormap.viridis(0), RGBColor(68, 1, 84))
    XCTAssertEqual(Colormap.viridis(1), RGBColor(253, 231, 37))
    XCTAssertEqual(Colormap.viridis(-3), Colormap.viridis(0))
    XCTAssertEqual(Colormap.viridis(7), Colormap.viridis(1))
    XCTAssertEqual(Colormap.viridis(.nan), Colormap.viridis(0))
    XCTAssertEqual(Colormap.plasma(0), RGBColor(13, 8, 135))
    XCTAssertEqual(Colormap.plasma(1), RGBColor(240, 249, 33))
    // Perceptual: lightness (luma) rises monotonically, so brighter always means more.
    func luma(_ c: RGBColor) -> Double { 0.2126 * Double(c.red) + 0.7152 * Double(c.green) + 0.0722 * Double(c.blue) }
    for k in 0..<100 {
      XCTAssertLessThan(luma(Colormap.viridis(Double(k) / 100)), luma(Colormap.viridis(Double(k + 1) / 100)), "viridis at \(k)%")
    }
  }

  func testAxesPutYUpAndTickRoundNumbers() {
    let axes = Axes(frame: PixelRect(x: 10, y: 20, width: 100, height: 50), xRange: -1...1, yRange: 0...2)
    XCTAssertEqual(axes.point(-1, 0), SIMD2(10, 70), "lower-left data corner at the lower-left pixel corner")
    XCTAssertEqual(axes.point(1, 2), SIMD2(110, 20))
    let corner = axes.dataPoint(pixelX: 10, pixelY: 69)
    XCTAssertEqual(corner.x, -0.99, accuracy: 1e-12)
    XCTAssertEqual(corner.y, 0.02, accuracy: 1e-12)
    XCTAssertEqual(Axes.ticks(-4...4).values, [-4, -2, 0, 2, 4])
    let small = Axes.ticks(0...0.23)
    XCTAssertEqual(small.step, 0.05, accuracy: 1e-15)
    XCTAssertEqual(small.values.map { Axes.label($0, step: small.step) }, ["0.00", "0.05", "0.10", "0.15", "0.20"])
    XCTAssertEqual(Axes.label(-0.0, step: 1), "0")
    XCTAssertEqual(Axes.label(-1e-17, step: 0.5), "0.0")
    XCTAssertEqual(Plots.format(0.25), "0.25")
    XCTAssertEqual(Plots.format(1), "1")
    XCTAssertEqual(Plots.format(0), "0")
  }

  func testCanvasShapesAndText() {
    var canvas = Canvas(width: 40, height: 30)
    canvas.line(from: SIMD2(2, 5.5), to: SIMD2(30, 5.5), color: .black)
    XCTAssertEqual(canvas[10, 5], .black, "a 1-pixel line through pixel centers covers its row")
    XCTAssertEqual(canvas[10, 4], .white)
    XCTAssertEqual(canvas[10, 6], .white)
    canvas.fillCircle(center: SIMD2(20, 20), radius: 3, color: RGBColor(200, 0, 0))
    XCTAssertEqual(canvas[20, 20], RGBColor(200, 0, 0))
    XCTAssertEqual(canvas[25, 20], .white)
    // Antialiased edge: partly covered pixels are mixed.
    let edge = canvas[22, 20]
    XCTAssertTrue(edge.red >= 200 && edge.green > 0 && edge.green < 255, "edge pixel \(edge)")

    // Clipping: nothing drawn outside the clip rectangle.
    var clipped = Canvas(width: 20, height: 20)
    clipped.clip = PixelRect(x: 5, y: 5, width: 10, height: 10)
    clipped.line(from: SIMD2(0, 10), to: SIMD2(20, 10), color: .black, width: 3)
    XCTAssertEqual(clipped[2, 10], .white)
    XCTAssertEqual(clipped[10, 10], .black)

    // Text: "1" at scale 1 is the glyph drawn pixel for pixel; scale 2 doubles it.
    var text = Canvas(width: 20, height: 20)
    text.text("1", x: 3, y: 4, color: .black)
    let glyph = ["..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."].map { Array($0) }
    for row in 0..<7 {
      for column in 0..<5 {
        XCTAssertEqual(text[3 + column, 4 + row] == .black, glyph[row][column] == "#", "glyph '1' at (\(column), \(row))")
      }
    }
    XCTAssertEqual(Canvas.textSize("t=0.25", scale: 2).width, (6 * 6 - 1) * 2)
    var big = Canvas(width: 20, height: 20)
    big.text("1", x: 0, y: 0, color: .black, scale: 2)
    XCTAssertEqual(big[4, 0], .black)
    XCTAssertEqual(big[5, 1], .black)
    XCTAssertEqual(big[6, 0], .white)
    // Every label character the plots use has a real glyph (not the hollow box).
    let missing = BitmapFont.rows("\u{1}")
    for character in "0123456789.-=:,()/+_% abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" {
      XCTAssertNotEqual(BitmapFont.rows(character), missing, "glyph for '\(character)'")
    }
  }

  // MARK: - Plots

  static func tinyModel(dimension: Int, seed: UInt64 = 1) -> NCLModel<Float> {
    var configuration = ModelConfiguration(dimension: dimension)
    configuration.components = 3
    configuration.hiddenSizes = [16, 16]
    configuration.timeFrequencies = 2
    var model = try! NCLModel<Float>(configuration: configuration, seed: seed)
    // Larger weights so the density moves visibly in t, as in the model tests.
    model.parameters = model.parameters.map { ($0.detached() * 2).requiringGradient() }
    return model
  }

  static func temporaryDirectory() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("ncl-plot-tests-\(UUID().uuidString)")
  }

  static func decodeFile(_ url: URL) throws -> (DecodedPNG, [UInt8]) {
    let decoded = try decode([UInt8](try Data(contentsOf: url)))
    let raw = inflate(decoded.zlib, count: decoded.height * (decoded.width * 3 + 1))
    return (decoded, unfilter(raw, width: decoded.width, height: decoded.height, channels: 3))
  }

  func testDensityRowWritesAHeatmapRowOfTheLayoutSize() throws {
    let directory = Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("density.png")
    try Plots.densityRow(model: Self.tinyModel(dimension: 2), times: [0, 0.5, 1], resolution: 20, to: url)
    let (decoded, pixels) = try Self.decodeFile(url)
    let side = Plots.heatmapSide(20, target: 240)
    XCTAssertEqual(side, 240)
    let layout = Plots.RowLayout(panels: 3, panelWidth: side, panelHeight: side, colorbar: true, header: "density rho_t(x1, x2)")
    XCTAssertEqual([decoded.width, decoded.height], [layout.width, layout.height])
    XCTAssertGreaterThan(decoded.width, 3 * side)
    XCTAssertGreaterThan(decoded.height, side)
    // Every pixel of each panel is a viridis color: the heatmap fills its frame.
    let palette = Set((0...1000).map { Colormap.viridis(Double($0) / 1000) })
    for k in 0..<3 {
      let frame = layout.frame(k)
      for (x, y) in [(frame.x, frame.y), (frame.maxX - 1, frame.maxY - 1), (frame.x + side / 2, frame.y + side / 2)] {
        let i = (y * decoded.width + x) * 3
        let color = RGBColor(pixels[i], pixels[i + 1], pixels[i + 2])
        XCTAssertTrue(palette.contains(color) || isNearViridis(color), "panel \(k) pixel (\(x), \(y)) is \(color)")
      }
    }
  }

  func isNearViridis(_ color: RGBColor) -> Bool {
    (0...1000).contains { k in
      let c = Colormap.viridis(Double(k) / 1000)
      return abs(Int(c.red) - Int(color.red)) <= 1 && abs(Int(c.green) - Int(color.green)) <= 1 && abs(Int(c.blue) - Int(color.blue)) <= 1
    }
  }

  /// y up end to end: grid row iy = 0 is the lowest y, and the heatmap puts the highest y at the top.
  func testHeatmapsAreDrawnYUp() {
    let model = Self.tinyModel(dimension: 2).detached()
    let n = 4
    let grid = Plots.densityGrid(model, time: 0.3, range: -1...1, resolution: n, coordinates: 2)
    let corners: [(ix: Int, iy: Int, x: Double, y: Double)] = [(0, 0, -0.75, -0.75), (0, 3, -0.75, 0.75), (3, 3, 0.75, 0.75)]
    for corner in corners {
      let direct = Double.exp(Plots.evaluateLogDensities(model, time: 0.3, points: [[corner.x, corner.y]], coordinates: 2)[0])
      XCTAssertEqual(grid[corner.iy * n + corner.ix], direct, accuracy: 1e-6 * direct, "cell (\(corner.ix), \(corner.iy))")
    }
    XCTAssertNotEqual(grid[0], grid[3 * n], accuracy: 1e-3 * grid[0], "the check needs a density that is not symmetric in x2")

    var values = [Double](repeating: 0, count: n * n)
    values[(n - 1) * n] = 1  // ix = 0, iy = n - 1: low x, high y
    var canvas = Canvas(width: 20, height: 20)
    let frame = PixelRect(x: 2, y: 2, width: 16, height: 16)
    Plots.drawHeatmap(&canvas, frame: frame, values: values, columns: n, rows: n, maximum: 1)
    XCTAssertEqual(canvas[2, 2], Colormap.viridis(1), "high y at the top left")
    XCTAssertEqual(canvas[2, 17], Colormap.viridis(0), "low y at the bottom left")
  }

  func testEveryPlotWritesAValidPNGForEachDimension() throws {
    let directory = Self.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    for dimension in [1, 2, 3] {
      let model = Self.tinyModel(dimension: dimension)
      let files = ["density", "velocity", "flux", "ode", "sde", "drift"].map { directory.appendingPathComponent("\($0)-\(dimension).png") }
      try Plots.densityRow(model: model, times: [0, 1], resolution: 16, samples: 500, to: files[0])
      try Plots.vectorField(model: model, time: 0.5, field: .velocity, resolution: 16, arrows: 5, to: files[1])
      try Plots.vectorField(model: model, time: 0.5, field: .flux, resolution: 16, arrows: 5, to: files[2])
      try Plots.trajectories(model: model, count: 6, steps: 4, resolution: 16, to: files[3])
      try Plots.trajectories(model: model, count: 6, steps: 4, noise: .constant(0.5), resolution: 16, to: files[4])
      try Plots.vectorField(model: model, time: 0.5, field: .drift, noise: .constant(0.5), resolution: 16, arrows: 5, to: files[5])
      for file in files {
        let decoded = try Self.decode([UInt8](try Data(contentsOf: file)))
        XCTAssertGreaterThan(decoded.width, 200, file.lastPathComponent)
        XCTAssertGreaterThan(decoded.height, 200, file.lastPathComponent)
      }
    }
  }

  func testWeightedQuantile() {
    XCTAssertEqual(Plots.weightedQuantile([3, 1, 2], weights: [1, 1, 1], 0.5), 2)
    XCTAssertEqual(Plots.weightedQuantile([3, 1, 2], weights: [1, 1, 1], 1), 3)
    XCTAssertEqual(Plots.weightedQuantile([3, 1, 2], weights: [0, 1, 8], 0.9), 2, "zero weight never counts")
    XCTAssertEqual(Plots.weightedQuantile([.nan, 1, .infinity], weights: [1, 1, 1], 0.9), 1, "non-finite values are left out")
    XCTAssertNil(Plots.weightedQuantile([1, 2], weights: [0, 0], 0.5))
  }

  /// The arrows' scale follows where the mass is: a tail velocity of 6000 (as a flux construction
  /// gives where rho is tiny but above 1% of its maximum) does not shrink every other arrow to a dot.
  func testArrowScaleIgnoresFastTails() {
    let magnitudes = [Double](repeating: 0.5, count: 80) + [Double](repeating: 1.5, count: 19) + [6000]
    let densities = [Double](repeating: 1, count: 99) + [0.02]
    XCTAssertEqual(Plots.arrowReference(magnitudes: magnitudes, densities: densities), 1.5)
    XCTAssertEqual(Plots.arrowReference(magnitudes: [2, 7], densities: [0, 0]), 7, "no density at all: the largest")
    XCTAssertGreaterThan(Plots.arrowReference(magnitudes: [0, 0], densities: [1, 1]), 0)
  }

  func testPlotsRejectBadArguments() {
    let model = Self.tinyModel(dimension: 2)
    let url = Self.temporaryDirectory().appendingPathComponent("never.png")
    XCTAssertThrowsError(try Plots.densityRow(model: model, times: [], to: url))
    XCTAssertThrowsError(try Plots.densityRow(model: model, resolution: 1, to: url))
    XCTAssertThrowsError(try Plots.densityRow(model: model, range: 1...1, to: url))
    XCTAssertThrowsError(try Plots.vectorField(model: model, arrows: 1, to: url))
    XCTAssertThrowsError(try Plots.trajectories(model: model, count: 0, to: url))
    XCTAssertThrowsError(try Plots.trajectories(model: model, steps: 0, to: url))
    XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
  }


  /// Diverging paths (huge but finite coordinates) are clipped, not converted to Int.
  func testHugeCoordinatesAreClippedNotTrapped() throws {
    var canvas = Canvas(width: 40, height: 30)
    canvas.polyline([SIMD2(5, 5), SIMD2(1e300, 3e299), SIMD2(-1e308, 20)], colors: [RGBColor(0, 0, 0)])
    canvas.fillCircle(center: SIMD2(1e300, 5), radius: 2, color: RGBColor(0, 0, 0))
    canvas.fillTriangle(SIMD2(1e300, 5), SIMD2(0, 0), SIMD2(5, 9), color: RGBColor(0, 0, 0))
    canvas.line(from: SIMD2(-1e300, 15), to: SIMD2(1e300, 15), color: RGBColor(0, 0, 0))  // must not trap
    canvas.line(from: SIMD2(-1e7, 15.5), to: SIMD2(1e7, 15.5), color: RGBColor(0, 0, 0))
    XCTAssertLessThan(canvas[20, 15].red, 128, "the horizontal line across the canvas is drawn")
    XCTAssertNil(Canvas.clipSegment(SIMD2(-1e9, -1e9), SIMD2(-1e8, -1e9), to: 0...100))
    let clipped = try XCTUnwrap(Canvas.clipSegment(SIMD2(50, 50), SIMD2(1e12, 50), to: 0...100))
    XCTAssertEqual(clipped.0, SIMD2(50, 50))
    XCTAssertEqual(clipped.1.x, 100, accuracy: 1e-6)
    // Ends of opposite sign near the largest Double: b - a overflows; the clip must not turn NaN.
    let across = try XCTUnwrap(Canvas.clipSegment(SIMD2(-1.7e308, 50), SIMD2(1.7e308, 50), to: 0...100))
    XCTAssertEqual(across.0.x, 0, accuracy: 1e-6)
    XCTAssertEqual(across.1.x, 100, accuracy: 1e-6)
    XCTAssertEqual(across.0.y, 50)
    canvas.line(from: SIMD2(-1.7e308, 25.5), to: SIMD2(1.7e308, 25.5), color: RGBColor(0, 0, 0))  // must not trap
    XCTAssertLessThan(canvas[20, 25].red, 128, "the line between huge opposite ends crosses the canvas")
  }

  /// Paths of the probability-flow ODE of a poorly trained model blow up (NaN, infinity, or
  /// coordinates near the largest Double): the trajectory pictures draw them while finite and
  /// count them, instead of trapping (`nclhost plot` of kinetic_weight = 0 models).
  func testDivergingTrajectoriesAreDrawnWhileFiniteAndCounted() throws {
    let steps = 6
    let times = (0...steps).map { Double($0) / Double(steps) }
    func path(_ values: [Double]) -> [SIMD2<Double>] { values.enumerated().map { SIMD2($0.element, 0.1 * Double($0.offset)) } }
    let tame = path([0, 0.2, 0.4, 0.6, 0.8, 1, 1.2])
    let outside = path([0, 1, 2, 5, 10, 20, 40])  // leaves the window, not diverged
    let paths: [[SIMD2<Double>]] = [
      tame, outside,
      path([0, 1, 10, 1e10, .infinity, .nan, .nan]),
      path([0.5, -3e306, 3e306, -3e306, 3e306, -3e306, 3e306]),  // pixel ends of opposite sign overflow b - a
      path([-0.5, 1e30, -1e38, 3.4e38, -.infinity, .infinity, .nan]),
      path([.nan, .nan, .nan, .nan, .nan, .nan, .nan]),
    ]
    let range = -4.0...4.0
    XCTAssertEqual(Plots.divergedCount(paths, range: range, timeAxis: false), 4)
    XCTAssertEqual(Plots.divergedCount([tame, outside], range: range, timeAxis: false), 0)
    let model = Self.tinyModel(dimension: 2)
    let canvas = Plots.trajectoriesInPlane(model, paths: paths, times: times, range: range, resolution: 16, title: "diverging", noisy: false)
    XCTAssertGreaterThan(canvas.width, 200)
    // D = 1: x against t, the same paths with time as the first coordinate.
    let overTime = paths.map { $0.enumerated().map { SIMD2(times[$0.offset], $0.element.x) } }
    XCTAssertEqual(Plots.divergedCount(overTime, range: range, timeAxis: true), 4)
    let model1 = Self.tinyModel(dimension: 1)
    let canvas1 = Plots.trajectoriesOverTime(model1, paths: overTime, times: times, range: range, resolution: 16, title: "diverging")
    XCTAssertGreaterThan(canvas1.height, 200)
  }
}
