// PNG pictures of a model: densities over time, velocity or flux fields, SDE/ODE trajectories.
import Foundation

/// Pictures of an `NCLModel<Float>`, written as PNG files, for looking at what a model learned.
///
/// Numbers such as likelihoods say how well a model fits; pictures show what it does: whether
/// mass moves along sensible paths, whether the flux is concentrated where the density is, whether
/// trajectories end on the target. Each function evaluates the model without a parameter tape
/// (a detached copy, `differentiable: false`, `withoutGradient` where no derivative is needed)
/// in batches of `batchSize` points, so memory stays small at any resolution, then draws with
/// `Canvas` and writes the file atomically (parent directories are created).
///
/// All 2-D pictures show the first two coordinates with y up; `range` is the square data window
/// [range] x [range].
public enum Plots {
  /// Which vector field `vectorField` draws.
  public enum Field: String, CaseIterable, Codable, Sendable {
    /// The probability-flow velocity j / rho (the drift for g = 0): where particles go.
    case velocity
    /// The flux j = rho u: where mass goes; small wherever the density is.
    case flux
    /// The drift u = j / rho + (g^2 / 2) grad log rho of the SDE with noise g (the `noise` of
    /// `vectorField`): the control of a control problem; the velocity for g = 0.
    case drift
  }

  /// Quantile of the field's magnitude, weighted by rho_t, that spans `arrowFraction` of a grid step.
  static let arrowQuantile = 0.9
  static let arrowFraction = 0.9
  /// Arrows longer than this many grid steps are clipped to it.
  static let arrowClip = 1.5

  /// Rows per model evaluation.
  static let batchSize = 4096
  /// Font scale of all text: 10 x 14 pixel capitals.
  static let textScale = 2
  static let lineColor = RGBColor(31, 119, 180)
  static let secondLineColor = RGBColor(230, 110, 0)
  /// Time colors of trajectories: plasma up to 0.8, whose end (orange) still stands out on white.
  static let timeColormap = Colormap(stops: (0...8).map { Colormap.plasma(0.8 * Double($0) / 8) })

  // MARK: - Density over time

  /// A row of panels, one per time in `times`, each titled "t=...".
  ///
  /// - D = 2: heatmaps of rho_t on `resolution` x `resolution` cells over the square `range`,
  ///   sharing one color scale (the colorbar), so panels compare directly.
  /// - D = 1: the density curve rho_t(x) on `resolution` points.
  /// - D > 2: the marginals of x1 and x2 as histograms (`resolution` bins, at most 64) of `samples`
  ///   exact samples drawn with `sample(at:count:using:)` from `seed`, with the exact marginal
  ///   of x1 (the first conditional of the autoregressive density) as a thin line: where
  ///   the x1 histogram and the line disagree, sampling or the model is wrong.
  public static func densityRow(
    model: NCLModel<Float>, times: [Double] = [0, 0.25, 0.5, 0.75, 1], range: ClosedRange<Double> = -4...4,
    resolution: Int = 150, samples: Int = 20_000, seed: UInt64 = 0, to url: URL
  ) throws {
    try validate(range: range, resolution: resolution)
    guard !times.isEmpty, times.allSatisfy(\.isFinite) else {
      throw NCLError.invalidArgument("density plots need at least one finite time, got \(times)")
    }
    guard samples >= 1 else { throw NCLError.invalidArgument("samples must be >= 1, got \(samples)") }
    let model = model.detached()
    let canvas: Canvas
    switch model.dimension {
    case 2: canvas = densityHeatmapRow(model, times: times, range: range, resolution: resolution)
    case 1: canvas = densityCurveRow(model, times: times, range: range, resolution: resolution)
    default: canvas = marginalHistogramRow(model, times: times, range: range, bins: min(resolution, 64), samples: samples, seed: seed)
    }
    try canvas.write(to: url)
  }

  static func densityHeatmapRow(_ model: NCLModel<Float>, times: [Double], range: ClosedRange<Double>, resolution n: Int) -> Canvas {
    let grids = times.map { densityGrid(model, time: $0, range: range, resolution: n, coordinates: 2) }
    let maximum = largestFinite(grids.flatMap { $0 })
    let side = heatmapSide(n, target: 240)
    let layout = RowLayout(panels: times.count, panelWidth: side, panelHeight: side, colorbar: true, header: "density rho_t(x1, x2)")
    var canvas = layout.canvas()
    for (k, time) in times.enumerated() {
      let axes = Axes(frame: layout.frame(k), xRange: range, yRange: range)
      drawHeatmap(&canvas, frame: axes.frame, values: grids[k], columns: n, rows: n, maximum: maximum)
      axes.draw(on: &canvas, xLabel: "x1", yLabel: k == 0 ? "x2" : nil, yTickLabels: k == 0, scale: textScale)
      panelTitle(&canvas, "t=\(format(time))", frame: axes.frame)
    }
    drawColorbar(&canvas, frame: layout.colorbarFrame, maximum: maximum, colormap: .viridis, label: "rho")
    return canvas
  }

