// The geodesic population (the known answer of leave-one-time-out), the displacement interpolation
// and the snapshot CSV, in Double against finite differences and exact identities.
import XCTest
import Foundation
import NCLSupport
@testable import DynamicalOTCore

final class GeodesicPopulationTests: XCTestCase {
  /// The map is grad phi (central differences of phi), its Jacobian is the Hessian (central
  /// differences of the map) and that is symmetric positive definite (a Cholesky factor exists):
  /// phi is convex, so by Brenier's theorem the map is optimal.
  func testMapIsTheGradientOfAConvexFunction() {
    for d in [2, 5] {
      let geodesic = OTGeodesic(dimension: d)
      var g = SeededGenerator(seed: UInt64(d))
      for _ in 0..<20 {
        let x = (0..<d).map { _ in 2.5 * g.nextNormal() }
        let h = 1e-5
        func shifted(_ k: Int, _ e: Double) -> [Double] { var y = x; y[k] += e; return y }
        let map = geodesic.map(x), hessian = geodesic.hessian(x)
        for k in 0..<d {
          let gradient = (geodesic.potential(shifted(k, h)) - geodesic.potential(shifted(k, -h))) / (2 * h)
          XCTAssertEqual(map[k], gradient, accuracy: 1e-7 * max(1, abs(gradient)), "D = \(d): d phi / dx_\(k)")
          let column = zip(geodesic.map(shifted(k, h)), geodesic.map(shifted(k, -h))).map { ($0 - $1) / (2 * h) }
          for i in 0..<d { XCTAssertEqual(hessian[i * d + k], column[i], accuracy: 1e-7, "D = \(d): d T_\(i) / dx_\(k)") }
        }
        // Cholesky of the Hessian: every pivot positive (symmetric positive definite).
        var l = [Double](repeating: 0, count: d * d)
        for i in 0..<d {
          for j in 0...i {
            XCTAssertEqual(hessian[i * d + j], hessian[j * d + i], accuracy: 1e-14, "symmetric")
            let s = hessian[i * d + j] - (0..<j).reduce(0) { $0 + l[i * d + $1] * l[j * d + $1] }
            if i == j {
              XCTAssertGreaterThan(s, 0.1, "D = \(d): pivot \(i) at \(x)")
              l[i * d + i] = max(s, 1e-300).squareRoot()
            } else {
              l[i * d + j] = s / l[j * d + j]
            }
          }
        }
      }
    }
  }

  /// CholeskyFactor's log det against closed forms: ad - bc in D = 2, and the matrix determinant lemma
  /// det(a I + b v v^T) = a^(D-1) (a + b |v|^2) in D = 5.
  func testLogDeterminantOfKnownMatrices() {
    XCTAssertEqual(CholeskyFactor([2, 0.5, 0.5, 1.5], dimension: 2).logDeterminant, log(2 * 1.5 - 0.25), accuracy: 1e-14)
    let v = [0.3, -1.2, 0.7, 2, 0.1], a = 0.6, b = 1.7
    var matrix = [Double](repeating: 0, count: 25)
    for i in 0..<5 {
      for j in 0..<5 { matrix[i * 5 + j] = (i == j ? a : 0) + b * v[i] * v[j] }
    }
    let squaredNorm = v.reduce(0) { $0 + $1 * $1 }
    XCTAssertEqual(CholeskyFactor(matrix, dimension: 5).logDeterminant, 4 * log(a) + log(a + b * squaredNorm), accuracy: 1e-12)
  }

  /// origin(of:at:) inverts position(_:at:) (Newton on a strongly convex gradient map), and the
  /// Cholesky solve behind it solves: what the perfect-flow metrics (w1_left_out_pushed_exact) need.
  func testOriginInvertsThePosition() {
    for d in [2, 5] {
      let geodesic = OTGeodesic(dimension: d)
      var g = SeededGenerator(seed: 9)
      for _ in 0..<20 {
        let x0 = (0..<d).map { _ in 2 * g.nextNormal() }
        for t in [0.0, 0.25, 0.5, 1.0] {
          let back = geodesic.origin(of: geodesic.position(x0, at: t), at: t)
          for k in 0..<d { XCTAssertEqual(back[k], x0[k], accuracy: 1e-10, "D = \(d), t = \(t)") }
        }
      }
    }
    let a = [4.0, 1, 0.5, 1, 3, 0.2, 0.5, 0.2, 2], b = [1.0, -2, 0.5]
    let x = CholeskyFactor(a, dimension: 3).solve(b)
    for i in 0..<3 { XCTAssertEqual((0..<3).reduce(0) { $0 + a[i * 3 + $1] * x[$1] }, b[i], accuracy: 1e-14) }
  }

