// Pictures of a 2-D run, written at evaluation when plots=DIR is set:
//   density.png  rho_t at five times (viridis on sqrt(rho_t / max rho_t), so thin tails show), obstacles in
//                grey, and SDE paths of the learned drift from p0 up to that time (white), their
//                current points (red).
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

  static let panel = 240, gap = 8, header = 16, grid = 120

  /// The square region shown: the task's extent.
  var view: SquareView {
    switch evaluation.task.kind {
    case .gmm: return SquareView(center: (0, 0), half: 20)
    case .vNeck: return SquareView(center: (0, 0), half: 9)
    case .sTunnel: return SquareView(center: (0, 0), half: 14)
    case .opinion, .opinionHigh: return SquareView(center: (0, 0), half: 5)
    }
  }

  func write(to directory: String) throws {
    mkdir(directory, 0o755)
    let task = evaluation.task, host = evaluation.host, horizon = task.horizon
    let fractions = [0.0, 0.25, 0.5, 0.75, 1.0], shown = 40
    let view = self.view
    // Paths: many small steps, states kept at 8 points per panel interval.
    var random = SeededGenerator(seed: 7)
    let pathTimes = (0...32).map { horizon * Double($0) / 32 }
    let paths = try evaluation.sdePaths(from: task.initial.sample(shown, using: &random), times: pathTimes)
    var canvas = Canvas(width: fractions.count * (Self.panel + Self.gap) - Self.gap, height: Self.panel + Self.header)
    func pixel(_ x: Double, _ y: Double) -> SIMD2<Double> { view.pixel(x, y, size: Self.panel) + SIMD2(0, Double(Self.header)) }
    // The density on a grid of cell centres, the same at every time.
    let points = view.cellCenters(grid: Self.grid)
    for (column, fraction) in fractions.enumerated() {
      let t = fraction * horizon, left = column * (Self.panel + Self.gap)
      let logRho = try host.withScope {
        try host.field(.logDensity, t: host.full(t, shape: [Self.grid * Self.grid, 1]),
                       x: host.tensor(points, shape: [Self.grid * Self.grid, 2])).values()
      }
      let top = logRho.max() ?? 0, cell = Double(Self.panel) / Double(Self.grid)
      for row in 0..<Self.grid {
        for col in 0..<Self.grid {
          let k = row * Self.grid + col
          var color = Colormap.viridis(exp((logRho[k] - top) / 2))
          if task.insideObstacle(points[2 * k], points[2 * k + 1]) { color = color.mixed(with: RGBColor(150, 150, 150), fraction: 0.8) }
          let x0 = left + Int((Double(col) * cell).rounded()), x1 = left + Int((Double(col + 1) * cell).rounded())
          let y0 = Self.header + Int((Double(row) * cell).rounded()), y1 = Self.header + Int((Double(row + 1) * cell).rounded())
          canvas.fill(PixelRect(x: x0, y: y0, width: x1 - x0, height: y1 - y0), color: color)
        }
      }
      canvas.clip = PixelRect(x: left, y: Self.header, width: Self.panel, height: Self.panel)
      let upTo = Int((fraction * 32).rounded())
      for i in 0..<shown {
        if upTo > 0 {
          let line = (0...upTo).map { k in pixel(paths[k][2 * i], paths[k][2 * i + 1]) + SIMD2(Double(left), 0) }
          canvas.polyline(line, colors: [RGBColor.white], width: 1, alpha: 0.7)
        }
        let p = pixel(paths[upTo][2 * i], paths[upTo][2 * i + 1]) + SIMD2(Double(left), 0)
        canvas.fillCircle(center: p, radius: 2, color: RGBColor(220, 40, 40))
      }
      canvas.clip = canvas.bounds
      canvas.text(String(format3(t)), x: left + Self.panel / 2, y: 3, horizontal: .center)
    }
    try canvas.write(to: directory + "/density.png")
  }

  /// "t = 1.25".
  func format3(_ t: Double) -> String {
    let hundredths = Int((t * 100).rounded())
    let fraction = hundredths % 100
    return "t = \(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
  }
}