  static func densityCurveRow(_ model: NCLModel<Float>, times: [Double], range: ClosedRange<Double>, resolution n: Int) -> Canvas {
    let xs = (0..<n).map { range.lowerBound + Double($0) * (range.upperBound - range.lowerBound) / Double(n - 1) }
    let curves = times.map { time in
      evaluateLogDensities(model, time: time, points: xs.map { [$0] }, coordinates: 1).map { Double.exp($0) }
    }
    let top = niceTop(largestFinite(curves.flatMap { $0 }))
    let layout = RowLayout(panels: times.count, panelWidth: 280, panelHeight: 220, colorbar: false, header: "density rho_t(x)")
    var canvas = layout.canvas()
    for (k, time) in times.enumerated() {
      let axes = Axes(frame: layout.frame(k), xRange: range, yRange: 0...top)
      fillUnderCurve(&canvas, axes: axes, xs: xs, ys: curves[k], color: lineColor.mixed(with: .white, fraction: 0.8))
      canvas.clip = axes.frame
      canvas.polyline(zip(xs, curves[k]).map { axes.point($0, $1) }, colors: [lineColor], width: 2)
      canvas.clip = canvas.bounds
      axes.draw(on: &canvas, xLabel: "x", yLabel: k == 0 ? "rho" : nil, yTickLabels: k == 0, scale: textScale)
      panelTitle(&canvas, "t=\(format(time))", frame: axes.frame)
    }
    return canvas
  }

  static func marginalHistogramRow(
    _ model: NCLModel<Float>, times: [Double], range: ClosedRange<Double>, bins: Int, samples: Int, seed: UInt64
  ) -> Canvas {
    var generator = SeededGenerator(seed: seed)
    let width = (range.upperBound - range.lowerBound) / Double(bins)
    let edges = (0...bins).map { range.lowerBound + Double($0) * width }
    // Per time: histogram densities of x1 and x2 (normalized by all samples, so mass outside
    // the window is missing rather than spread over it) and the exact x1 marginal.
    var histograms: [[[Double]]] = []
    var exact: [[Double]] = []
    let exactXs = (0..<200).map { range.lowerBound + Double($0) * (range.upperBound - range.lowerBound) / 199 }
    for time in times {
      var counts = [[Double]](repeating: [Double](repeating: 0, count: bins), count: 2)
      var drawn = 0
      while drawn < samples {
        let count = min(batchSize, samples - drawn)
        let x = model.sample(at: time, count: count, using: &generator).scalars
        for b in 0..<count {
          for i in 0..<2 {
            let value = (Double(x[b * model.dimension + i]) - range.lowerBound) / width
            if value >= 0, value < Double(bins) { counts[i][Int(value)] += 1 }
          }
        }
        drawn += count
      }
      histograms.append(counts.map { $0.map { $0 / (Double(samples) * width) } })
      let padded = exactXs.map { [$0] + [Double](repeating: 0, count: model.dimension - 1) }
      exact.append(evaluateLogDensities(model, time: time, points: padded, coordinates: 1).map { Double.exp($0) })
    }
    let top = niceTop(max(largestFinite(histograms.flatMap { $0.flatMap { $0 } }), largestFinite(exact.flatMap { $0 })))
    let layout = RowLayout(
      panels: times.count, panelWidth: 280, panelHeight: 220, colorbar: false,
      header: "marginals of x1 and x2 (D=\(model.dimension)): histograms of \(samples) exact samples",
      caption: " ")
    var canvas = layout.canvas()
    // Legend in the caption line, each entry in the color of its curve.
    var legendX = 16
    for (text, color) in [("x1", lineColor), ("x2", secondLineColor), ("exact marginal of x1", RGBColor.ink)] {
      canvas.fill(PixelRect(x: legendX, y: layout.captionY(0) + 6, width: 24, height: text.hasPrefix("exact") ? 1 : 2), color: color)
      canvas.text(text, x: legendX + 30, y: layout.captionY(0), color: color, scale: textScale)
      legendX += 30 + Canvas.textSize(text, scale: textScale).width + 30
    }
    for (k, time) in times.enumerated() {
      let axes = Axes(frame: layout.frame(k), xRange: range, yRange: 0...top)
      canvas.clip = axes.frame
      for (i, color) in [lineColor, secondLineColor].enumerated() {
        var points: [SIMD2<Double>] = []
        for b in 0..<bins {
          points.append(axes.point(edges[b], histograms[k][i][b]))
          points.append(axes.point(edges[b + 1], histograms[k][i][b]))
        }
        canvas.polyline(points, colors: [color], width: 2, alpha: 0.9)
      }
      canvas.polyline(zip(exactXs, exact[k]).map { axes.point($0, $1) }, colors: [.ink], width: 1)
      canvas.clip = canvas.bounds
      axes.draw(on: &canvas, xLabel: "x1, x2", yLabel: k == 0 ? "rho" : nil, yTickLabels: k == 0, scale: textScale)
      panelTitle(&canvas, "t=\(format(time))", frame: axes.frame)
    }
    return canvas
  }

  // MARK: - Vector field

