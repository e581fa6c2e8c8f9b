// The plugin's parameters resolved without a host: the defaults that depend on the data.
import XCTest
import NCLPluginKit
@testable import DynamicalOTCore

final class SettingsTests: XCTestCase {
  /// Settings from the declared defaults, with some values replaced (numbers as the host sends them).
  func settings(_ overrides: [String: String]) throws -> Settings {
    try Settings(ParameterValues(Settings.declarations, replacing: overrides))
  }

  /// With 3 or more snapshots the kinetic weight anneals geometrically from kinetic_weight to a
  /// fifth of it over the first two thirds of the run, then stays there; a pair keeps it constant,
  /// and kinetic_anneal_steps / kinetic_weight_final override the span and the end.
  func testKineticWeightAnnealsWithSnapshots() throws {
    let snapshots = try settings(["data": "population", "population": "geodesic", "population_size": "80"])
    func weight(_ s: Settings, at step: Int) -> Double { s.kineticWeight(at: StepInfo(step: step, totalSteps: 600)) }
    XCTAssertEqual(weight(snapshots, at: 1), 0.05, accuracy: 1e-15)
    XCTAssertEqual(weight(snapshots, at: 201), 0.05 * 0.2.squareRoot(), accuracy: 1e-12, "geometric: halfway in log")
    XCTAssertEqual(weight(snapshots, at: 401), 0.01, accuracy: 1e-12)
    XCTAssertEqual(weight(snapshots, at: 600), 0.01, accuracy: 1e-12)
    XCTAssertEqual(snapshots.accelerationWeight, 0.32 * 0.05 * 0.25 * 0.25, accuracy: 1e-15, "from the starting weight")
    XCTAssertEqual(snapshots.kineticWeight(at: StepInfo(step: 500, totalSteps: 0)), 0.05, "the run's length unknown: no annealing")

    let pair = try settings(["source": "gaussian", "target": "gaussian"])
    XCTAssertEqual(weight(pair, at: 1), 0.05)
    XCTAssertEqual(weight(pair, at: 600), 0.05, "two marginals: no annealing")

    let explicit = try settings(["data": "population", "population_size": "80", "kinetic_weight_final": "0.02",
                                 "kinetic_anneal_steps": "100"])
    XCTAssertEqual(weight(explicit, at: 101), 0.02, accuracy: 1e-12)
    let constant = try settings(["data": "population", "population_size": "80", "kinetic_weight_final": "0.05"])
    XCTAssertEqual(weight(constant, at: 600), 0.05, "final = start: annealing off")
  }

  /// batch=-1: 512 with 3 or more snapshots, 256 for a pair; an explicit batch is itself, and one
  /// under 8 is refused by name.
  func testBatchDefaultsWithSnapshots() throws {
    XCTAssertEqual(try settings(["data": "population", "population_size": "80"]).batch, 512)
    XCTAssertEqual(try settings([:]).batch, 256)
    XCTAssertEqual(try settings(["data": "population", "population_size": "80", "batch": "64"]).batch, 64)
    XCTAssertThrowsError(try settings(["batch": "4"])) { error in
      XCTAssertTrue("\(error)".contains("batch=4: give at least 8, or -1 for the default"), "\(error)")
    }
  }
}
