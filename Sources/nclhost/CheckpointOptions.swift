// The trained model a command reads: a checkpoint written by `nclhost run`.
import ArgumentParser
import Foundation
import NCLHost

struct CheckpointOptions: ParsableArguments {
  @Option(help: "Checkpoint written by `nclhost run` (DIR/checkpoint.ncl).")
  var checkpoint = "out/checkpoint.ncl"

  @Flag(help: "Read and write times in the model's [0, 1] and points in its standardized coordinates, instead of the plugin's units (its horizon and data map).")
  var modelUnits = false

  /// Reads the checkpoint; a path that names no file, or a run's folder, gets a message saying
  /// what to pass instead.
  func load() throws -> Checkpoint {
    let url = URL(fileURLWithPath: checkpoint)
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
      throw NCLError.invalidArgument("""
        no checkpoint at \(url.path): `nclhost run PLUGIN --out DIR` and `nclhost demo --out DIR` write \
        DIR/checkpoint.ncl; pass its path with --checkpoint
        """)
    }
    if isDirectory.boolValue {
      let inside = url.appendingPathComponent("checkpoint.ncl").path
      throw NCLError.invalidArgument("--checkpoint \(checkpoint) is a directory; pass the checkpoint file" +
        (FileManager.default.fileExists(atPath: inside) ? " (--checkpoint \(inside))" : ""))
    }
    return try Checkpoint.read(from: url)
  }

  /// The units a command speaks for `checkpoint`: the plugin's, or the model's with --model-units.
  func units(of checkpoint: Checkpoint) -> ProblemUnits {
    modelUnits ? .model : checkpoint.units
  }
}