  /// Arrows of the probability-flow velocity j / rho, the flux j or the drift for `noise` at
  /// `time` on an `arrows` x `arrows` grid, over a heatmap of rho_t on `resolution` x `resolution`
  /// cells.
  ///
  /// Arrows are centered on their grid points and scaled robustly: the 90th percentile of the
  /// field's magnitude over the grid points, weighted by rho_t (the speed that 90% of the mass on
  /// the grid stays below), spans 0.9 grid spacing. Far in the tails the velocity of a flux
  /// construction can be thousands of times larger than where the mass is; such values neither
  /// set the scale nor matter much, and arrows longer than 1.5 spacings are clipped to it.
  /// Arrows where rho is below 1% of its maximum are drawn faint. The caption gives the field
  /// magnitude of a one-spacing arrow and says how it was chosen. For D > 2 the picture is the
  /// slice x3 = ... = xD = 0 (density and field there), for D = 1 the field is drawn as a curve
  /// over the (shaded, rescaled) density.
  public static func vectorField(
    model: NCLModel<Float>, time: Double = 0.5, field: Field = .velocity, noise: NoiseSchedule = .zero,
    range: ClosedRange<Double> = -4...4, resolution: Int = 150, arrows: Int = 21, to url: URL
  ) throws {
    try validate(range: range, resolution: resolution)
    guard time.isFinite else { throw NCLError.invalidArgument("time must be finite, got \(time)") }
    guard arrows >= 2 && arrows <= 200 else { throw NCLError.invalidArgument("arrows per side must be in 2...200, got \(arrows)") }
    let model = model.detached()
    if model.dimension == 1 {
      try vectorFieldCurve(model, time: time, field: field, noise: noise, range: range, resolution: resolution).write(to: url)
      return
    }
    let d = model.dimension, n = resolution
    let grid = densityGrid(model, time: time, range: range, resolution: n, coordinates: d)
    let maximum = largestFinite(grid)
    let spacing = (range.upperBound - range.lowerBound) / Double(arrows)
    let centers = (0..<arrows).map { range.lowerBound + (Double($0) + 0.5) * spacing }
    var points: [[Double]] = []
    for y in centers {
      for x in centers { points.append([x, y] + [Double](repeating: 0, count: d - 2)) }
    }
    let vectors = evaluateField(model, time: time, field: field, noise: noise, points: points)
    let densities = evaluateLogDensities(model, time: time, points: points, coordinates: d).map { Double.exp($0) }
    let magnitude = vectors.map { ($0.x * $0.x + $0.y * $0.y).squareRoot() }
    let reference = arrowReference(magnitudes: magnitude, densities: densities)

    let side = heatmapSide(n, target: 440)
    let (name, symbol) = fieldName(field, noise: noise)
    let layout = RowLayout(
      panels: 1, panelWidth: side, panelHeight: side, colorbar: true,
      header: "\(name) at t=\(format(time)) over rho_t" + (d > 2 ? " on the slice \(zeroSlice(d))" : ""),
      caption: "arrow one grid step long: |\(symbol)| = \(String(format: "%.3g", reference / arrowFraction)) "
        + "(scale: the rho-weighted 90th percentile of |\(symbol)|, \(String(format: "%.3g", reference)), is 0.9 step; "
        + "longer arrows clipped at 1.5 steps). Faint: rho below 1% of its max.")
    var canvas = layout.canvas()
    let axes = Axes(frame: layout.frame(0), xRange: range, yRange: range)
    drawHeatmap(&canvas, frame: axes.frame, values: grid, columns: n, rows: n, maximum: maximum)
    let pixelsPerUnit = Double(side) / (range.upperBound - range.lowerBound)
    let unitLength = arrowFraction * spacing * pixelsPerUnit / reference  // pixels per unit of field
    canvas.clip = axes.frame
    for (k, vector) in vectors.enumerated() {
      guard magnitude[k].isFinite, magnitude[k] > 0 else { continue }
      let center = axes.point(points[k][0], points[k][1])
      var length = magnitude[k] * unitLength
      length = min(length, arrowClip * spacing * pixelsPerUnit)
      let direction = SIMD2(vector.x, -vector.y) / magnitude[k]  // y up
      let tail = center - 0.5 * length * direction, tip = center + 0.5 * length * direction
      let alpha = densities[k] >= 0.01 * maximum ? 1.0 : 0.45
      let head = min(7.0, 0.45 * length)
      canvas.arrow(from: tail, to: tip, color: .black, width: 3, headLength: head + 1, alpha: 0.35 * alpha)
      canvas.arrow(from: tail, to: tip, color: .white, width: 1.5, headLength: head, alpha: alpha)
    }
    canvas.clip = canvas.bounds
    axes.draw(on: &canvas, xLabel: "x1", yLabel: "x2", scale: textScale)
    drawColorbar(&canvas, frame: layout.colorbarFrame, maximum: maximum, colormap: .viridis, label: "rho")
    return try canvas.write(to: url)
  }

