// `nclhost plot`: PNG pictures of a trained model.
import ArgumentParser
import Foundation
import NCLHost

extension NCLHostCommand {
  struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write PNG pictures of a trained model: the density over time, the velocity or flux field, and SDE paths.",
      discussion: """
        Writes DIR/density.png (a row of heatmaps of rho_t for D = 2; the density curve for D = 1; \
        marginals of x1 and x2 otherwise), DIR/velocity.png or DIR/flux.png (arrows over the density at \
        --time, scaled by the rho-weighted 90th percentile of their length), DIR/drift.png for --noise g > 0 \
        (the drift j/rho + g^2/2 grad log rho of the SDE with noise g: the control) and DIR/trajectories.png \
        (paths from exact t = 0 samples, colored by time).
        """)

    @OptionGroup var source: CheckpointOptions

    @Option(help: ArgumentHelp("Directory for the PNG files.", valueName: "dir"))
    var output = "plots"

    @Option(help: "Times of the density panels (comma-separated).")
    var times = "0,0.25,0.5,0.75,1"

    @Option(help: "Time of the vector-field picture.")
    var time = 0.5

    @Option(help: "Field to draw: velocity (j / rho), flux (j) or drift (j / rho + g^2/2 score for --noise g).")
    var field: Plots.Field = .velocity

    @Option(help: "Half-width of the square shown, [-extent, extent]^2.")
    var extent = 4.0

    @Option(help: "Number of sample paths.")
    var paths = 200

    @Option(help: "Constant noise g of the paths (0: the probability-flow ODE); for g > 0 also drift.png, the drift for g.")
    var noise = 0.0

    @Option(help: "Seed of sampling.")
    var seed: UInt64 = 0

    func validate() throws {
      guard extent > 0, extent.isFinite else { throw ValidationError("--extent must be positive, got \(extent)") }
      guard noise >= 0, noise.isFinite else { throw ValidationError("--noise must be >= 0, got \(noise)") }
      guard paths >= 1 else { throw ValidationError("--paths must be at least 1, got \(paths)") }
      _ = try panelTimes()
    }

    func panelTimes() throws -> [Double] {
      let values = times.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
      guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else { throw ValidationError("--times must be numbers separated by commas, got '\(times)'") }
      return values.map { $0! }
    }

    func run() throws {
      let model = try source.load().makeModel()
      let directory = URL(fileURLWithPath: output)
      let range = -extent...extent
      let density = directory.appendingPathComponent("density.png")
      let vectors = directory.appendingPathComponent("\(field.rawValue).png")
      let trajectories = directory.appendingPathComponent("trajectories.png")
      try Plots.densityRow(model: model, times: try panelTimes(), range: range, seed: seed, to: density)
      try Plots.vectorField(model: model, time: time, field: field, noise: .constant(noise), range: range, to: vectors)
      var written = [density, vectors]
      if noise > 0 && field != .drift {
        let drift = directory.appendingPathComponent("drift.png")
        try Plots.vectorField(model: model, time: time, field: .drift, noise: .constant(noise), range: range, to: drift)
        written.append(drift)
      }
      let summary = try Plots.trajectories(model: model, count: paths, noise: .constant(noise), range: range, seed: seed, to: trajectories)
      for url in written + [trajectories] { print("wrote \(url.path)") }
      if summary.diverged > 0 {
        print("note: \(summary.diverged) of \(summary.paths) paths diverged (a state not finite or far outside the window); they are drawn while finite")
      }
    }
  }
}

extension Plots.Field: ExpressibleByArgument {}
