// `nclhost demo`: the built-in default problem.
import ArgumentParser
import Foundation
import NCLHost

extension NCLHostCommand {
  struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Learn the least-action flow between two 2-D toy laws (the built-in default problem).",
      discussion: """
        Trains the NCL model (exact density, telescoping flux) on 8 gaussians at t=0 and 2 gaussians \
        at t=1 with the kinetic-energy loss, then reports held-out likelihoods and the transport cost \
        of the learned flow. Writes a checkpoint that `nclhost plot` and `nclhost sample` read. A DIR \
        that already holds a run is refused unless --resume continues it or --overwrite replaces it.
        """)

    @Option(help: "Law at t = 0.")
    var source: ToyDistribution = .eightGaussians

    @Option(help: "Law at t = 1.")
    var target: ToyDistribution = .twoGaussians

    @Option(help: "Samples per marginal and kinetic points per step.")
    var batch = 256

    @Option(help: "Weight of the kinetic-energy term.")
    var kineticWeight = 0.05

    @OptionGroup var training: TrainingOptions<DemoDefaults>

    func validate() throws {
      guard batch >= 1 else { throw ValidationError("--batch must be at least 1, got \(batch)") }
      guard kineticWeight >= 0 else { throw ValidationError("--kinetic-weight must be >= 0, got \(kineticWeight)") }
    }

    /// The demo's parameters as stored in the checkpoint, each with the option that sets it.
    var settings: [RunMetadata.Setting] {
      [("source", source.rawValue), ("target", target.rawValue), ("batch", "\(batch)"), ("kinetic_weight", "\(kineticWeight)")].map {
        RunMetadata.Setting(key: $0.0, value: $0.1, spelled: "--\($0.0.replacingOccurrences(of: "_", with: "-")) \($0.1)")
      }
    }

    func run() throws {
      let directory = training.directory
      if let checkpoint = try directory.prepare(training.start) {
        _ = try RunMetadata(checkpoint.metadata).resumedParameters(for: .demo, settings: settings, checkpoint: directory.checkpointURL.path)
      }
      let objective = TransportObjective(source: source, target: target, batch: batch, kineticWeight: kineticWeight)
      let model = try NCLModel<Float>(configuration: TransportObjective.defaultModel, seed: training.seed)
      print("nclhost \(NCLVersion.string): \(source.rawValue) -> \(target.rawValue), \(training.trainerConfiguration().steps) steps, batch \(batch) (BLAS core \(BLAS.coreName))")
      let metadata = RunMetadata.make(
        demo: "\(source.rawValue)->\(target.rawValue)", parameters: Dictionary(uniqueKeysWithValues: settings.map { ($0.key, $0.value) }))
      let summary = try training.train(model: model, objective: objective, metadata: metadata)
      let e = summary.evaluation
      if e.isEmpty {
        print("nothing to train: the run in \(directory.url.path) is already at step \(summary.step) of \(summary.totalSteps)")
        return
      }
      print(String(format: "held-out NLL at t=0: %.4f  at t=1: %.4f", e["nll0"] ?? .nan, e["nll1"] ?? .nan))
      print(String(format: "kinetic energy: %.4f   transport cost E|X1-X0|^2 (ODE): %.4f", e["kinetic"] ?? .nan, e["transport_cost"] ?? .nan))
      print(String(format: "trained in %.1f s; pictures: nclhost plot --checkpoint %@/checkpoint.ncl", summary.seconds, training.out))
    }
  }
}

/// `nclhost demo`'s training defaults.
enum DemoDefaults: TrainingDefaults {
  static let out = "demo-out"
  static let steps = 2000
  static let suggestedBy: String? = nil
  static let learningRate = 2e-3
  static let logEvery = 200
}

extension ToyDistribution: ExpressibleByArgument {}
