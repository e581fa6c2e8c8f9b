// Pictures of a 2-D run, written at evaluation when plots=DIR is set:
//   path.png      the density rho_t (top) and exact samples (bottom) at t = 0, 0.25, 0.5, 0.75, 1
//   samplers.png  test data | exact samples | ODE | SDE at t = 1
//   datasets.png  the built-in 2-D sets, as histograms of their samples
// Drawn on NCLSupport's canvas.
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import NCLPluginKit
import NCLSupport

struct Pictures {
  let evaluation: Evaluation

  static let panel = 200, gap = 8, label = 14, grid = 100
  static let times = [0.0, 0.25, 0.5, 0.75, 1.0]
  /// The sets of the issue, in the order of the README's table.
  static let builtIn: [ToyDistribution] = [.eightGaussians, .moons, .pinwheel, .checkerboard, .circles, .swissRoll, .twoSpirals]

  func write(to directory: String) throws {
    let host = evaluation.host, data = evaluation.data
    guard data.dimension == 2 else {
      host.log("GenerativeFM: plots are drawn for d = 2 only (d = \(data.dimension))", level: .warning)
      return
    }
    let view = SquareView.around(data.train)
    let cells = view.cellCenters(grid: Self.grid)
    let width = Self.times.count * (Self.panel + Self.gap) - Self.gap
    var path = Canvas(width: width, height: 2 * (Self.panel + Self.label) + Self.gap)
    for (k, t) in Self.times.enumerated() {
      let left = k * (Self.panel + Self.gap)
      path.text("t = \(t)", x: left + Self.panel / 2, y: 2, horizontal: .center)
      let density = try evaluation.logDensity(at: t, of: cells).map { exp($0) }
      path.heatmap(density, grid: Self.grid, left: left, top: Self.label, size: Self.panel)
      let samples = try host.withScope { try host.sample(time: t, count: 1500).values() }
      path.scatter(samples, view: view, left: left, top: 2 * Self.label + Self.panel + Self.gap, size: Self.panel)
    }
    try path.write(to: directory + "/path.png")

    let n = min(1500, data.testCount), noise = try evaluation.objective.noiseBatch(host: host, count: n)
    let panels: [(String, [Double])] = [
      ("test data", Array(data.test.prefix(2 * n))), ("exact", try evaluation.exactSamples(n)),
      ("ODE", try evaluation.pushed(noise, noise: .constant(0))), ("SDE", try evaluation.pushed(noise, noise: nil)),
    ]
    var samplers = Canvas(width: panels.count * (Self.panel + Self.gap) - Self.gap, height: Self.panel + Self.label)
    for (k, (name, points)) in panels.enumerated() {
      let left = k * (Self.panel + Self.gap)
      samplers.text(name, x: left + Self.panel / 2, y: 2, horizontal: .center)
      samplers.scatter(points, view: view, left: left, top: Self.label, size: Self.panel)
    }
    try samplers.write(to: directory + "/samplers.png")
    try Self.dataSets().write(to: directory + "/datasets.png")
  }

  /// The built-in sets side by side, each a histogram of 20 000 samples on its own square.
  static func dataSets() -> Canvas {
    var canvas = Canvas(width: builtIn.count * (panel + gap) - gap, height: panel + label)
    for (k, law) in builtIn.enumerated() {
      var g = SeededGenerator(seed: 1)
      let points = law.sample(20_000, using: &g), view = SquareView.around(points)
      var counts = [Double](repeating: 0, count: grid * grid)
      for i in 0..<(points.count / 2) {
        let (column, row) = view.cell(points[2 * i], points[2 * i + 1], grid: grid)
        if (0..<grid).contains(column) && (0..<grid).contains(row) { counts[row * grid + column] += 1 }
      }
      let left = k * (panel + gap)
      canvas.text(law.rawValue, x: left + panel / 2, y: 2, horizontal: .center)
      canvas.heatmap(counts, grid: grid, left: left, top: label, size: panel)
    }
    return canvas
  }
}

extension Canvas {
  /// grid x grid values (rows from the top) as viridis cells on a square panel, scaled to their maximum.
  mutating func heatmap(_ values: [Double], grid: Int, left: Int, top: Int, size: Int) {
    let largest = values.filter(\.isFinite).max() ?? 1
    for row in 0..<grid {
      for column in 0..<grid {
        let x0 = left + column * size / grid, x1 = left + (column + 1) * size / grid
        let y0 = top + row * size / grid, y1 = top + (row + 1) * size / grid
        let v = values[row * grid + column]
        fill(PixelRect(x: x0, y: y0, width: x1 - x0, height: y1 - y0), color: Colormap.viridis(v.isFinite && largest > 0 ? v / largest : 0))
      }
    }
  }

  /// Row-major 2-D points as dots on a square panel showing `view`.
  mutating func scatter(_ points: [Double], view: SquareView, left: Int, top: Int, size: Int) {
    fill(PixelRect(x: left, y: top, width: size, height: size), color: RGBColor(245, 245, 245))
    let saved = clip
    clip = PixelRect(x: left, y: top, width: size, height: size)
    for i in 0..<(points.count / 2) {
      let p = view.pixel(points[2 * i], points[2 * i + 1], size: size)
      guard p.x.isFinite, p.y.isFinite else { continue }
      fillCircle(center: SIMD2(Double(left), Double(top)) + p, radius: 1.2, color: RGBColor(30, 60, 160), alpha: 0.5)
    }
    clip = saved
  }
}
