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
        of the learned flow. Writes a checkpoint that `nclhost plot` and `nclhost sample` read.
        """)

    @Option(help: "Law at t = 0: \(ToyDistribution.allCases.map(\.rawValue).joined(separator: ", ")).")
    var source: ToyDistribution = .eightGaussians

    @Option(help: "Law at t = 1.")
    var target: ToyDistribution = .twoGaussians

    @Option(help: "Training steps.")
    var steps = 2000

    @Option(help: "Samples per marginal and kinetic points per step.")
    var batch = 256

    @Option(help: "Adam learning rate.")
    var learningRate = 2e-3

    @Option(help: "Weight of the kinetic-energy term.")
    var kineticWeight = 0.05

    @Option(help: "Random seed (initialization and data).")
    var seed: UInt64 = 0

    @Option(help: ArgumentHelp("Output directory for checkpoint.ncl, metrics.jsonl and config.json.", valueName: "dir"))
    var out = "demo-out"

    func validate() throws {
      guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
      guard batch >= 1 else { throw ValidationError("--batch must be at least 1, got \(batch)") }
      guard learningRate > 0 else { throw ValidationError("--learning-rate must be positive, got \(learningRate)") }
      guard kineticWeight >= 0 else { throw ValidationError("--kinetic-weight must be >= 0, got \(kineticWeight)") }
    }

    func run() throws {
      let objective = TransportObjective(source: source, target: target, batch: batch, kineticWeight: kineticWeight)
      let model = try NCLModel<Float>(configuration: TransportObjective.defaultModel, seed: seed)
      var configuration = TrainerConfiguration(steps: steps, learningRate: learningRate)
      configuration.seed = seed
      configuration.logEvery = max(steps / 10, 1)
      configuration.checkpointEvery = steps
      print("nclhost \(NCLVersion.string): \(source.rawValue) -> \(target.rawValue), \(steps) steps, batch \(batch) (BLAS core \(BLAS.coreName))")
      let trainer = try Trainer(
        model: model, objective: objective, configuration: configuration, outputDirectory: URL(fileURLWithPath: out),
        metadata: ["demo": "\(source.rawValue)->\(target.rawValue)"])
      let summary = try trainer.run()
      let e = summary.evaluation
      print(String(format: "held-out NLL at t=0: %.4f  at t=1: %.4f", e["nll0"] ?? .nan, e["nll1"] ?? .nan))
      print(String(format: "kinetic energy: %.4f   transport cost E|X1-X0|^2 (ODE): %.4f", e["kinetic"] ?? .nan, e["transport_cost"] ?? .nan))
      print(String(format: "trained in %.1f s; pictures: nclhost plot --checkpoint %@/checkpoint.ncl", summary.seconds, out))
    }
  }
}

extension ToyDistribution: ExpressibleByArgument {}
