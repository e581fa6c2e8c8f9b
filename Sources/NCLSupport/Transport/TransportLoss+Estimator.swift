// How the transport loss estimates expectations under the model, with their gradients.

extension TransportLoss {
  /// How int_{T0}^{T1} E_{rho_t}[f] dt = (T1 - T0) E_{t ~ U[T0, T1], x ~ rho_t}[f] is estimated
  /// from n points (t_i, x_i), differentiably in the model's parameters.
  public enum Estimator: String, CaseIterable, Sendable {
    /// (t, x) from a fixed proposal q_t: mean(f rho_t / q_t). Needs no samples of the model; the
    /// gradient flows through rho_t and f.
    case importance
    /// Exact model samples with the score-function (REINFORCE) gradient and a leave-one-out
    /// baseline: grad E[f] = E[grad f] + E[(f - b) grad log rho].
    case score
    /// Exact model samples that carry the gradient of the sampler (the host's reparameterized
    /// samples, plugin ABI 1.1): grad E[f] = E[grad f + grad_x f dx/dtheta]; a plain mean.
    case reparameterized

    /// (T1 - T0) * E_{t, x ~ rho_t}[f] for `f` [n] at the n points, given log rho_t there [n]
    /// and, for `.importance`, the proposal's log q_t [n]; `length` is T1 - T0. Its value is the
    /// estimate; its gradient is the estimator's.
    public func expectation<T: TransportTensor>(_ f: T, logDensity: T, logProposal: T?, length: Double) -> T {
      switch self {
      case .importance:
        guard let logProposal else { preconditionFailure("the importance estimator needs the proposal's log-density") }
        return ((logDensity - logProposal).exp() * f).elementMean().scaled(by: length)
      case .score:
        // A surrogate with the value of mean(f) and the gradient E[grad f] + E[(f - b) grad log rho],
        // b_i the mean of the other points' f (leave-one-out: unbiased).
        let fixed = f.detached()
        let baseline = (fixed.elementSum() - fixed).scaled(by: 1 / Double(max(f.count - 1, 1)))
        return (f.elementMean() + ((fixed - baseline) * (logDensity - logDensity.detached())).elementMean()).scaled(by: length)
      case .reparameterized:
        return f.elementMean().scaled(by: length)
      }
    }
  }
}
