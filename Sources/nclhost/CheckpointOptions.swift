// The trained model a command reads: a checkpoint written by `nclhost run`.
import ArgumentParser
import Foundation
import NCLHost

struct CheckpointOptions: ParsableArguments {
  @Option(help: "Checkpoint written by `nclhost run` (DIR/checkpoint.ncl).")
  var checkpoint = "out/checkpoint.ncl"

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
}
