// The seeded random generator of the host and every plugin: xoshiro256** seeded through SplitMix64.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// xoshiro256** seeded through SplitMix64: fast, small state, and identical streams on every
/// platform, so a seed fully determines a training run or a data set.
///
/// The one implementation in NCL: the trainer's stream (saved in checkpoints, so resumed runs
/// repeat an uninterrupted one bit for bit) and the plugins' private generators for data sets
/// that are a fixed function of their parameters. The Codable form `{"words": [s0, s1, s2, s3]}`
/// is part of the checkpoint format and must not change.
public struct SeededGenerator: RandomNumberGenerator, RandomSource, Codable, Sendable {
  @usableFromInline var state: (UInt64, UInt64, UInt64, UInt64)

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

  @inlinable
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
  @inlinable
  public mutating func nextUniform() -> Double {
    (Double(next() >> 11) + 0.5) * 0x1.0p-53
  }

  /// Standard normal by Box-Muller (one pair of uniforms per value).
  @inlinable
  public mutating func nextNormal() -> Double {
    let u = nextUniform(), v = nextUniform()
    return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
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
