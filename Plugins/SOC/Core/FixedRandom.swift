// A fixed-seed generator for the parts of a problem that are a function of its parameters (x0 of
// the quadratic problems in d > 2, xi of the linear OU). Training and evaluation draw from the
// host's stream. Minimal on purpose: to be replaced by NCLSupport's seeded generator.
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// SplitMix64 with Box-Muller normals.
struct FixedRandom {
  private var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform in (0, 1).
  mutating func uniform() -> Double { (Double(next() >> 11) + 0.5) / 9_007_199_254_740_992.0 }

  mutating func normal() -> Double {
    (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())
  }

  mutating func normals(_ count: Int, std: Double = 1) -> [Double] { (0..<count).map { _ in std * normal() } }
}
