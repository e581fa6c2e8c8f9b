// The built-in 2-D toy distributions of the demo, the benchmarks and DynamicalOT.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Standard 2-D toy laws of the generative-modeling and optimal-transport literature.
///
/// Samplers take their numbers from any `RandomSource`: the host's `SeededGenerator` (the demo,
/// benchmarks; NCLHost adds a `Tensor` version of `sample`), a plugin's buffer of the host's
/// stream while training, or a private generator for fixed data. A point uses at most
/// `uniformsPerPoint` uniforms and `normalsPerPoint` normals.
public enum ToyDistribution: String, CaseIterable, Codable, Sendable {
  /// 8 gaussians (std 0.2) on the circle of radius 2.
  case eightGaussians = "8gaussians"
  /// 2 gaussians (std 0.4) at (+-1.5, 0).
  case twoGaussians = "2gaussians"
  /// 5-arm pinwheel (as in the FFJORD / Neural Conservation Laws setups).
  case pinwheel
  /// Two interleaved half circles.
  case moons
  /// Two concentric circles (radii 1 and 2).
  case circles
  /// 4 x 4 checkerboard on [-2, 2]^2, alternate cells filled.
  case checkerboard
  /// 2-D swiss roll.
  case swissRoll = "swissroll"
  /// The 8 gaussians of the Neural Conservation Laws dynamical-OT experiment (the anchor's scale):
  /// centers on the circle of radius 4 / 2.828, std 0.5 / 2.828.
  case nclEightGaussians = "ncl-8gaussians"
  /// The pinwheel of the same experiment: the 5-arm pinwheel at radius about 1 (half the scale of
  /// `pinwheel`) blurred by N(0, 0.1^2 I).
  case nclPinwheel = "ncl-pinwheel"
  /// Two interleaved spirals (FFJORD's "2spirals": radius up to 3 turns of 1.5 pi, blurred by N(0, 0.1^2 I)).
  case twoSpirals = "2spirals"

  /// Uniforms and normals one point consumes at most (draw this many per point from the host).
  public static let uniformsPerPoint = 3, normalsPerPoint = 4

  /// `count` points, row-major [count, 2].
  public func sample<R: RandomSource>(_ count: Int, using source: inout R) -> [Double] {
    var values: [Double] = []
    values.reserveCapacity(2 * count)
    for _ in 0..<count {
      let (a, b) = point(using: &source)
      values.append(a)
      values.append(b)
    }
    return values
  }

  /// One point (x, y).
  public func point<R: RandomSource>(using g: inout R) -> (Double, Double) {
    switch self {
    case .eightGaussians:
      let angle = Double(min(Int(g.nextUniform() * 8), 7)) * .pi / 4
      return (2 * cos(angle) + 0.2 * g.nextNormal(), 2 * sin(angle) + 0.2 * g.nextNormal())
    case .twoGaussians:
      return ((g.nextUniform() < 0.5 ? -1.5 : 1.5) + 0.4 * g.nextNormal(), 0.4 * g.nextNormal())
    case .pinwheel:
      let (x, y) = Self.pinwheelArm(using: &g)
      return (2 * x, 2 * y)
    case .moons:
      let angle = .pi * g.nextUniform()
      let noise = (0.1 * g.nextNormal(), 0.1 * g.nextNormal())
      if g.nextUniform() < 0.5 {
        return (2 * cos(angle) - 1 + noise.0, 2 * sin(angle) - 0.5 + noise.1)
      }
      return (1 - 2 * cos(angle) + noise.0, -2 * sin(angle) + 0.5 + noise.1)
    case .circles:
      let angle = 2 * .pi * g.nextUniform()
      let radius = g.nextUniform() < 0.5 ? 1.0 : 2.0
      return (radius * cos(angle) + 0.08 * g.nextNormal(), radius * sin(angle) + 0.08 * g.nextNormal())
    case .checkerboard:
      let x = 4 * g.nextUniform() - 2
      let row = Double(min(Int(g.nextUniform() * 2), 1)) * 2 - 2
      let y = g.nextUniform() + row + (Int((x + 2).rounded(.down)) % 2 == 0 ? 1 : 0)
      return (x, y)
    case .nclEightGaussians:
      let angle = Double(min(Int(g.nextUniform() * 8), 7)) * .pi / 4
      let radius = 4 / 2.828, std = 0.5 / 2.828
      return (radius * cos(angle) + std * g.nextNormal(), radius * sin(angle) + std * g.nextNormal())
    case .nclPinwheel:
      let (x, y) = Self.pinwheelArm(using: &g)
      return (x + 0.1 * g.nextNormal(), y + 0.1 * g.nextNormal())
    case .twoSpirals:
      // One uniform picks the arm and the position along it (halves of (0, 1)), so a point draws 3.
      let u = g.nextUniform(), sign = u < 0.5 ? 1.0 : -1.0
      let along = (u < 0.5 ? 2 * u : 2 * u - 1).squareRoot() * 3 * .pi
      let x = -cos(along) * along + 0.5 * g.nextUniform(), y = sin(along) * along + 0.5 * g.nextUniform()
      return (sign * x / 3 + 0.1 * g.nextNormal(), sign * y / 3 + 0.1 * g.nextNormal())
    case .swissRoll:
      let u = 1.5 * .pi * (1 + 2 * g.nextUniform())
      return (0.2 * u * cos(u) + 0.1 * g.nextNormal(), 0.2 * u * sin(u) + 0.1 * g.nextNormal())
    }
  }

  /// A point on one of 5 arms at radius about 1: radial r ~ N(1, 0.3^2) and tangential
  /// N(0, 0.1^2) offsets, turned by the arm's angle plus 0.25 exp(r).
  private static func pinwheelArm<R: RandomSource>(using g: inout R) -> (Double, Double) {
    let arms = 5.0, radialStd = 0.3, tangentialStd = 0.1, rate = 0.25
    let arm = Double(min(Int(g.nextUniform() * arms), 4))
    let r = g.nextNormal() * radialStd + 1, tangential = g.nextNormal() * tangentialStd
    let angle = arm * 2 * .pi / arms + rate * exp(r)
    let (c, s) = (cos(angle), sin(angle))
    return (c * r - s * tangential, s * r + c * tangential)
  }
}
