// Normal vectors from NCLSupport's seeded generator, for the parts of a problem that are a function
// of its parameters (x0 of the quadratic problems in d > 2, xi of the linear OU).
import NCLSupport

extension SeededGenerator {
  /// `count` independent N(0, std^2) draws.
  mutating func normals(_ count: Int, std: Double = 1) -> [Double] {
    (0..<count).map { _ in std * nextNormal() }
  }
}