  static func vectorFieldCurve(
    _ model: NCLModel<Float>, time: Double, field: Field, noise: NoiseSchedule, range: ClosedRange<Double>, resolution n: Int
  ) -> Canvas {
    let xs = (0..<n).map { range.lowerBound + Double($0) * (range.upperBound - range.lowerBound) / Double(n - 1) }
    let values = evaluateField(model, time: time, field: field, noise: noise, points: xs.map { [$0] }).map(\.x)
    let density = evaluateLogDensities(model, time: time, points: xs.map { [$0] }, coordinates: 1).map { Double.exp($0) }
    let finite = values.filter(\.isFinite)
    let bound = niceTop(max(finite.map(Swift.abs).max() ?? 1, .leastNormalMagnitude))
    let layout = RowLayout(
      panels: 1, panelWidth: 440, panelHeight: 300, colorbar: false,
      header: "\(fieldName(field, noise: noise).name) at t=\(format(time))", caption: "shaded: rho_t, rescaled")
    var canvas = layout.canvas()
    let axes = Axes(frame: layout.frame(0), xRange: range, yRange: -bound...bound)
    // The density, rescaled to the upper half of the panel, as a light backdrop.
    let densityTop = largestFinite(density)
    fillUnderCurve(&canvas, axes: axes, xs: xs, ys: density.map { $0 / densityTop * bound }, color: lineColor.mixed(with: .white, fraction: 0.85))
    canvas.clip = axes.frame
    canvas.line(from: axes.point(range.lowerBound, 0), to: axes.point(range.upperBound, 0), color: RGBColor(160, 160, 160))
    canvas.polyline(zip(xs, values).map { axes.point($0, $1) }, colors: [secondLineColor], width: 2)
    canvas.clip = canvas.bounds
    axes.draw(on: &canvas, xLabel: "x", yLabel: fieldName(field, noise: noise).symbol, scale: textScale)
    return canvas
  }

  // MARK: - Trajectories

  /// `count` paths of dX = u dt + g dW from exact samples at t = 0 to t = 1 in `steps` steps
  /// (RK4 on the probability-flow ODE for g = 0, Euler-Maruyama otherwise), drawn as polylines
  /// colored by time over the densities at t = 0 (shaded blue) and t = 1 (shaded orange); the
  /// shading follows sqrt(rho / max rho), so the shoulders of narrow modes show as well.
  ///
  /// Paths should start in the blue and end in the orange shading; a path ending elsewhere
  /// means the drift and the density disagree. For D > 2 the shading is the exact marginal of
  /// (x1, x2) and the paths are projected on (x1, x2); for D = 1 the picture is x against t over
  /// a heatmap of rho_t(x).
  ///
  /// A path that diverges (a state that is not finite, or farther than `divergenceFactor` window
  /// widths from the window, as the ODE of a poorly trained velocity can produce) is drawn up to
  /// where it is finite; the returned summary and the picture's caption count such paths.
  @discardableResult
  public static func trajectories(
    model: NCLModel<Float>, count: Int = 200, steps: Int = 100, noise: NoiseSchedule = .zero,
    range: ClosedRange<Double> = -4...4, resolution: Int = 150, seed: UInt64 = 0, to url: URL
  ) throws -> TrajectorySummary {
    try validate(range: range, resolution: resolution)
    guard count >= 1 else { throw NCLError.invalidArgument("count must be >= 1, got \(count)") }
    guard steps >= 1 else { throw NCLError.invalidArgument("steps must be >= 1, got \(steps)") }
    let model = model.detached()
    let d = model.dimension
    var generator = SeededGenerator(seed: seed)
    let method: IntegrationMethod = noise.isZero ? .rk4 : .eulerMaruyama
    // paths[p][s]: coordinates (first two, or x alone for D = 1) of particle p after step s.
    var paths: [[SIMD2<Double>]] = []
    var times: [Double] = []
    var done = 0
    while done < count {
      let batch = min(512, count - done)
      let start = model.sample(at: 0, count: batch, using: &generator)
      let trajectory = try model.integrate(
        from: start, startTime: 0, endTime: 1, steps: steps, noise: noise, method: method, record: true, using: &generator)
      times = trajectory.times
      let states = trajectory.states.map(\.scalars)
      for b in 0..<batch {
        paths.append(trajectory.times.indices.map { s in
          d == 1 ? SIMD2(trajectory.times[s], Double(states[s][b])) : SIMD2(Double(states[s][b * d]), Double(states[s][b * d + 1]))
        })
      }
      done += batch
    }
    let scheme = noise.isZero ? "ODE, RK4" : "SDE, Euler-Maruyama, \(describe(noise))"
    let title = "\(count) paths from exact samples at t=0 (\(scheme), \(steps) steps)"
    let canvas = d == 1
      ? trajectoriesOverTime(model, paths: paths, times: times, range: range, resolution: resolution, title: title)
      : trajectoriesInPlane(model, paths: paths, times: times, range: range, resolution: resolution, title: title, noisy: !noise.isZero)
    try canvas.write(to: url)
    return TrajectorySummary(paths: count, diverged: divergedCount(paths, range: range, timeAxis: d == 1))
  }

  /// What `trajectories` drew.
  public struct TrajectorySummary: Equatable, Sendable {
    /// Paths integrated and drawn.
    public var paths: Int
    /// Paths with a state that is not finite or beyond `divergenceFactor` window widths of the
    /// window (drawn only while finite).
    public var diverged: Int

    public init(paths: Int, diverged: Int) {
      self.paths = paths
      self.diverged = diverged
    }
  }

  /// Window widths beyond the window at which a path counts as diverged.
  static let divergenceFactor = 1e6

