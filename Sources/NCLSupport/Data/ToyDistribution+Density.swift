// The exact densities of the toy laws that have one in closed form (Gaussian mixtures).
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension ToyDistribution {
  /// The law as an equal-weight mixture of isotropic Gaussians (centers, std), or nil when it is
  /// not one.
  public var gaussianMixture: (centers: [(Double, Double)], std: Double)? {
    switch self {
    case .eightGaussians: return (Self.circle(radius: 2), 0.2)
    case .nclEightGaussians: return (Self.circle(radius: 4 / 2.828), 0.5 / 2.828)
    case .twoGaussians: return ([(-1.5, 0), (1.5, 0)], 0.4)
    default: return nil
    }
  }

  /// Whether `logDensity` is known.
  public var hasKnownDensity: Bool { gaussianMixture != nil }

  /// The exact log-density at (x, y), or nil for a law without a closed form (KL divergences and
  /// density checks against the truth).
  public func logDensity(_ x: Double, _ y: Double) -> Double? {
    guard let (centers, std) = gaussianMixture else { return nil }
    let v = std * std
    let terms = centers.map { c in -((x - c.0) * (x - c.0) + (y - c.1) * (y - c.1)) / (2 * v) }
    let top = terms.max()!
    let sum = terms.reduce(0) { $0 + exp($1 - top) }
    return top + log(sum / Double(centers.count)) - log(2 * .pi * v)
  }

  /// 8 points at angles k pi / 4 on the circle of `radius` (the order `point` draws them in).
  private static func circle(radius: Double) -> [(Double, Double)] {
    (0..<8).map { k in (radius * cos(Double(k) * .pi / 4), radius * sin(Double(k) * .pi / 4)) }
  }
}
