// Building blocks of Monte Carlo objectives over the model's density path: stratified times and
// the score-function estimator, shared by every plugin whose loss is an expectation under rho_t.

extension PluginHost {
  /// `count` times [count, 1], one per stratum of [t0, t1] cut into equal pieces, uniform within it:
  /// a time integral estimated with less variance than from independent uniform times.
  public func stratifiedTimes(count: Int, from t0: Double, to t1: Double) -> PluginTensor {
    let offsets = tensor((0..<count).map(Double.init), shape: [count, 1])
    return (offsets + uniform([count, 1])) * ((t1 - t0) / Double(count)) + t0
  }
}

extension PluginTensor {
  /// The score-function surrogate of E_{rho}[h] for values h [n] at exact samples (constants) whose
  /// log-density under the model is `logDensity` [n]: its value is mean(h), its gradient
  /// E[grad h] + E[(h - b) grad log rho], with b the leave-one-out mean of h as the baseline (which
  /// removes most of the variance and no bias).
  public func scoreFunctionMean(logDensity: PluginTensor) -> PluginTensor {
    let n = shape?.first ?? 1
    let fixed = detached()
    let baseline = (fixed.sum() - fixed) / Double(max(n - 1, 1))
    return mean() + ((fixed - baseline) * (logDensity - logDensity.detached())).mean()
  }
}
