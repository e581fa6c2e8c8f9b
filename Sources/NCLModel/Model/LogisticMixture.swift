// Per-coordinate conditional laws: mixtures of logistics, in log space.

/// The conditional densities f(x_i | x_<i) and CDFs F(x_i | x_<i) of a batch, for mixtures
/// sum_k w_k Logistic(mu_k, s_k).
///
/// log f = logsumexp_k [log w_k - log s_k + log sigma'(z_k)],  F = sum_k w_k sigma(z_k),
/// z_k = (x - mu_k) / s_k, with log sigma'(z) = -softplus(z) - softplus(-z) (no underflow).
public struct LogisticMixture<Scalar: TensorScalar> {
  /// [batch, D, K] each.
  public let logWeights: Tensor<Scalar>
  public let means: Tensor<Scalar>
  public let logScales: Tensor<Scalar>

  /// Splits conditioner output [batch, D, 3K] into logits, means and log-scales; log-scales are
  /// clamped to `logScaleRange` so that no component degenerates into a spike or a flat line.
  public init(conditionerOutput raw: Tensor<Scalar>, logScaleRange: ClosedRange<Scalar>) {
    let k = raw.shape[2] / 3
    precondition(raw.rank == 3 && raw.shape[2] == 3 * k && k >= 1, "conditioner output must be [batch, D, 3K], got \(raw.shape)")
    logWeights = raw.slice(alongAxis: 2, 0..<k).logSoftmax(alongAxis: 2)
    means = raw.slice(alongAxis: 2, k..<2 * k)
    logScales = raw.slice(alongAxis: 2, 2 * k..<3 * k)
      .clamped(lower: logScaleRange.lowerBound, upper: logScaleRange.upperBound)
  }

  init(logWeights: Tensor<Scalar>, means: Tensor<Scalar>, logScales: Tensor<Scalar>) {
    self.logWeights = logWeights
    self.means = means
    self.logScales = logScales
  }

  /// The law of coordinate i alone (D = 1), [batch, 1, K] each.
  func coordinate(_ i: Int) -> LogisticMixture {
    LogisticMixture(
      logWeights: logWeights.slice(alongAxis: 1, i..<i + 1), means: means.slice(alongAxis: 1, i..<i + 1),
      logScales: logScales.slice(alongAxis: 1, i..<i + 1))
  }

  /// z_k = (x_i - mu_k) / s_k for x [batch, D]: [batch, D, K].
  public func standardized(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
    (x.reshaped([x.shape[0], x.shape[1], 1]) - means) * (-logScales).exp()
  }

  /// log f(x_i | x_<i) and F(x_i | x_<i), both [batch, D], sharing one standardization.
  public func evaluate(_ x: Tensor<Scalar>) -> (logDensity: Tensor<Scalar>, cdf: Tensor<Scalar>) {
    let z = standardized(x)
    return (logDensity(standardized: z), cdf(standardized: z))
  }

  /// F(x_i | x_<i) alone, [batch, D]: `evaluate` without the log-densities.
  public func cdf(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
    cdf(standardized: standardized(x))
  }

  /// log f(x_i | x_<i) alone, [batch, D]: `evaluate` without the CDFs.
  public func logDensity(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
    logDensity(standardized: standardized(x))
  }

  /// log f from z = `standardized(x)`, [batch, D].
  func logDensity(standardized z: Tensor<Scalar>) -> Tensor<Scalar> {
    (logWeights - logScales + Logistic.logDensity(z)).logSumExp(alongAxis: 2)
  }

  /// F from z = `standardized(x)`, [batch, D].
  func cdf(standardized z: Tensor<Scalar>) -> Tensor<Scalar> {
    (logWeights.exp() * z.sigmoid()).sum(alongAxis: 2)
  }
}

/// The standard logistic law, sigma(z) = 1 / (1 + e^-z).
public enum Logistic {
  /// log sigma'(z) = -softplus(z) - softplus(-z), stable for any z.
  public static func logDensity<Scalar>(_ z: Tensor<Scalar>) -> Tensor<Scalar> {
    z.logisticLogDensity()
  }
}
