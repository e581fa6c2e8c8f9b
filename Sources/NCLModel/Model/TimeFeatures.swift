// Time features fed to every output of the conditioner.

/// phi(t) = [t, sin(pi k t), cos(pi k t) for k = 1...frequencies]: smooth in t, so the density
/// and its time derivative (the flux) are smooth too.
public struct TimeFeatures: Codable, Equatable, Sendable {
  public let frequencies: Int

  public init(frequencies: Int) {
    precondition(frequencies >= 0, "time frequencies must be >= 0, got \(frequencies)")
    self.frequencies = frequencies
  }

  public var count: Int { 1 + 2 * frequencies }

  /// t [batch, 1] -> features [batch, count].
  public func callAsFunction<Scalar>(_ t: Tensor<Scalar>) -> Tensor<Scalar> {
    precondition(t.rank == 2 && t.shape[1] == 1, "time must have shape [batch, 1], got \(t.shape)")
    guard frequencies > 0 else { return t }
    let k = Tensor<Scalar>(shape: [1, frequencies], scalars: (1...frequencies).map { Scalar($0) * .pi })
    let angles = t * k
    return Tensor.concatenate([t, angles.sin(), angles.cos()], alongAxis: 1)
  }
}
