// Random numbers for data: the host's seeded stream while training, a private generator for fixed data sets.
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import NCLPluginKit

/// Where a sampler takes its uniforms and standard normals from.
protocol RandomSource {
  /// Uniform in [0, 1).
  mutating func uniform() -> Double
  /// Standard normal.
  mutating func normal() -> Double
}

/// xoshiro256** seeded through SplitMix64 (the host's algorithm), for data sets that are a fixed
/// function of the plugin's parameters (built-in population data, held-out samples, proposals).
struct DataGenerator: RandomSource {
  private var state: (UInt64, UInt64, UInt64, UInt64)

  init(seed: UInt64) {
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

  mutating func next() -> UInt64 {
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

  /// In the open interval (0, 1).
  mutating func uniform() -> Double { (Double(next() >> 11) + 0.5) * 0x1.0p-53 }

  /// Box-Muller.
  mutating func normal() -> Double {
    let u = uniform(), v = uniform()
    return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
  }
}

/// Uniforms and normals drawn in bulk from the host's seeded stream (so training is reproducible
/// and resumable), then handed out one by one.
struct HostRandomBuffer: RandomSource {
  private var uniforms: [Double], normals: [Double]
  private var nextUniform = 0, nextNormal = 0

  /// Draws `uniforms` uniforms and `normals` normals from the host.
  init(host: PluginHost, uniforms: Int, normals: Int) throws {
    self.uniforms = uniforms > 0 ? try host.uniform([uniforms]).values() : []
    self.normals = normals > 0 ? try host.normal([normals]).values() : []
  }

  mutating func uniform() -> Double {
    precondition(nextUniform < uniforms.count, "HostRandomBuffer: drew more uniforms than requested")
    defer { nextUniform += 1 }
    // The host's Float32 uniforms may round up to 1; keep [0, 1).
    return min(uniforms[nextUniform], 1 - 0x1.0p-24)
  }

  mutating func normal() -> Double {
    precondition(nextNormal < normals.count, "HostRandomBuffer: drew more normals than requested")
    defer { nextNormal += 1 }
    return normals[nextNormal]
  }
}
