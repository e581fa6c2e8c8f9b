// Gaussian to Gaussian with diagonal covariances: the known answers.

/// N(mean0, diag(std0^2)) at t = 0 and N(mean1, diag(std1^2)) at t = 1. The covariances commute,
/// so the optimal map is x -> mean1 + (std1 / std0)(x - mean0) coordinate by coordinate and
/// McCann's interpolation stays Gaussian: mean (1 - t) mean0 + t mean1, std (1 - t) std0 + t std1.
struct GaussianPair {
  let mean0, std0, mean1, std1: [Double]

  /// W2^2 = |mean1 - mean0|^2 + sum_i (std1_i - std0_i)^2.
  var w2Squared: Double {
    zip(mean0, mean1).reduce(0) { $0 + ($1.1 - $1.0) * ($1.1 - $1.0) } + zip(std0, std1).reduce(0) { $0 + ($1.1 - $1.0) * ($1.1 - $1.0) }
  }

  /// Mean and standard deviations of the displacement interpolation at t in [0, 1].
  func interpolation(at t: Double) -> (mean: [Double], std: [Double]) {
    (zip(mean0, mean1).map { (1 - t) * $0 + t * $1 }, zip(std0, std1).map { (1 - t) * $0 + t * $1 })
  }
}
