// Built-in population data: snapshots of a known SDE, for the leave-one-time-out evaluation.
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import NCLSupport

/// A known diffusion dX = b(t, X) dt + sigma dW on t in [0, 1] in D >= 2 dimensions, observed as
/// independent populations (fresh particles per snapshot, as in destructive single-cell assays).
enum PopulationProcess: String, CaseIterable {
  /// A pitchfork: x1 moves right at speed 4, x2 splits into two branches at +-1
  /// (dx2 = 6 (x2 - x2^3) dt), coordinates 3..D relax to x2 / 2 (dx_k = -2 (x_k - x2 / 2) dt);
  /// sigma = 0.2, X_0 ~ N((-2, 0, ..., 0), diag(0.3^2, 0.1^2, 0.3^2, ...)).
  case branching
  /// A blob rotating half a turn about the origin in (x1, x2) (angular speed pi) while its radius
  /// grows from 2 to 3, coordinates 3..D following sin(pi t) (dx_k = -3 (x_k - sin(pi t)) dt);
  /// sigma = 0.15, X_0 ~ N((2, 0, ..., 0), 0.3^2 I).
  case rotating
  /// No noise: X_t = (1 - t) X_0 + t grad phi(X_0) with phi convex and X_0 a mixture of three
  /// Gaussians (`OTGeodesic`), so the snapshots lie on the least-action path exactly.
  case geodesic

  var sigma: Double { self == .branching ? 0.2 : self == .rotating ? 0.15 : 0 }

  func start<R: RandomSource>(_ d: Int, _ g: inout R) -> [Double] {
    switch self {
    case .branching: return (0..<d).map { k in k == 0 ? -2 + 0.3 * g.nextNormal() : (k == 1 ? 0.1 : 0.3) * g.nextNormal() }
    case .rotating: return (0..<d).map { k in (k == 0 ? 2 : 0) + 0.3 * g.nextNormal() }
    case .geodesic: return OTGeodesic(dimension: d).start(&g)
    }
  }

  func drift(_ t: Double, _ x: [Double]) -> [Double] {
    var b = [Double](repeating: 0, count: x.count)
    switch self {
    case .branching:
      b[0] = 4
      b[1] = 6 * (x[1] - x[1] * x[1] * x[1])
      for k in 2..<max(x.count, 2) { b[k] = -2 * (x[k] - 0.5 * x[1]) }
    case .rotating:
      let r = (x[0] * x[0] + x[1] * x[1]).squareRoot()
      let radial = r > 1e-9 ? 1 / r : 0  // dr/dt = 1: from 2 to 3 over [0, 1]
      b[0] = -.pi * x[1] + radial * x[0]
      b[1] = .pi * x[0] + radial * x[1]
      for k in 2..<max(x.count, 2) { b[k] = -3 * (x[k] - sin(.pi * t)) }
    case .geodesic:
      preconditionFailure("the geodesic population is a map, not an SDE: use snapshots(...)")
    }
    return b
  }

  /// `count` fresh particles at each of `times` (in [0, 1]): by Euler-Maruyama with 400 steps, or
  /// for `geodesic` by the exact map.
  func snapshots(dimension d: Int, times: [Double], count: Int, seed: UInt64) -> SnapshotData {
    var g = SeededGenerator(seed: seed ^ 0xB0B0_0001)
    if self == .geodesic {
      let geodesic = OTGeodesic(dimension: d)
      let snapshots = times.map { t in (0..<count).flatMap { _ in geodesic.position(geodesic.start(&g), at: t) } }
      return SnapshotData(times: times, snapshots: snapshots, dimension: d)
    }
    let steps = 400, dt = 1.0 / Double(steps)
    var snapshots: [[Double]] = []
    for time in times {
      var points = [Double]()
      points.reserveCapacity(count * d)
      let last = Int((time / dt).rounded())
      for _ in 0..<count {
        var x = start(d, &g)
        for step in 0..<last {
          let b = drift(Double(step) * dt, x)
          for k in 0..<d { x[k] += b[k] * dt + sigma * dt.squareRoot() * g.nextNormal() }
        }
        points.append(contentsOf: x)
      }
      snapshots.append(points)
    }
    return SnapshotData(times: times, snapshots: snapshots, dimension: d)
  }
}
