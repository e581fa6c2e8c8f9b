// Built-in 2-D distributions for demos, tests and benchmarks.
import RealModule

/// Standard 2-D toy laws of the generative-modeling and optimal-transport literature.
public enum ToyDistribution: String, CaseIterable, Codable, Sendable {
  /// 8 gaussians (std 0.2) on the circle of radius 2.
  case eightGaussians = "8gaussians"
  /// 2 gaussians (std 0.4) at (+-1.5, 0).
  case twoGaussians = "2gaussians"
  /// 5-arm pinwheel (as in the FFJORD / Neural Conservation Laws setups).
  case pinwheel
  /// Two interleaved half circles.
  case moons
  /// Two concentric circles.
  case circles
  /// 4 x 4 checkerboard on [-2, 2]^2, alternate cells filled.
  case checkerboard
  /// 2-D swiss roll.
  case swissRoll = "swissroll"

  /// `count` independent samples, [count, 2].
  public func sample<Scalar: TensorScalar>(_ count: Int, using g: inout SeededGenerator) -> Tensor<Scalar> {
    var values: [Scalar] = []
    values.reserveCapacity(2 * count)
    for _ in 0..<count {
      let (a, b) = point(&g)
      values.append(Scalar(a))
      values.append(Scalar(b))
    }
    return Tensor(shape: [count, 2], scalars: values)
  }

  private func point(_ g: inout SeededGenerator) -> (Double, Double) {
    switch self {
    case .eightGaussians:
      let angle = Double(Int(g.nextUniform() * 8)) * .pi / 4
      return (2 * .cos(angle) + 0.2 * g.nextNormal(), 2 * .sin(angle) + 0.2 * g.nextNormal())
    case .twoGaussians:
      return ((g.nextUniform() < 0.5 ? -1.5 : 1.5) + 0.4 * g.nextNormal(), 0.4 * g.nextNormal())
    case .pinwheel:
      let arms = 5.0, radialStd = 0.3, tangentialStd = 0.1, rate = 0.25
      let arm = Double(Int(g.nextUniform() * arms))
      let r = g.nextNormal() * radialStd + 1, tangential = g.nextNormal() * tangentialStd
      let angle = arm * 2 * .pi / arms + rate * Double.exp(r)
      let (c, s) = (Double.cos(angle), Double.sin(angle))
      return (2 * (c * r - s * tangential), 2 * (s * r + c * tangential))
    case .moons:
      let angle = .pi * g.nextUniform()
      let noise = (0.1 * g.nextNormal(), 0.1 * g.nextNormal())
      if g.nextUniform() < 0.5 {
        return (2 * .cos(angle) - 1 + noise.0, 2 * .sin(angle) - 0.5 + noise.1)
      }
      return (1 - 2 * .cos(angle) + noise.0, -2 * .sin(angle) + 0.5 + noise.1)
    case .circles:
      let angle = 2 * .pi * g.nextUniform()
      let radius = g.nextUniform() < 0.5 ? 1.0 : 2.0
      return (radius * .cos(angle) + 0.08 * g.nextNormal(), radius * .sin(angle) + 0.08 * g.nextNormal())
    case .checkerboard:
      let x = 4 * g.nextUniform() - 2
      let row = Double(Int(g.nextUniform() * 2)) * 2 - 2
      let y = g.nextUniform() + row + (Int((x + 2).rounded(.down)) % 2 == 0 ? 1 : 0)
      return (x, y)
    case .swissRoll:
      let u = 1.5 * .pi * (1 + 2 * g.nextUniform())
      return (0.2 * u * .cos(u) + 0.1 * g.nextNormal(), 0.2 * u * .sin(u) + 0.1 * g.nextNormal())
    }
  }
}
