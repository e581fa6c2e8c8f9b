// rho_T's share of each of p1's mode cells, by quadrature of the exact density on a grid.
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import NCLSupport

/// A midpoint grid over p1's support (every component's mean +- `reach` standard deviations, per
/// axis) with each node's mode cell, for integrating the model's exact density over the cells.
///
/// W2 < 0.5 on the GMM needs each mode's weight right to about 5e-4. Read from a pool of exact
/// samples, a share carries the pool's own noise, 1e-4 at 10^7 draws (and a minute of sampling);
/// rho_T itself is exact and normalized, so in two dimensions its integral over each cell is one
/// forward pass on the grid, exact to about 1e-6 (testQuadratureShares; on trained GMM models it
/// agrees with the importance estimate on 2 x 10^6 draws of p1 to 0.5e-4, README "Metrics").
struct ModeShareQuadrature {
  /// The nodes, row-major [count, D].
  let points: [Double]
  /// Each node's cell (nearest component mean).
  let cells: [Int]
  /// The volume of one grid cell.
  let volume: Double
  let modes: Int
  var count: Int { cells.count }

  /// How far past each component's mean the grid reaches, in its standard deviations (the mass
  /// beyond is below 1e-8 per Gaussian component).
  static let reach = 6.0

  /// `perAxis` nodes along each axis; nil unless p1 is 2-D (the node count grows like perAxis^D).
  init?(target: GaussianMixture, perAxis: Int) {
    let d = target.dimension
    guard d == 2, perAxis >= 2 else { return nil }
    let lower = (0..<d).map { i in target.components.map { $0.mean[i] - Self.reach * $0.std[i] }.min()! }
    let upper = (0..<d).map { i in target.components.map { $0.mean[i] + Self.reach * $0.std[i] }.max()! }
    let step = (0..<d).map { (upper[$0] - lower[$0]) / Double(perAxis) }
    var points: [Double] = []
    points.reserveCapacity(perAxis * perAxis * d)
    for i in 0..<perAxis {
      for j in 0..<perAxis {
        points += [lower[0] + (Double(i) + 0.5) * step[0], lower[1] + (Double(j) + 0.5) * step[1]]
      }
    }
    self.points = points
    cells = target.nearestComponents(points)
    volume = step.reduce(1, *)
    modes = target.components.count
  }

  /// sum over the nodes of cell k of rho(node) x volume, from log rho at the nodes. Mass outside
  /// the grid counts in no cell (only the shares' differences move the multipliers).
  func shares(logDensity: [Double]) -> [Double] {
    var shares = [Double](repeating: 0, count: modes)
    for (k, logRho) in zip(cells, logDensity) { shares[k] += volume * exp(logRho) }
    return shares
  }
}