  /// Whether `point` is finite and within `divergenceFactor` window widths of `range` in every
  /// drawn coordinate (for D = 1 paths, `x` is the time and only `y` is checked).
  static func isTame(_ point: SIMD2<Double>, range: ClosedRange<Double>, timeAxis: Bool) -> Bool {
    let slack = divergenceFactor * (range.upperBound - range.lowerBound)
    let low = range.lowerBound - slack, high = range.upperBound + slack
    func ok(_ v: Double) -> Bool { v.isFinite && v >= low && v <= high }
    return ok(point.y) && (timeAxis ? point.x.isFinite : ok(point.x))
  }

  /// How many of `paths` diverged (see `isTame`).
  static func divergedCount(_ paths: [[SIMD2<Double>]], range: ClosedRange<Double>, timeAxis: Bool) -> Int {
    paths.reduce(0) { $0 + ($1.allSatisfy { isTame($0, range: range, timeAxis: timeAxis) } ? 0 : 1) }
  }

  /// The caption's note on diverged paths, or nil when there are none.
  static func divergenceNote(_ paths: [[SIMD2<Double>]], range: ClosedRange<Double>, timeAxis: Bool) -> String? {
    let diverged = divergedCount(paths, range: range, timeAxis: timeAxis)
    return diverged == 0 ? nil : "\(diverged) of \(paths.count) paths diverged (drawn while finite)."
  }

  static func trajectoriesInPlane(
    _ model: NCLModel<Float>, paths: [[SIMD2<Double>]], times: [Double], range: ClosedRange<Double>, resolution n: Int,
    title: String, noisy: Bool
  ) -> Canvas {
    let start = densityGrid(model, time: 0, range: range, resolution: n, coordinates: 2)
    let end = densityGrid(model, time: 1, range: range, resolution: n, coordinates: 2)
    let startMax = largestFinite(start), endMax = largestFinite(end)
    let side = heatmapSide(n, target: 440)
    let layout = RowLayout(
      panels: 1, panelWidth: side, panelHeight: side, colorbar: true, header: title,
      caption: "shaded: rho at t=0 (blue) and t=1 (orange)" + (model.dimension > 2 ? ", marginals of (x1, x2)" : "")
        + (divergenceNote(paths, range: range, timeAxis: false).map { ". " + $0 } ?? ""))
    var canvas = layout.canvas()
    let axes = Axes(frame: layout.frame(0), xRange: range, yRange: range)
    let startTint = timeColormap(0), endTint = timeColormap(1)
    // Shading: a lighter blue than the t=0 path color, so overlaps with orange stay light.
    let startShade = RGBColor(60, 100, 230)
    let cell = max(1, side / n)
    for py in 0..<side {
      for px in 0..<side {
        let index = (n - 1 - py / cell) * n + px / cell
        let a = start[index].isFinite ? max(start[index] / startMax, 0) : 0
        let b = end[index].isFinite ? max(end[index] / endMax, 0) : 0
        // Multiplied like two translucent inks on paper, so neither hides the other where they overlap.
        // Square roots of the normalized densities, so the shoulders of narrow modes show too.
        let first = RGBColor.white.mixed(with: startShade, fraction: 0.35 * a.squareRoot())
        let second = RGBColor.white.mixed(with: endTint, fraction: 0.45 * b.squareRoot())
        func multiply(_ u: UInt8, _ v: UInt8) -> UInt8 { UInt8((Double(u) * Double(v) / 255).rounded()) }
        canvas[axes.frame.x + px, axes.frame.y + py] =
          RGBColor(multiply(first.red, second.red), multiply(first.green, second.green), multiply(first.blue, second.blue))
      }
    }
    let segmentColors = (0..<max(times.count - 1, 1)).map { s in
      timeColormap(times.count > 1 ? 0.5 * (times[s] + times[s + 1]) : 0)
    }
    canvas.clip = axes.frame
    // SDE paths wander and cross: fainter, so that their bundle shows where the mass goes.
    let alpha = (paths.count > 400 ? 0.45 : 0.75) * (noisy ? 0.6 : 1)
    for path in paths {
      drawPath(&canvas, path.map { axes.point($0.x, $0.y) }, colors: segmentColors, alpha: alpha)
    }
    for path in paths where !path.isEmpty {
      canvas.fillCircle(center: axes.point(path[0].x, path[0].y), radius: 1.8, color: startTint)
      canvas.fillCircle(center: axes.point(path[path.count - 1].x, path[path.count - 1].y), radius: 1.8, color: endTint)
    }
    canvas.clip = canvas.bounds
    axes.draw(on: &canvas, xLabel: "x1", yLabel: "x2", scale: textScale)
    drawColorbar(&canvas, frame: layout.colorbarFrame, maximum: 1, colormap: timeColormap, label: "t")
    return canvas
  }

