// Plot axes: data coordinates (y up) on a rectangle of a canvas, with ticks and labels.
import Foundation

/// A panel of a plot: the data window `xRange` x `yRange` shown in the pixels of `frame`.
///
/// Data y grows upward, canvas y downward; `point` and `dataPoint` do the flip, so plots are
/// written in data coordinates and come out the usual way up. Ticks are at 1, 2 or 5 times a
/// power of ten, labeled with as many decimals as the step needs.
public struct Axes: Sendable {
  public var frame: PixelRect
  public var xRange: ClosedRange<Double>
  public var yRange: ClosedRange<Double>

  public init(frame: PixelRect, xRange: ClosedRange<Double>, yRange: ClosedRange<Double>) {
    precondition(xRange.upperBound > xRange.lowerBound && yRange.upperBound > yRange.lowerBound,
                 "axes need non-empty ranges, got \(xRange) x \(yRange)")
    self.frame = frame
    self.xRange = xRange
    self.yRange = yRange
  }

  /// Canvas coordinates of the data point (x, y): the lower-left corner of the data window is
  /// the lower-left corner of `frame`.
  public func point(_ x: Double, _ y: Double) -> SIMD2<Double> {
    SIMD2(
      Double(frame.x) + (x - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * Double(frame.width),
      Double(frame.maxY) - (y - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound) * Double(frame.height))
  }

  /// Data coordinates of the center of canvas pixel (px, py).
  public func dataPoint(pixelX px: Int, pixelY py: Int) -> (x: Double, y: Double) {
    (xRange.lowerBound + (Double(px - frame.x) + 0.5) / Double(frame.width) * (xRange.upperBound - xRange.lowerBound),
     yRange.upperBound - (Double(py - frame.y) + 0.5) / Double(frame.height) * (yRange.upperBound - yRange.lowerBound))
  }

  /// About `count` round tick values inside `range`, and their step.
  public static func ticks(_ range: ClosedRange<Double>, count: Int = 5) -> (values: [Double], step: Double) {
    let span = range.upperBound - range.lowerBound
    guard span > 0, span.isFinite, count >= 1 else { return ([range.lowerBound], 1) }
    let raw = span / Double(count)
    let magnitude = pow(10, (log10(raw)).rounded(.down))
    let normalized = raw / magnitude
    let step = (normalized < 1.5 ? 1 : normalized < 3 ? 2 : normalized < 7 ? 5 : 10) * magnitude
    let tolerance = step * 1e-9
    var values: [Double] = []
    var k = (range.lowerBound / step - 1e-9).rounded(.up)
    while k * step <= range.upperBound + tolerance {
      values.append(k * step)
      k += 1
    }
    return (values, step)
  }

  /// `value` with the decimals a tick `step` needs ("0.25" for step 0.05 gives "0.25", 2 gives "2").
  public static func label(_ value: Double, step: Double) -> String {
    let decimals = max(0, Int((-log10(step) - 1e-9).rounded(.up)))
    let text = String(format: "%.\(decimals)f", value)
    // No "-0" or "-0.00".
    return text.allSatisfy({ "-0.".contains($0) }) ? String(format: "%.\(decimals)f", 0.0) : text
  }

  /// Frame, outward ticks and tick labels; axis titles centered below and left of the frame.
  /// `xTickLabels` / `yTickLabels` false keeps the ticks but drops their numbers (panels in a row
  /// share the y labels of the first one).
  public func draw(
    on canvas: inout Canvas, xLabel: String? = nil, yLabel: String? = nil, xTickLabels: Bool = true,
    yTickLabels: Bool = true, tickCount: Int = 5, scale: Int = 2, color: RGBColor = .ink
  ) {
    let savedClip = canvas.clip
    canvas.clip = canvas.bounds
    defer { canvas.clip = savedClip }
    let tick = 3 * scale
    // Frame just outside the data rectangle, so it never hides data pixels.
    canvas.fill(PixelRect(x: frame.x - 1, y: frame.y - 1, width: frame.width + 2, height: 1), color: color)
    canvas.fill(PixelRect(x: frame.x - 1, y: frame.maxY, width: frame.width + 2, height: 1), color: color)
    canvas.fill(PixelRect(x: frame.x - 1, y: frame.y - 1, width: 1, height: frame.height + 2), color: color)
    canvas.fill(PixelRect(x: frame.maxX, y: frame.y - 1, width: 1, height: frame.height + 2), color: color)

    let (xs, xStep) = Self.ticks(xRange, count: tickCount)
    for value in xs {
      let px = min(Int(point(value, 0).x), frame.maxX - 1)
      canvas.fill(PixelRect(x: px, y: frame.maxY + 1, width: 1, height: tick), color: color)
      if xTickLabels {
        canvas.text(Self.label(value, step: xStep), x: px + 1, y: frame.maxY + tick + 2 * scale, color: color,
                    scale: scale, horizontal: .center)
      }
    }
    let (ys, yStep) = Self.ticks(yRange, count: tickCount)
    for value in ys {
      let py = min(Int(point(0, value).y), frame.maxY - 1)
      canvas.fill(PixelRect(x: frame.x - 1 - tick, y: py, width: tick, height: 1), color: color)
      if yTickLabels {
        canvas.text(Self.label(value, step: yStep), x: frame.x - tick - 3 * scale, y: py + 1, color: color,
                    scale: scale, horizontal: .right, vertical: .center)
      }
    }
    let lineHeight = BitmapFont.glyphHeight * scale
    if let xLabel {
      let below = frame.maxY + tick + 2 * scale + (xTickLabels ? lineHeight + scale : 0)
      canvas.text(xLabel, x: frame.x + frame.width / 2, y: below, color: color, scale: scale, horizontal: .center)
    }
    if let yLabel {
      // Reading upward, left of the tick labels at mid-height, so it is not read as a tick label.
      let widest = yTickLabels ? ys.map { Canvas.textSize(Self.label($0, step: yStep), scale: scale).width }.max() ?? 0 : 0
      let right = frame.x - tick - 3 * scale - widest - 5 * scale
      canvas.verticalText(yLabel, x: right - BitmapFont.capHeight * scale / 2, y: frame.y + frame.height / 2, color: color, scale: scale)
    }
  }
}
