// Output folders of runs: a new run never replaces one by accident; resuming checks what trained it.
import Foundation
import XCTest
@testable import NCLHost

final class RunDirectoryTests: XCTestCase {
  func message(_ body: () throws -> Any?) -> String {
    do {
      _ = try body()
      return "no error"
    } catch {
      return "\(error)"
    }
  }

  func testANewRunIsRefusedWhereARunIsUnlessOverwrittenOrResumed() throws {
    let url = TrainTestSupport.temporaryDirectory(self)
    let directory = RunDirectory(url)
    XCTAssertEqual(directory.existingRunFiles, [])
    XCTAssertNil(try directory.prepare(.new), "an empty folder takes a new run")
    try Data("{}".utf8).write(to: directory.configurationURL)
    XCTAssertNil(try directory.prepare(.new), "config.json alone is not a run")
    XCTAssertNil(try RunDirectory(url.appendingPathComponent("not/made/yet")).prepare(.new))

    var configuration = TrainerConfiguration(steps: 3, learningRate: 1e-2)
    configuration.checkpointEvery = 3
    let trainer = try Trainer(
      model: TrainTestSupport.model(), objective: TinyObjective(), configuration: configuration, outputDirectory: url,
      metadata: ["plugin": "tiny"], progress: ProgressReporter(mode: .plain, sink: { _ in }))
    XCTAssertEqual(trainer.checkpointURL, directory.checkpointURL)
    XCTAssertEqual(trainer.metricsURL, directory.metricsURL)
    _ = try trainer.run()
    XCTAssertEqual(directory.existingRunFiles, ["checkpoint.ncl", "metrics.jsonl"])
    XCTAssertThrowsError(try directory.prepare(.new)) { error in
      XCTAssertEqual(error as? TrainingError, .runExists(path: url.path, files: ["checkpoint.ncl", "metrics.jsonl"]))
      XCTAssertEqual("\(error)", "\(url.path) already holds a run (checkpoint.ncl, metrics.jsonl): --resume continues it, "
        + "--overwrite replaces it with a new one; or choose another output folder")
    }
    XCTAssertNil(try directory.prepare(.overwrite))
    let checkpoint = try XCTUnwrap(directory.prepare(.resume))
    XCTAssertEqual(checkpoint.step, 3)
    XCTAssertEqual(checkpoint.metadata["plugin"], "tiny")
  }

  /// An interrupted run before its first checkpoint leaves only metrics: still a run, not resumable.
  func testMetricsAloneAreARunWithoutACheckpoint() throws {
    let url = TrainTestSupport.temporaryDirectory(self)
    let directory = RunDirectory(url)
    try Data().write(to: directory.metricsURL)
    XCTAssertEqual(directory.existingRunFiles, ["metrics.jsonl"])
    XCTAssertTrue(message { try directory.prepare(.new) }.hasPrefix("\(url.path) already holds a run (metrics.jsonl):"))
    XCTAssertEqual(message { try directory.prepare(.resume) },
                   "cannot resume: there is no checkpoint at \(directory.checkpointURL.path) (start without --resume)")
  }

  func testMetadataNamesWhatTrainedTheRun() {
    let plugin = RunMetadata(["plugin": "Fixture", "plugin.version": "0.0.1", "param.scale": "1", "param.mode": "ok"])
    XCTAssertEqual(plugin.objective, .plugin("Fixture"))
    XCTAssertEqual(plugin.plugin, "Fixture")
    XCTAssertEqual(plugin.parameters, ["scale": "1", "mode": "ok"])
    let demo = RunMetadata(RunMetadata.make(demo: "8gaussians->2gaussians", parameters: ["batch": "256"]))
    XCTAssertEqual(demo.objective, .demo)
    XCTAssertNil(demo.plugin)
    XCTAssertEqual(demo.parameters, ["batch": "256"])
    XCTAssertNil(RunMetadata([:]).objective)
  }

  func testResumingChecksTheObjectiveAndTheSettingsGivenAgain() throws {
    let saved = RunMetadata(["plugin": "Fixture", "param.scale": "1", "param.mode": "ok"])
    let path = "/runs/a/checkpoint.ncl"
    func setting(_ key: String, _ value: String) -> RunMetadata.Setting {
      RunMetadata.Setting(key: key, value: value, spelled: "--set \(key)=\(value)")
    }
    XCTAssertEqual(try saved.resumedParameters(for: .plugin("Fixture"), settings: [], checkpoint: path), ["scale": "1", "mode": "ok"])
    XCTAssertEqual(try saved.resumedParameters(for: .plugin("Fixture"), settings: [setting("scale", "1")], checkpoint: path),
                   ["scale": "1", "mode": "ok"])
    XCTAssertEqual(message { try saved.resumedParameters(for: .plugin("Fixture"), settings: [setting("scale", "2")], checkpoint: path) },
                   "--set scale=2 differs from the checkpoint's scale=1; resume with the same parameters")
    XCTAssertEqual(message { try saved.resumedParameters(for: .plugin("Fixture"), settings: [setting("data", "x")], checkpoint: path) },
                   "--set data=x differs from the checkpoint's data=(default); resume with the same parameters")
    XCTAssertEqual(message { try saved.resumedParameters(for: .plugin("Other"), settings: [], checkpoint: path) },
                   "/runs/a/checkpoint.ncl was trained with plugin 'Fixture', not plugin 'Other'")
    XCTAssertEqual(message { try saved.resumedParameters(for: .demo, settings: [], checkpoint: path) },
                   "/runs/a/checkpoint.ncl was trained with plugin 'Fixture', not the demo")
    XCTAssertEqual(message { try RunMetadata([:]).resumedParameters(for: .demo, settings: [], checkpoint: path) },
                   "/runs/a/checkpoint.ncl was trained with an unknown objective, not the demo")
  }
}
