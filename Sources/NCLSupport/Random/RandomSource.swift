// Where samplers take their uniforms and standard normals from.

/// A stream of uniforms and standard normals: `SeededGenerator`, or a plugin's buffer of numbers
/// drawn in bulk from the host's seeded stream. Samplers written against it (the toy
/// distributions, simulated data sets) serve the host and the plugins alike.
public protocol RandomSource {
  /// Uniform in [0, 1) (`SeededGenerator`'s are in the open interval (0, 1)).
  mutating func nextUniform() -> Double
  /// Standard normal.
  mutating func nextNormal() -> Double
}
