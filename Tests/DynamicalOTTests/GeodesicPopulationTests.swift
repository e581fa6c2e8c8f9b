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
