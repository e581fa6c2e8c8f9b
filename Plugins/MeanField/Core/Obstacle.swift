// Obstacles of the crowd tasks: quadric regions of the plane, with the hard indicator (metrics) and
// the smooth barrier (training).
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import NCLPluginKit

/// The region q(x, y) = a (x - cx)^2 + b (y - cy)^2 - c < 0. DeepGSB's three obstacle shapes are
/// all of this form: discs (a = b = 1, c = r^2), the S-tunnel's ellipses (a = 20, b = 1, c = 90)
/// and the V-neck's walls (5 x^2 - y^2 < -0.36: a = 5, b = -1, c = -0.36, the region between the
/// two branches of a hyperbola that opens along y).
public struct Obstacle: Sendable, Equatable {
  public let a, b, c: Double
  public let center: (Double, Double)

  public init(a: Double, b: Double, c: Double, center: (Double, Double) = (0, 0)) {
    (self.a, self.b, self.c, self.center) = (a, b, c, center)
  }

  public static func disc(center: (Double, Double), radius: Double) -> Obstacle {
    Obstacle(a: 1, b: 1, c: radius * radius, center: center)
  }

  public static func == (l: Obstacle, r: Obstacle) -> Bool {
    l.a == r.a && l.b == r.b && l.c == r.c && l.center == r.center
  }

  /// q at (x, y): negative inside.
  public func constraint(_ x: Double, _ y: Double) -> Double {
    let dx = x - center.0, dy = y - center.1
    return a * dx * dx + b * dy * dy - c
  }

  /// The hard indicator of the inside (the metrics' test, DeepGSB's `d < c`).
  public func contains(_ x: Double, _ y: Double) -> Bool { constraint(x, y) < 0 }

  /// A signed distance to the boundary to first order, q / sqrt(|grad q|^2 + 1): exact slope 1
  /// across the boundary wherever |grad q| >> 1, finite at the centre where grad q = 0. Negative inside.
  public func signedDistance(_ x: Double, _ y: Double) -> Double {
    let dx = x - center.0, dy = y - center.1
    let gx = 2 * a * dx, gy = 2 * b * dy
    return constraint(x, y) / (gx * gx + gy * gy + 1).squareRoot()
  }

  /// The smooth barrier width * softplus((margin - d) / width) at (x, y), d the signed distance: the
  /// depth inside the obstacle grown by `margin` smoothed over `width` (so mass deep inside is pushed
  /// out too, with slope 1), width ln 2 at d = margin, width exp((margin - d) / width) beyond it. The
  /// margin makes the push start before the hard boundary, so the tails of the crowd stay out too.
  public func barrier(_ x: Double, _ y: Double, width: Double, margin: Double = 0) -> Double {
    let z = (margin - signedDistance(x, y)) / width
    return width * (z > 30 ? z : log1p(exp(z)))
  }

  /// The barrier's gradient with respect to (x, y).
  public func barrierGradient(_ x: Double, _ y: Double, width: Double, margin: Double = 0) -> (Double, Double) {
    let dx = x - center.0, dy = y - center.1
    let gx = 2 * a * dx, gy = 2 * b * dy, q = constraint(x, y)
    let norm = (gx * gx + gy * gy + 1).squareRoot()
    // d = q / norm: d' = q' / norm - q norm' / norm^2, norm' = (gx gx' + gy gy') / norm.
    let ddx = gx / norm - q * (gx * 2 * a) / (norm * norm * norm)
    let ddy = gy / norm - q * (gy * 2 * b) / (norm * norm * norm)
    let z = (margin - q / norm) / width
    let slope = -1 / (1 + exp(-z))
    return (slope * ddx, slope * ddy)
  }
}