  static func trajectoriesOverTime(
    _ model: NCLModel<Float>, paths: [[SIMD2<Double>]], times: [Double], range: ClosedRange<Double>, resolution n: Int, title: String
  ) -> Canvas {
    // Heatmap over (t, x): column c is time (c + 0.5) / n, row r is x.
    let xs = (0..<n).map { range.lowerBound + (Double($0) + 0.5) * (range.upperBound - range.lowerBound) / Double(n) }
    var grid = [Double](repeating: 0, count: n * n)
    for c in 0..<n {
      let column = evaluateLogDensities(model, time: (Double(c) + 0.5) / Double(n), points: xs.map { [$0] }, coordinates: 1)
      for r in 0..<n { grid[r * n + c] = Double.exp(column[r]) }
    }
    let maximum = largestFinite(grid)
    let side = heatmapSide(n, target: 440)
    let layout = RowLayout(
      panels: 1, panelWidth: side, panelHeight: side, colorbar: true, header: title,
      caption: divergenceNote(paths, range: range, timeAxis: true))
    var canvas = layout.canvas()
    let axes = Axes(frame: layout.frame(0), xRange: 0...1, yRange: range)
    drawHeatmap(&canvas, frame: axes.frame, values: grid, columns: n, rows: n, maximum: maximum)
    canvas.clip = axes.frame
    for path in paths {
      drawPath(&canvas, path.map { axes.point($0.x, $0.y) }, colors: [.white], alpha: paths.count > 400 ? 0.35 : 0.6)
    }
    canvas.clip = canvas.bounds
    axes.draw(on: &canvas, xLabel: "t", yLabel: "x", scale: textScale)
    drawColorbar(&canvas, frame: layout.colorbarFrame, maximum: maximum, colormap: .viridis, label: "rho")
    return canvas
  }

  /// A path as polylines, split where a state is not finite (a particle that blew up).
  static func drawPath(_ canvas: inout Canvas, _ points: [SIMD2<Double>], colors: [RGBColor], alpha: Double) {
    var start = 0
    while start < points.count {
      var end = start
      while end < points.count, points[end].x.isFinite, points[end].y.isFinite { end += 1 }
      if end - start >= 2 {
        // Segment k (points k to k + 1) has colors[k]; a single color serves every segment.
        let segmentColors = colors.count == 1 ? colors : Array(colors[start..<min(end - 1, colors.count)])
        canvas.polyline(Array(points[start..<end]), colors: segmentColors, width: 1.2, alpha: alpha)
      }
      start = end + 1
    }
  }

  // MARK: - Model evaluation

  /// rho_t on the cell centers of an n x n grid over range^2, index iy * n + ix with iy = 0 the
  /// bottom row; coordinates beyond x2 are 0. `coordinates`: how many conditionals enter,
  /// 2 for the exact marginal of (x1, x2), D for the joint density (a slice for D > 2).
  static func densityGrid(_ model: NCLModel<Float>, time: Double, range: ClosedRange<Double>, resolution n: Int, coordinates: Int) -> [Double] {
    let h = (range.upperBound - range.lowerBound) / Double(n)
    let rest = [Double](repeating: 0, count: model.dimension - 2)
    var points: [[Double]] = []
    points.reserveCapacity(n * n)
    for iy in 0..<n {
      for ix in 0..<n {
        points.append([range.lowerBound + (Double(ix) + 0.5) * h, range.lowerBound + (Double(iy) + 0.5) * h] + rest)
      }
    }
    return evaluateLogDensities(model, time: time, points: points, coordinates: coordinates).map { Double.exp($0) }
  }

  /// sum_{i < coordinates} log f_t(x_i | x_<i) at each point: the log-density of the first
  /// `coordinates` coordinates' marginal (exact, the density is autoregressive).
  static func evaluateLogDensities(_ model: NCLModel<Float>, time: Double, points: [[Double]], coordinates: Int) -> [Double] {
    let d = model.dimension
    var result: [Double] = []
    result.reserveCapacity(points.count)
    withoutGradient {
      var start = 0
      while start < points.count {
        let batch = min(batchSize, points.count - start)
        let x = Tensor<Float>(shape: [batch, d], scalars: points[start..<start + batch].flatMap { $0.map { Float($0) } })
        let t = Tensor<Float>(repeating: Float(time), shape: [batch, 1])
        let logConditionals = model.mixture(t: t, x: x).logDensity(x).scalars
        for b in 0..<batch {
          var sum = 0.0
          for i in 0..<coordinates { sum += Double(logConditionals[b * d + i]) }
          result.append(sum)
        }
        start += batch
      }
    }
    return result
  }

  /// The first two components (x only for D = 1) of the velocity, flux or drift at each point.
  /// The fields need derivatives in t and x, so this records a tape per batch, on the
  /// detached model and with `differentiable: false`; each batch's tape is freed with it.
  static func evaluateField(
    _ model: NCLModel<Float>, time: Double, field: Field, noise: NoiseSchedule = .zero, points: [[Double]]
  ) -> [SIMD2<Double>] {
    let d = model.dimension
    var result: [SIMD2<Double>] = []
    var start = 0
    while start < points.count {
      let batch = min(1024, points.count - start)
      let x = Tensor<Float>(shape: [batch, d], scalars: points[start..<start + batch].flatMap { $0.map { Float($0) } })
      let t = Tensor<Float>(repeating: Float(time), shape: [batch, 1])
      let fields = model.fields(t: t, x: x, differentiable: false)
      let values: [Float]
      switch field {
      case .velocity: values = fields.velocity.scalars
      case .flux: values = fields.flux.scalars
      case .drift: values = fields.drift(noise: noise).scalars
      }
      for b in 0..<batch {
        result.append(SIMD2(Double(values[b * d]), d > 1 ? Double(values[b * d + 1]) : 0))
      }
      start += batch
    }
    return result
  }

