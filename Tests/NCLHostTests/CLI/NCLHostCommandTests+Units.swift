// nclhost sample and fields speak the plugin's units: its horizon and its data map.
import XCTest
import Foundation
import NCLHost
import _NCLTestSupport

extension NCLHostCommandTests {
  /// Trains the ABI 1.2 fixture (horizon [0, 10], shift (5, -2), scale (2, 0.25)) for a few steps.
  func trainFeatures() throws -> String {
    let library = try PluginFixtures.library("Tests/Fixtures/plugins/features_1_2.c", name: "features_1_2", subdirectory: "cli-units")
    let out = scratch()
    let result = try nclhost(["run", "Features12", "--steps", "3", "--out", out.path, "--plugin-path", library.deletingLastPathComponent().path])
    result.assertExit(0)
    XCTAssertTrue(result.stdout.contains("Features12 1.2.0, D=2, batch 64,"), "the banner shows the advisory batch size: \(result.stdout)")
    return out.appendingPathComponent("checkpoint.ncl").path
  }

  func rows(_ url: URL) throws -> [[Double]] {
    try lines(url).dropFirst().map { $0.split(separator: ",").map { Double($0)! } }
  }

  func testSampleAndFieldsSpeakThePluginsUnits() throws {
    let checkpoint = try trainFeatures()
    let folder = scratch()
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let data = folder.appendingPathComponent("data.csv")

    // Default time: the horizon's end, in the plugin's time; points in data units.
    try nclhost(["sample", "--checkpoint", checkpoint, "--count", "400", "--output", data.path]).assertExit(0)
    let samples = try rows(data)
    XCTAssertEqual(samples.count, 400)
    XCTAssertTrue(samples.allSatisfy { $0[0] == 10 })
    let mean1 = samples.map { $0[1] }.reduce(0, +) / 400, mean2 = samples.map { $0[2] }.reduce(0, +) / 400
    XCTAssertEqual(mean1, 5, accuracy: 4, "x1 around the data map's shift 5, at its scale 2")
    XCTAssertEqual(mean2, -2, accuracy: 0.5, "x2 around the shift -2, at its scale 0.25")

    // Outside the horizon: an error that names it.
    let outside = try nclhost(["sample", "--checkpoint", checkpoint, "--time", "11", "--output", data.path])
    XCTAssertNotEqual(outside.status, 0)
    XCTAssertTrue(outside.stderr.contains("--time 11.0 lies outside the time horizon [0.0, 10.0]"), outside.summary)

    // The same points in model units: log rho_data = log rho_model - log 2 - log 0.25.
    let model = folder.appendingPathComponent("model.csv")
    let mapped = samples.map { [1, ($0[1] - 5) / 2, ($0[2] + 2) / 0.25] }
    try (["t,x1,x2"] + mapped.map { $0.map { "\($0)" }.joined(separator: ",") }).joined(separator: "\n").write(to: model, atomically: true, encoding: .utf8)
    let dataFields = folder.appendingPathComponent("fd.csv"), modelFields = folder.appendingPathComponent("fm.csv")
    try nclhost(["fields", "--checkpoint", checkpoint, "--input", data.path, "--only", "log_density,score", "--output", dataFields.path]).assertExit(0)
    try nclhost(["fields", "--checkpoint", checkpoint, "--model-units", "--input", model.path, "--only", "log_density,score",
                 "--output", modelFields.path]).assertExit(0)
    let inData = try rows(dataFields), inModel = try rows(modelFields)
    XCTAssertEqual(inData.count, 400)
    for (a, b) in zip(inData, inModel) {
      XCTAssertEqual(a[3], b[3] - log(2) - log(0.25), accuracy: 1e-3 * max(1, abs(a[3])))
      XCTAssertEqual(a[4], b[4] / 2, accuracy: 1e-3 * max(1, abs(a[4])), "score_1 in data units")
      XCTAssertEqual(a[5], b[5] / 0.25, accuracy: 1e-3 * max(1, abs(a[5])), "score_2 in data units")
    }
    // A row outside the horizon is named.
    try "t,x1,x2\n3,5,-2\n12,5,-2\n".write(to: data, atomically: true, encoding: .utf8)
    let bad = try nclhost(["fields", "--checkpoint", checkpoint, "--input", data.path])
    XCTAssertNotEqual(bad.status, 0)
    XCTAssertTrue(bad.stderr.contains("row 2: t 12.0 lies outside the time horizon [0.0, 10.0]"), bad.summary)
  }

  func testModelUnitsSampleTakesModelTime() throws {
    let checkpoint = try trainFeatures()
    let out = scratch()
    try nclhost(["sample", "--checkpoint", checkpoint, "--model-units", "--time", "0.5", "--count", "10", "--output", out.path]).assertExit(0)
    XCTAssertTrue(try rows(out).allSatisfy { $0[0] == 0.5 })
    let outside = try nclhost(["sample", "--checkpoint", checkpoint, "--model-units", "--time", "5", "--output", out.path])
    XCTAssertTrue(outside.stderr.contains("lies outside the time horizon [0.0, 1.0]"), outside.summary)
  }

  /// Each sample's log-density from the sampling pass equals the density `fields` computes there.
  func testSampleWithLogDensityMatchesFields() throws {
    let checkpoint = try trainFeatures()
    let folder = scratch()
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let samples = folder.appendingPathComponent("s.csv"), points = folder.appendingPathComponent("p.csv")
    let fields = folder.appendingPathComponent("f.csv")
    try nclhost(["sample", "--checkpoint", checkpoint, "--time", "4", "--count", "300", "--log-density", "--output", samples.path]).assertExit(0)
    let rows = try rows(samples)
    XCTAssertEqual(try lines(samples).first, "t,x1,x2,log_density")
    try (["t,x1,x2"] + rows.map { $0[0..<3].map { "\($0)" }.joined(separator: ",") }).joined(separator: "\n")
      .write(to: points, atomically: true, encoding: .utf8)
    try nclhost(["fields", "--checkpoint", checkpoint, "--input", points.path, "--only", "log_density", "--output", fields.path]).assertExit(0)
    for (a, b) in zip(rows, try self.rows(fields)) { XCTAssertEqual(a[3], b[3], accuracy: 1e-4 * max(1, abs(b[3]))) }
  }
}
