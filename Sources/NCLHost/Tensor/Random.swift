// Seeded random numbers and random tensors, reproducible across runs and machines.
import RealModule

/// xoshiro256** seeded through SplitMix64: fast, small state, and identical streams on every
/// platform, so a seed fully determines a training run.
public struct SeededGenerator: RandomNumberGenerator, Codable, Sendable {
  private var state: (UInt64, UInt64, UInt64, UInt64)

  public init(seed: UInt64) {
    var s = seed
    func splitMix() -> UInt64 {
      s &+= 0x9E37_79B9_7F4A_7C15
      var z = s
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    state = (splitMix(), splitMix(), splitMix(), splitMix())
  }

  public mutating func next() -> UInt64 {
    let result = ((state.1 &* 5) << 7 | (state.1 &* 5) >> 57) &* 9
    let t = state.1 << 17
    state.2 ^= state.0
    state.3 ^= state.1
    state.1 ^= state.2
    state.0 ^= state.3
    state.2 ^= t
    state.3 = (state.3 << 45) | (state.3 >> 19)
    return result
  }

  /// Uniform in the open interval (0, 1), never exactly 0 or 1 (safe under log).
  public mutating func nextUniform() -> Double {
    (Double(next() >> 11) + 0.5) * 0x1.0p-53
  }

  /// Standard normal by Box-Muller.
  public mutating func nextNormal() -> Double {
    let u = nextUniform(), v = nextUniform()
    return (-2 * Double.log(u)).squareRoot() * Double.cos(2 * .pi * v)
  }

  private enum CodingKeys: CodingKey { case words }

  public init(from decoder: Decoder) throws {
    let words = try decoder.container(keyedBy: CodingKeys.self).decode([UInt64].self, forKey: .words)
    guard words.count == 4 else {
      throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "generator state needs 4 words, got \(words.count)"))
    }
    state = (words[0], words[1], words[2], words[3])
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode([state.0, state.1, state.2, state.3], forKey: .words)
  }
}

extension Tensor {
  /// Independent standard normal entries, times `scale`.
  public static func randomNormal(_ shape: [Int], scale: Scalar = 1, using generator: inout SeededGenerator) -> Tensor {
    Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in scale * Scalar(generator.nextNormal()) })
  }

  /// Independent uniform entries in (lower, upper).
  public static func randomUniform(
    _ shape: [Int], lower: Scalar = 0, upper: Scalar = 1, using generator: inout SeededGenerator
  ) -> Tensor {
    Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in lower + (upper - lower) * Scalar(generator.nextUniform()) })
  }
}
