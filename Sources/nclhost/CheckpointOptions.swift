// The trained model a command reads: a checkpoint written by `nclhost run`.
import ArgumentParser
import Foundation
import NCLHost

struct CheckpointOptions: ParsableArguments {
  @Option(help: "Checkpoint written by `nclhost run` (DIR/checkpoint.ncl).")
  var checkpoint = "out/checkpoint.ncl"

  @Flag(help: "Read and write times in the model's [0, 1] and points in its standardized coordinates, instead of the plugin's units (its horizon and data map).")
  var modelUnits = false

  func load() throws -> Checkpoint {
    try Checkpoint.read(from: URL(fileURLWithPath: checkpoint))
  }

  /// The units a command speaks for `checkpoint`: the plugin's, or the model's with --model-units.
  func units(of checkpoint: Checkpoint) -> ProblemUnits {
    modelUnits ? .model : checkpoint.units
  }
}
