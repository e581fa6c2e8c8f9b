// Everything that defines an NCL model's architecture, stored with every checkpoint.

/// How the flux j (and so the probability-flow velocity j / rho) is built from the density.
public enum FluxConstruction: Codable, Equatable, Sendable {
  /// Telescoping sigma-corrected flux with reference logistic scale tau (the default): one
  /// forward pass and one forward-mode t-derivative; decays in every direction.
  case telescoping(tau: Double)
  /// Flux on the last coordinate only (eq. 12 of the paper). Valid but pumps mass in from
  /// infinity along x_D ("spurious flux"); kept as an ablation.
  case naive
  /// The velocity that keeps every conditional CDF constant along trajectories: no reference
  /// law and no tail factor, D forward-mode passes.
  case knotheRosenblatt
  /// Independent coordinates (the conditioner ignores x): u_i = -d_t F_i / f_i.
  case factorized

  public static let `default` = FluxConstruction.telescoping(tau: 1)
}

/// Architecture and numerical settings of an `NCLModel`.
public struct ModelConfiguration: Codable, Equatable, Sendable {
  /// D, the dimension of x.
  public var dimension: Int
  /// K, logistic components per coordinate.
  public var components: Int = 16
  public var hiddenSizes: [Int] = [128, 128, 128]
  public var activation: Activation = .silu
  /// Time features t, sin(pi k t), cos(pi k t) for k = 1...timeFrequencies.
  public var timeFrequencies: Int = 4
  public var flux: FluxConstruction = .default
  /// Clamp range of each component's log-scale.
  public var minLogScale: Double = -7
  public var maxLogScale: Double = 5
  /// Largest log of the tail factor prod_{k>i} sigma'_tau(x_k) / f_k in the telescoping flux;
  /// caps "particle explosion" far in the tails, where the model has no data anyway.
  public var maxLogTailFactor: Double = 30
  /// Hidden sizes of the network M of the learned divergence-free term b = div(rho M);
  /// nil switches the term off. Needs D >= 2.
  public var divergenceFreeHiddenSizes: [Int]? = nil
  /// How that term's antisymmetric M is parameterized. nil (what configurations saved before the
  /// setting existed decode to) means `.dense`, so old checkpoints keep their meaning.
  public var divergenceFreeForm: DivergenceFreeForm? = .default
  /// How the conditioner's hidden units get their degrees. nil (what configurations saved before
  /// the setting existed decode to) means `.interleaved`, so old checkpoints keep their meaning.
  public var hiddenUnitOrder: HiddenUnitOrder? = .grouped

  public init(dimension: Int) {
    self.dimension = dimension
  }

  /// Checks every setting, naming the first that is out of range.
  public func validate() throws {
    func fail(_ message: String) throws -> Never { throw NCLError.invalidArgument(message) }
    if dimension < 1 { try fail("dimension must be >= 1, got \(dimension)") }
    if components < 1 { try fail("components must be >= 1, got \(components)") }
    if hiddenSizes.isEmpty || hiddenSizes.contains(where: { $0 < 1 }) { try fail("hidden sizes must be positive, got \(hiddenSizes)") }
    if timeFrequencies < 0 { try fail("time frequencies must be >= 0, got \(timeFrequencies)") }
    if !(minLogScale < maxLogScale) { try fail("log-scale range [\(minLogScale), \(maxLogScale)] is empty") }
    if case .telescoping(let tau) = flux, !(tau > 0 && tau.isFinite) { try fail("telescoping flux needs tau > 0, got \(tau)") }
    if let hidden = divergenceFreeHiddenSizes {
      if dimension < 2 { try fail("the divergence-free term needs dimension >= 2 (a 1-D divergence-free flux is constant)") }
      if hidden.isEmpty || hidden.contains(where: { $0 < 1 }) { try fail("divergence-free hidden sizes must be positive, got \(hidden)") }
      if case .lowRank(let planes) = divergenceFreeForm, planes < 1 { try fail("the divergence-free term needs at least one plane, got \(planes)") }
    }
  }
}