  /// The mean of row distances behind path_error_left_out, and of their squares behind transport_cost.
  func testMeanDistances() {
    let a = [0.0, 0, 3, 4, 1, 1], b = [0.0, 0, 0, 0, 1, 2]
    XCTAssertEqual(Statistics.meanDistance(a, b, dimension: 2), (0 + 5 + 1) / 3.0, accuracy: 1e-15)
    XCTAssertEqual(Statistics.meanSquaredDistance(a, b, dimension: 2), (0 + 25 + 1) / 3.0, accuracy: 1e-15)
  }

  /// The exact log-density behind kl<k>: at t = 0 the mixture's; at t > 0 the mixture's less log det
  /// of the Jacobian of x0 -> x_t, which `jacobian` gives as central differences do; and it is normalized: for a Gaussian q,
  /// E_{p_t}[q / p_t] = 1 (50 000 draws in D = 2; 20 000 draws of this estimator spread by about 3 %).
  func testLogDensityIsTheChangeOfVariables() {
    for d in [2, 5] {
      let geodesic = OTGeodesic(dimension: d)
      let start = GaussianMixture(geodesic.centers.map { .init(mean: $0, std: Array(repeating: 0.4, count: d)) })
      var g = SeededGenerator(seed: 77)
      for _ in 0..<10 {
        let x0 = geodesic.start(&g), h = 1e-5
        XCTAssertEqual(geodesic.logDensity(start: x0, at: 0), start.logDensity(x0), accuracy: 1e-12)
        for t in [0.3, 1.0] {
          func shifted(_ k: Int, _ e: Double) -> [Double] { var y = x0; y[k] += e; return geodesic.position(y, at: t) }
          var jacobian = [Double](repeating: 0, count: d * d)
          for k in 0..<d {
            let (plus, minus) = (shifted(k, h), shifted(k, -h))
            for i in 0..<d { jacobian[i * d + k] = (plus[i] - minus[i]) / (2 * h) }
          }
          let exact = geodesic.jacobian(x0, at: t)
          for i in 0..<(d * d) { XCTAssertEqual(exact[i], jacobian[i], accuracy: 1e-7, "D = \(d), t = \(t): Jacobian entry \(i)") }
          let logDeterminant = CholeskyFactor(jacobian, dimension: d).logDeterminant
          XCTAssertEqual(geodesic.logDensity(start: x0, at: t), start.logDensity(x0) - logDeterminant, accuracy: 1e-7, "D = \(d), t = \(t)")
        }
      }
    }
    let geodesic = OTGeodesic(dimension: 2), n = 50_000
    for t in [0.3, 1.0] {
      var g = SeededGenerator(seed: 5)
      let starts = (0..<n).map { _ in geodesic.start(&g) }
      let points = starts.map { geodesic.position($0, at: t) }
      // q: independent coordinates with the sample's means and half its variances (tails lighter than p_t's).
      let (mean, covariance) = Statistics.meanAndCovariance(points.flatMap { $0 }, dimension: 2)
      let variance = [0.5 * covariance[0], 0.5 * covariance[3]]
      func logQ(_ x: [Double]) -> Double {
        var total = 0.0
        for k in 0..<2 { total -= 0.5 * (x[k] - mean[k]) * (x[k] - mean[k]) / variance[k] + 0.5 * log(2 * Double.pi * variance[k]) }
        return total
      }
      let ratios = zip(starts, points).map { x0, x in exp(logQ(x) - geodesic.logDensity(start: x0, at: t)) }
      XCTAssertEqual(ratios.reduce(0, +) / Double(n), 1, accuracy: 0.05, "t = \(t)")
    }
  }