  // MARK: - Drawing pieces

  /// Panels in a row with shared margins, a colorbar to the right when asked for, a header
  /// above and a caption below, both wrapped to the figure's width.
  struct RowLayout {
    let panels: Int
    let panelWidth: Int
    let panelHeight: Int
    let colorbar: Bool
    private(set) var headerLines: [String]
    private(set) var captionLines: [String]

    static let left = 104
    static let right = 24
    /// Tick labels and the x-axis title.
    static let axisSpace = 64
    static let gap = 48
    static let colorbarSpace = 120
    static let lineHeight = 20

    init(panels: Int, panelWidth: Int, panelHeight: Int, colorbar: Bool, header: String, caption: String? = nil) {
      self.panels = panels
      self.panelWidth = panelWidth
      self.panelHeight = panelHeight
      self.colorbar = colorbar
      headerLines = []
      captionLines = []
      let characters = max(10, (width - 32 + 2) / (BitmapFont.advance * textScale))
      headerLines = Self.wrap(header, characters: characters)
      captionLines = caption.map { Self.wrap($0, characters: characters) } ?? []
    }

    var width: Int { Self.left + panels * panelWidth + (panels - 1) * Self.gap + (colorbar ? Self.colorbarSpace : 0) + Self.right }
    /// Header lines, then room for panel titles.
    var top: Int { 44 + Self.lineHeight * headerLines.count }
    var height: Int { top + panelHeight + Self.axisSpace + Self.lineHeight * captionLines.count + 8 }

    func frame(_ k: Int) -> PixelRect {
      PixelRect(x: Self.left + k * (panelWidth + Self.gap), y: top, width: panelWidth, height: panelHeight)
    }

    var colorbarFrame: PixelRect {
      PixelRect(x: Self.left + panels * panelWidth + (panels - 1) * Self.gap + 28, y: top, width: 18, height: panelHeight)
    }

    /// Top of caption line `k`.
    func captionY(_ k: Int) -> Int { top + panelHeight + Self.axisSpace + Self.lineHeight * k }

    /// A white canvas of the figure's size with the header and caption drawn.
    func canvas() -> Canvas {
      var canvas = Canvas(width: width, height: height)
      for (k, line) in headerLines.enumerated() { canvas.text(line, x: 16, y: 10 + Self.lineHeight * k, scale: textScale) }
      for (k, line) in captionLines.enumerated() { canvas.text(line, x: 16, y: captionY(k), scale: textScale) }
      return canvas
    }

    /// Words of `text` in lines of at most `characters` characters (longer words get their own line).
    static func wrap(_ text: String, characters: Int) -> [String] {
      var lines: [String] = []
      var line = ""
      for word in text.split(separator: " ") {
        if line.isEmpty {
          line = String(word)
        } else if line.count + 1 + word.count <= characters {
          line += " " + word
        } else {
          lines.append(line)
          line = String(word)
        }
      }
      if !line.isEmpty || lines.isEmpty { lines.append(line) }
      return lines
    }
  }

  /// A heatmap side of at least `target` pixels made of whole pixels per cell, so cells stay square and crisp.
  static func heatmapSide(_ resolution: Int, target: Int) -> Int {
    resolution * max(1, (target + resolution - 1) / resolution)
  }

  /// values[iy * columns + ix], iy = 0 the bottom row, colored by `colormap(value / maximum)`.
  static func drawHeatmap(
    _ canvas: inout Canvas, frame: PixelRect, values: [Double], columns: Int, rows: Int, maximum: Double, colormap: Colormap = .viridis
  ) {
    for py in 0..<frame.height {
      let iy = rows - 1 - py * rows / frame.height
      for px in 0..<frame.width {
        let ix = px * columns / frame.width
        let value = values[iy * columns + ix]
        canvas[frame.x + px, frame.y + py] = colormap(value.isFinite ? value / maximum : 0)
      }
    }
  }

  /// A vertical color scale for [0, maximum] with ticks on its right and `label` above.
  static func drawColorbar(_ canvas: inout Canvas, frame: PixelRect, maximum: Double, colormap: Colormap, label: String) {
    for py in 0..<frame.height {
      let color = colormap(1 - (Double(py) + 0.5) / Double(frame.height))
      canvas.fill(PixelRect(x: frame.x, y: frame.y + py, width: frame.width, height: 1), color: color)
    }
    let axes = Axes(frame: frame, xRange: 0...1, yRange: 0...maximum)
    canvas.fill(PixelRect(x: frame.x - 1, y: frame.y - 1, width: frame.width + 2, height: 1), color: .ink)
    canvas.fill(PixelRect(x: frame.x - 1, y: frame.maxY, width: frame.width + 2, height: 1), color: .ink)
    canvas.fill(PixelRect(x: frame.x - 1, y: frame.y - 1, width: 1, height: frame.height + 2), color: .ink)
    canvas.fill(PixelRect(x: frame.maxX, y: frame.y - 1, width: 1, height: frame.height + 2), color: .ink)
    let (values, step) = Axes.ticks(0...maximum, count: 5)
    for value in values {
      let py = min(Int(axes.point(0, value).y), frame.maxY - 1)
      canvas.fill(PixelRect(x: frame.maxX + 1, y: py, width: 5, height: 1), color: .ink)
      canvas.text(Axes.label(value, step: step), x: frame.maxX + 9, y: py + 1, scale: textScale, vertical: .center)
    }
    canvas.text(label, x: frame.x + frame.width / 2, y: frame.y - 10, scale: textScale, horizontal: .center, vertical: .baseline)
  }

