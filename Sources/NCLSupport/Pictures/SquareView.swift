// A square window onto the plane, for drawing 2-D densities and points on a square panel.

/// A square of the plane, a center and a half-width, shown on a square panel with rows from the
/// top (y up in the plane, down on the canvas).
public struct SquareView: Sendable {
  public let center: (Double, Double)
  public let half: Double

  public init(center: (Double, Double), half: Double) {
    self.center = center
    self.half = half
  }

  /// The square around the 0.5 %..99.5 % range of row-major 2-D points in each coordinate, with a margin.
  public static func around(_ points: [Double]) -> SquareView {
    func range(_ k: Int) -> (Double, Double) {
      let v = stride(from: k, to: points.count, by: 2).map { points[$0] }.sorted()
      return (v[Int(0.005 * Double(v.count - 1))], v[Int(0.995 * Double(v.count - 1))])
    }
    let (x, y) = (range(0), range(1))
    return SquareView(center: ((x.0 + x.1) / 2, (y.0 + y.1) / 2), half: 0.6 * max(x.1 - x.0, y.1 - y.0))
  }

  /// The centres of a grid x grid split, row-major 2-D points, rows from the top: where a density
  /// is evaluated for a heat map whose cell (row, column) is value [row * grid + column].
  public func cellCenters(grid: Int) -> [Double] {
    let step = 2 * half / Double(grid)
    var points: [Double] = []
    points.reserveCapacity(2 * grid * grid)
    for row in 0..<grid {
      for column in 0..<grid {
        points += [center.0 - half + (Double(column) + 0.5) * step, center.1 + half - (Double(row) + 0.5) * step]
      }
    }
    return points
  }

  /// The (column, row) of the cell holding (x, y) in a grid x grid split, rows from the top.
  public func cell(_ x: Double, _ y: Double, grid: Int) -> (Int, Int) {
    let s = Double(grid) / (2 * half)
    let column = ((x - center.0 + half) * s).rounded(.down), row = ((center.1 + half - y) * s).rounded(.down)
    return (Int(max(min(column, 1e6), -1e6)), Int(max(min(row, 1e6), -1e6)))
  }

  /// Where (x, y) falls on a panel of `size` pixels, from the panel's top-left corner.
  public func pixel(_ x: Double, _ y: Double, size: Int) -> SIMD2<Double> {
    let s = Double(size) / (2 * half)
    return SIMD2((x - center.0 + half) * s, (center.1 + half - y) * s)
  }
}
