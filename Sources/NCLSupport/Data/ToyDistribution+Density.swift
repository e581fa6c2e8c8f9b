// The exact densities of the toy laws that have one in closed form (Gaussian mixtures).
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension ToyDistribution {
  /// The law as a `GaussianMixture` (equal weights, isotropic), or nil when it is not one.
  public var gaussianMixture: GaussianMixture? {
    func equalWeights(_ centers: [(Double, Double)], std: Double) -> GaussianMixture {
      GaussianMixture(centers.map { GaussianMixture.Component(mean: [$0.0, $0.1], std: [std, std]) })
    }
    switch self {
    case .eightGaussians: return equalWeights(Self.circle(radius: 2), std: 0.2)
    case .nclEightGaussians: return equalWeights(Self.circle(radius: 4 / 2.828), std: 0.5 / 2.828)
    case .twoGaussians: return equalWeights([(-1.5, 0), (1.5, 0)], std: 0.4)
    default: return nil
    }
  }

  /// Whether `logDensity` is known.
  public var hasKnownDensity: Bool { gaussianMixture != nil }

  /// The exact log-density at (x, y), or nil for a law without a closed form (KL divergences and
  /// density checks against the truth).
  public func logDensity(_ x: Double, _ y: Double) -> Double? {
    gaussianMixture?.logDensity([x, y])
  }

  /// 8 points at angles k pi / 4 on the circle of `radius` (the order `point` draws them in).
  private static func circle(radius: Double) -> [(Double, Double)] {
    (0..<8).map { k in (radius * cos(Double(k) * .pi / 4), radius * sin(Double(k) * .pi / 4)) }
  }
}