  /// The same particles at t = 0 and t = 1 (shuffled): the exact W2 assignment pairs each with its
  /// own image (the map is cyclically monotone), so the displacement interpolation at any fraction
  /// reproduces the geodesic's positions at that time exactly.
  func testDisplacementInterpolationOfTheEndsReproducesTheMiddle() {
    let d = 3, n = 150
    let geodesic = OTGeodesic(dimension: d)
    var g = SeededGenerator(seed: 11)
    let starts = (0..<n).map { _ in geodesic.start(&g) }
    var order = Array(0..<n)
    order.shuffle(using: &g)
    let ends = order.flatMap { geodesic.position(starts[$0], at: 1) }
    for t in [0.5, 0.25] {
      let interpolated = Assignment.displacementInterpolation(starts.flatMap { $0 }, ends, dimension: d, fraction: t)
      let exact = starts.flatMap { geodesic.position($0, at: t) }
      XCTAssertEqual(interpolated.count, exact.count)
      for (a, b) in zip(interpolated, exact) { XCTAssertEqual(a, b, accuracy: 1e-12, "t = \(t)") }
    }
    // The population's snapshots are fresh particles at each time, on the same law: the mean moves
    // along the geodesic (start mean to mapped mean) linearly in t.
    let data = PopulationProcess.geodesic.snapshots(dimension: d, times: [0, 0.5, 1], count: 4000, seed: 2)
    let means = data.snapshots.map { Statistics.moments($0, dimension: d).mean }
    for k in 0..<d { XCTAssertEqual(means[1][k], (means[0][k] + means[2][k]) / 2, accuracy: 0.08, "coordinate \(k)") }
    XCTAssertGreaterThan(means[2][0] - means[0][0], 2, "the population travels along x1")
  }

  /// The known transport cost is the squared W2 between the ends (Brenier): discrete OT between
  /// independent samples of the two laws agrees with it.
  func testTransportCostIsTheSquaredW2BetweenTheEnds() {
    for d in [2, 5] {
      let geodesic = OTGeodesic(dimension: d)
      let exact = geodesic.transportCost(count: 40_000, seed: 1)
      XCTAssertEqual(exact, geodesic.transportCost(count: 40_000, seed: 2), accuracy: 0.02 * exact, "D = \(d): Monte Carlo spread")
      let data = PopulationProcess.geodesic.snapshots(dimension: d, times: [0, 1], count: 500, seed: 3)
      let w2 = Assignment.wasserstein(data.snapshots[0], data.snapshots[1], dimension: d, p: 2)
      // The discrete estimate's own bias and spread grow with D (+1 to +6 % at 600 points in D = 5).
      XCTAssertEqual(w2 * w2, exact, accuracy: (d == 2 ? 0.05 : 0.1) * exact, "D = \(d): discrete OT \(w2 * w2), Brenier \(exact)")
    }
  }

  /// The snapshot CSV reads back to the same numbers, times and dimension.
  func testSnapshotCSVRoundTrips() throws {
    let data = PopulationProcess.geodesic.snapshots(dimension: 2, times: [0, 0.5, 1], count: 7, seed: 4)
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("geodesic-\(UUID().uuidString).csv")
    defer { try? FileManager.default.removeItem(at: file) }
    try data.csv().write(to: file, atomically: true, encoding: .utf8)
    let read = try SnapshotData.readCSV(path: file.path)
    XCTAssertEqual(read.times, [0, 0.5, 1])
    XCTAssertEqual(read.dimension, 2)
    XCTAssertEqual(read.snapshots, data.snapshots)
    XCTAssertEqual(dynamicalOTPopulationCSV(file.path, "geodesic", 2, 3, 7, 4), 21)
    XCTAssertEqual(try SnapshotData.readCSV(path: file.path).snapshots, data.snapshots, "population_csv writes what data=population trains on")
    XCTAssertTrue(dynamicalOTPopulationCSV(file.path, "bogus", 2, 3, 7, 4).isNaN)
  }
}