  static func fillUnderCurve(_ canvas: inout Canvas, axes: Axes, xs: [Double], ys: [Double], color: RGBColor) {
    let frame = axes.frame
    for px in 0..<frame.width {
      let x = axes.dataPoint(pixelX: frame.x + px, pixelY: frame.y).x
      // Linear interpolation of the curve at this column.
      let position = (x - xs[0]) / (xs[xs.count - 1] - xs[0]) * Double(xs.count - 1)
      let k = min(max(Int(position), 0), xs.count - 2)
      let f = position - Double(k)
      let y = ys[k] + (ys[k + 1] - ys[k]) * f
      guard y.isFinite, y > axes.yRange.lowerBound else { continue }
      let top = max(Int(axes.point(x, min(y, axes.yRange.upperBound)).y.rounded()), frame.y)
      let bottom = min(Int(axes.point(x, max(0, axes.yRange.lowerBound)).y.rounded()), frame.maxY)
      if bottom > top { canvas.fill(PixelRect(x: frame.x + px, y: top, width: 1, height: bottom - top), color: color) }
    }
  }

  static func panelTitle(_ canvas: inout Canvas, _ text: String, frame: PixelRect) {
    canvas.text(text, x: frame.x + frame.width / 2, y: frame.y - 12, scale: textScale, horizontal: .center, vertical: .baseline)
  }

  /// The picture's title for a field and the symbol of its magnitude.
  static func fieldName(_ field: Field, noise: NoiseSchedule) -> (name: String, symbol: String) {
    switch field {
    case .velocity: return ("velocity j/rho", "u")
    case .flux: return ("flux j", "j")
    case .drift: return ("drift j/rho + g^2/2 grad log rho (\(describe(noise)))", "u")
    }
  }

  // MARK: - Numbers

  /// The field magnitude an arrow of `arrowFraction` grid steps stands for: the rho-weighted
  /// `arrowQuantile` of the magnitudes at the arrows' grid points (the largest finite one when
  /// the densities are all 0), never 0.
  static func arrowReference(magnitudes: [Double], densities: [Double]) -> Double {
    max(weightedQuantile(magnitudes, weights: densities, arrowQuantile) ?? largestFinite(magnitudes), .leastNormalMagnitude)
  }

  /// The `q`-quantile of the finite `values` under the distribution with the given non-negative
  /// weights (the smallest value whose cumulative weight reaches q of the total); nil when no
  /// finite value has positive finite weight.
  static func weightedQuantile(_ values: [Double], weights: [Double], _ q: Double) -> Double? {
    let pairs = zip(values, weights).filter { $0.0.isFinite && $0.1.isFinite && $0.1 > 0 }.sorted { $0.0 < $1.0 }
    let total = pairs.reduce(0) { $0 + $1.1 }
    guard total > 0 else { return nil }
    var cumulative = 0.0
    for (value, weight) in pairs {
      cumulative += weight
      if cumulative >= q * total { return value }
    }
    return pairs.last?.0
  }

  static func validate(range: ClosedRange<Double>, resolution: Int) throws {
    guard range.lowerBound.isFinite, range.upperBound.isFinite, range.upperBound > range.lowerBound else {
      throw NCLError.invalidArgument("plot range must be finite and non-empty, got \(range)")
    }
    guard resolution >= 2 && resolution <= 2048 else {
      throw NCLError.invalidArgument("resolution must be in 2...2048, got \(resolution)")
    }
  }

  /// The largest finite value, or 1 when there is none above 0 (a blank picture, not a crash).
  static func largestFinite(_ values: [Double]) -> Double {
    let top = values.lazy.filter(\.isFinite).max() ?? 0
    return top > 0 ? top : 1
  }

  /// An upper axis limit a little above `value`, at a round number.
  static func niceTop(_ value: Double) -> Double {
    let (_, step) = Axes.ticks(0...value, count: 5)
    return ((value * 1.05) / step).rounded(.up) * step
  }

  /// A time as "0", "0.25", "1" (at most three decimals, no trailing zeros).
  static func format(_ value: Double) -> String {
    var text = String(format: "%.3f", value)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text == "-0" ? "0" : text
  }

  /// "x3=0", "x3=x4=0", "x3=...=x7=0": the coordinates a 2-D slice of a D-dimensional model fixes.
  static func zeroSlice(_ dimension: Int) -> String {
    switch dimension {
    case ...2: return ""
    case 3: return "x3=0"
    case 4: return "x3=x4=0"
    default: return "x3=...=x\(dimension)=0"
    }
  }

  static func describe(_ noise: NoiseSchedule) -> String {
    switch noise {
    case .constant(let g): return "g=\(format(g))"
    case .linear(let a, let b): return "g=\(format(a))..\(format(b))"
    case .table: return "g tabulated"
    }
  }
}
