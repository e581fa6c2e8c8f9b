// The trained model a command reads: a checkpoint written by `nclhost run`.
import ArgumentParser
import Foundation
import NCLHost

struct CheckpointOptions: ParsableArguments {
  @Option(help: "Checkpoint written by `nclhost run` (DIR/checkpoint.ncl).")
  var checkpoint = "out/checkpoint.ncl"

  func load() throws -> Checkpoint {
    try Checkpoint.read(from: URL(fileURLWithPath: checkpoint))
  }
}
