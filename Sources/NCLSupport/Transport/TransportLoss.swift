// The dynamical optimal-transport loss, written once for the host's tensors and the plugins'.

/// The least-action transport loss between marginals p_k at times t_k:
///
///     L = sum_k -E_{p_k} log rho_{t_k}  +  kineticWeight * int_{T0}^{T1} E_{rho_t}[|u_t|^2 / 2] dt
///
/// The likelihood terms make the model's density match each marginal; among the flows that do,
/// the kinetic energy of the drift u (the probability-flow velocity for noise g = 0) selects the
/// one of least action. The integral under the model is estimated without simulation from n
/// points (t_i, x_i) by an `Estimator`.
///
/// Written against `TransportTensor`, so that `nclhost demo` (the host's tensors and model) and
/// the DynamicalOT plugin (tensors and fields of the plugin ABI) compute the same terms: each
/// draws its samples and points and evaluates the model's fields, then builds the loss from
/// `negativeLogLikelihood`, `kineticEnergy`, `Estimator.expectation` and `loss`.
public struct TransportLoss: Sendable {
  /// The weight of the kinetic energy: small, so that matching the marginals dominates.
  public var kineticWeight: Double

  public init(kineticWeight: Double) {
    self.kineticWeight = kineticWeight
  }

  /// -E_p log rho_t: the mean of -log rho_t over samples of a marginal, from their log-densities [n].
  public static func negativeLogLikelihood<T: TransportTensor>(logDensity: T) -> T {
    -logDensity.elementMean()
  }

  /// The kinetic energy |u|^2 / 2 at each point: [n] from the drift [n, D].
  public static func kineticEnergy<T: TransportTensor>(drift u: T) -> T {
    u.squared().rowSums().scaled(by: 0.5)
  }

  /// sum_k negativeLogLikelihoods[k] + kineticWeight * kinetic (at least one likelihood term).
  public func loss<T: TransportTensor>(negativeLogLikelihoods: [T], kinetic: T) -> T {
    precondition(!negativeLogLikelihoods.isEmpty, "the transport loss needs at least one marginal")
    return negativeLogLikelihoods.dropFirst().reduce(negativeLogLikelihoods[0], +) + kinetic.scaled(by: kineticWeight)
  }
}
