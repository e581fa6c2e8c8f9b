// A training run's output folder: the files it holds, and whether a run may start there.
import Foundation

/// The output folder of a training run: `checkpoint.ncl`, `metrics.jsonl` and `config.json`
/// (written by `Trainer`).
///
/// A folder that holds a run (a checkpoint or a metrics log) is only written to on purpose:
/// `.resume` continues the run from its checkpoint, `.overwrite` replaces it, and `.new` refuses,
/// so that reusing an output folder by mistake never destroys a finished run.
public struct RunDirectory: Equatable, Sendable {
  /// How a run starts in the folder.
  public enum Start: String, CaseIterable, Sendable {
    /// A new run in a folder that holds none (it may hold other files).
    case new
    /// A new run that replaces the run the folder holds, if any.
    case overwrite
    /// The run the folder holds, continued from its checkpoint.
    case resume
  }

  /// The files whose presence means the folder holds a run.
  public static let runFiles = ["checkpoint.ncl", "metrics.jsonl"]

  public let url: URL

  public init(_ url: URL) {
    self.url = url
  }

  public var checkpointURL: URL { url.appendingPathComponent("checkpoint.ncl") }
  public var metricsURL: URL { url.appendingPathComponent("metrics.jsonl") }
  public var configurationURL: URL { url.appendingPathComponent("config.json") }

  /// The files of `runFiles` the folder holds (empty: it holds no run).
  public var existingRunFiles: [String] {
    Self.runFiles.filter { FileManager.default.fileExists(atPath: url.appendingPathComponent($0).path) }
  }

  /// Checks that a run may start here as `start` says, and for `.resume` reads the checkpoint it
  /// continues from (nil otherwise). Throws `TrainingError.runExists` for `.new` in a folder that
  /// holds a run, `TrainingError.noCheckpoint` for `.resume` in one without a checkpoint.
  @discardableResult
  public func prepare(_ start: Start) throws -> Checkpoint? {
    switch start {
    case .new:
      let files = existingRunFiles
      guard files.isEmpty else { throw TrainingError.runExists(path: url.path, files: files) }
      return nil
    case .overwrite:
      return nil
    case .resume:
      guard FileManager.default.fileExists(atPath: checkpointURL.path) else {
        throw TrainingError.noCheckpoint(path: checkpointURL.path)
      }
      return try Checkpoint.read(from: checkpointURL)
    }
  }
}
