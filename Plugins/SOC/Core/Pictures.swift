// Pictures of a d = 2 run, written at evaluation when plots=DIR is set:
//   paths.png    learned | optimal: sample paths and the marginals at t = T/4 (blue), T/2 (green), T (red)
//   control.png  the control field c(t, x) at t = T/10, T/2, 0.9 T: learned (top row) and exact (bottom row)
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
    let colors = [RGBColor(40, 90, 200), RGBColor(30, 150, 60), RGBColor(200, 40, 40)]

    // paths.png
    var canvas = Canvas(width: 2 * Self.panel + Self.gap, height: Self.panel)
    for (column, states) in [learned, optimal].enumerated() where !states.isEmpty {
      let left = column * (Self.panel + Self.gap)
      canvas.frame(left: left, top: 0, size: Self.panel)
      for i in 0..<shown {
        for k in 1..<states.count {
          let a = view.pixel(states[k - 1][2 * i], states[k - 1][2 * i + 1]), b = view.pixel(states[k][2 * i], states[k][2 * i + 1])
          canvas.segment(left + a.0, a.1, left + b.0, b.1, color: RGBColor(150, 150, 150), clip: (left, 0, Self.panel))
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
    try canvas.write(to: directory + "/paths.png")

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
          field.segment(left + a.0, top + a.1, left + b.0, top + b.1, color: RGBColor(40, 40, 40), clip: clip)
          field.dot(left + b.0, top + b.1, color: RGBColor(200, 40, 40), clip: clip)
        }
      }
    }
    try field.write(to: directory + "/control.png")
  }
}

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

/// The few drawing steps the pictures need, on NCLSupport's canvas: clipped to a square panel
/// given as (left, top, size).
extension Canvas {
  mutating func frame(left: Int, top: Int, size: Int) {
    let corners = [(left, top), (left + size - 1, top), (left + size - 1, top + size - 1), (left, top + size - 1)]
      .map { SIMD2(Double($0.0), Double($0.1)) }
    for k in 0..<4 { line(from: corners[k], to: corners[(k + 1) % 4], color: RGBColor(120, 120, 120)) }
  }

  mutating func segment(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, color: RGBColor, clip panel: (Int, Int, Int)) {
    clipped(to: panel) { $0.line(from: SIMD2(Double(x0), Double(y0)), to: SIMD2(Double(x1), Double(y1)), color: color) }
  }

  mutating func dot(_ x: Int, _ y: Int, color: RGBColor, clip panel: (Int, Int, Int)) {
    clipped(to: panel) { $0.fillCircle(center: SIMD2(Double(x), Double(y)), radius: 1.5, color: color) }
  }

  private mutating func clipped(to panel: (Int, Int, Int), _ draw: (inout Canvas) -> Void) {
    let saved = clip
    clip = PixelRect(x: panel.0, y: panel.1, width: panel.2, height: panel.2)
    draw(&self)
    clip = saved
  }
}
