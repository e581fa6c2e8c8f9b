// A hard constraint on rho_T's mode weights: the terminal likelihood's modes reweighted by dual ascent.
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import NCLSupport

/// Holds rho_T's mass in each of p1's mode cells (the points nearest a component's mean) at that
/// mode's weight w_k.
///
/// The soft terminal constraint -marginal_weight E_{p1} log rho_T lets each mode's weight drift by
/// a small amount: the control cost pays for sending less of the crowd the long way round, and each
/// minibatch pulls the weights its own way. On the GMM a drift of 0.1 % per mode already matters,
/// since each misplaced share travels 12 units to the next mode (README, "GMM: what it took").
///
/// So the likelihood counts the data of mode k exp(mu_k) / sum_j w_j exp(mu_j) times, and each step
/// every multiplier takes one clamped dual-ascent step on its mode's relative share error:
///
///   mu_k <- mu_k + rate * clamp((w_k - s_k) / w_k, -1, 1).
///
/// A mode that stays short of mass gains weight until the pull that kept it short is cancelled; at a
/// fixed point rho_T's shares equal p1's in expectation. s_k is read off the likelihood's own batch
/// of p1 by importance weighting, s_k = (1/n) sum_{x in cell k} rho_T(x) / p1(x), at no extra cost:
/// rho_T is close to p1, so the ratios are near 1 and the estimate is far less noisy than counting
/// exact samples of rho_T, which (measured) added more noise to the weights than it removed. It does
/// not see mass that rho_T puts where p1 has almost none; counting that part on rho_T's samples was
/// measured too, and was not better (README).
///
/// The multipliers start once the obstacles' warm-up is over (before, the shares say little), are
/// centred (only their differences matter), and are saved in checkpoints (MeanField.savedState).
final class ModeShareConstraint {
  let target: GaussianMixture
  let rate: Double
  private(set) var multipliers: [Double]
  /// The last step's share error of each cell, s_k - w_k (reported).
  private(set) var errors: [Double]

  init(target: GaussianMixture, rate: Double) {
    self.target = target
    self.rate = rate
    multipliers = Array(repeating: 0, count: target.components.count)
    errors = Array(repeating: 0, count: target.components.count)
  }

  /// Restores multipliers saved in a checkpoint (their count checked by the caller, StateCoder).
  func restore(_ saved: [Double]) {
    precondition(saved.count == multipliers.count, "ModeShareConstraint.restore: \(saved.count) values, \(multipliers.count) modes")
    multipliers = saved
  }

  /// Each point's weight in the likelihood, from its cell: exp(mu_k) / sum_j w_j exp(mu_j) (mean 1
  /// over p1).
  func factors(cells: [Int]) -> [Double] {
    let scaled = multipliers.map { exp($0) }
    let normalizer = zip(scaled, target.components).reduce(0.0) { $0 + $1.0 * $1.1.weight }
    return cells.map { scaled[$0] / normalizer }
  }

  /// One dual-ascent step from draws of p1 (row-major [n, D]), their cells and log rho_T there.
  func update(points: [Double], cells: [Int], logDensity: [Double]) {
    let shares = Self.importanceShares(target, points: points, cells: cells, logDensity: logDensity)
    errors = zip(shares, target.components).map { $0 - $1.weight }
    multipliers = Self.updated(multipliers, shareErrors: errors, targetShares: target.components.map(\.weight), rate: rate)
  }

  /// (1/n) sum over the points of cell k of rho(x) / p1(x): unbiased for rho's mass in cell k where
  /// p1 has support.
  static func importanceShares(_ law: GaussianMixture, points: [Double], cells: [Int], logDensity: [Double]) -> [Double] {
    let d = law.dimension, n = cells.count
    var shares = [Double](repeating: 0, count: law.components.count)
    for i in 0..<n {
      shares[cells[i]] += exp(logDensity[i] - law.logDensity(Array(points[(i * d)..<((i + 1) * d)]))) / Double(n)
    }
    return shares
  }

  /// The largest |mu_k|: a mode's weight in the likelihood moves by at most a factor e^0.2 (22 %).
  /// The corrections the GMM needs are below 0.05; the bound only matters when the model has broken
  /// down (a mode emptied), where unbounded multipliers would wind up by `rate` every step and then
  /// stand in the way of recovery.
  static let multiplierBound = 0.2

  /// mu + rate * clamp(-error_k / w_k, -1, 1), centred to mean 0, each within +-multiplierBound.
  static func updated(_ multipliers: [Double], shareErrors: [Double], targetShares: [Double], rate: Double) -> [Double] {
    let moved = zip(multipliers, zip(shareErrors, targetShares)).map { mu, ew in mu + rate * min(max(-ew.0 / ew.1, -1), 1) }
    let mean = moved.reduce(0, +) / Double(max(moved.count, 1))
    return moved.map { min(max($0 - mean, -multiplierBound), multiplierBound) }
  }

  /// The largest |s_k - w_k| of the last step.
  var largestError: Double { errors.map(abs).max() ?? 0 }
}
