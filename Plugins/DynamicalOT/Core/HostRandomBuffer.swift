// Random numbers while training: the host's seeded stream, drawn in bulk and handed out one by one.
import NCLPluginKit
import NCLSupport

/// Uniforms and normals drawn in bulk from the host's seeded stream (so training is reproducible
/// and resumable), then handed out one by one to samplers written against `RandomSource`.
/// Data sets that are a fixed function of the parameters use a private `SeededGenerator` instead.
struct HostRandomBuffer: RandomSource {
  private var uniforms: [Double], normals: [Double]
  private var nextUniformIndex = 0, nextNormalIndex = 0

  /// Draws `uniforms` uniforms and `normals` normals from the host.
  init(host: PluginHost, uniforms: Int, normals: Int) throws {
    self.uniforms = uniforms > 0 ? try host.uniform([uniforms]).values() : []
    self.normals = normals > 0 ? try host.normal([normals]).values() : []
  }

  mutating func nextUniform() -> Double {
    precondition(nextUniformIndex < uniforms.count, "HostRandomBuffer: drew more uniforms than requested")
    defer { nextUniformIndex += 1 }
    // The host's Float32 uniforms may round up to 1; keep [0, 1).
    return min(uniforms[nextUniformIndex], 1 - 0x1.0p-24)
  }

  mutating func nextNormal() -> Double {
    precondition(nextNormalIndex < normals.count, "HostRandomBuffer: drew more normals than requested")
    defer { nextNormalIndex += 1 }
    return normals[nextNormalIndex]
  }
}
