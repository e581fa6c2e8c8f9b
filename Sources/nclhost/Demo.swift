// `nclhost demo`: the built-in default problem.
import ArgumentParser
import Foundation
import NCLHost

extension NCLHostCommand {
  struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Learn the least-action flow between two 2-D toy laws (the built-in default problem).",
      discussion: "Trains the NCL model (exact density, telescoping flux) on 8 gaussians at t=0 and 2 gaussians at t=1 with the kinetic-energy loss, then reports held-out likelihoods and the transport cost of the learned flow.")

    @Option(help: "Law at t = 0: \(ToyDistribution.allCases.map(\.rawValue).joined(separator: ", ")).")
    var source: ToyDistribution = .eightGaussians

    @Option(help: "Law at t = 1.")
    var target: ToyDistribution = .twoGaussians

    @Option(help: "Training steps.")
    var steps = 2000

    @Option(help: "Samples per marginal and kinetic points per step.")
    var batch = 256

    @Option(help: "Adam learning rate.")
    var learningRate: Float = 2e-3

    @Option(help: "Weight of the kinetic-energy term.")
    var kineticWeight: Float = 0.05

    @Option(help: "Random seed (initialization and data).")
    var seed: UInt64 = 0

    func validate() throws {
      guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
      guard batch >= 1 else { throw ValidationError("--batch must be at least 1, got \(batch)") }
      guard learningRate > 0 else { throw ValidationError("--learning-rate must be positive, got \(learningRate)") }
      guard kineticWeight >= 0 else { throw ValidationError("--kinetic-weight must be >= 0, got \(kineticWeight)") }
    }

    func run() throws {
      var demo = TransportDemo()
      demo.source = source
      demo.target = target
      demo.steps = steps
      demo.batch = batch
      demo.learningRate = learningRate
      demo.seed = seed
      demo.kineticWeight = kineticWeight
      print("nclhost \(NCLVersion.string): \(source.rawValue) -> \(target.rawValue), \(steps) steps, batch \(batch) (BLAS core \(BLAS.coreName))")
      let report = try demo.run { print($0) }
      print(String(format: "held-out NLL at t=0: %.4f  at t=1: %.4f", report.negativeLogLikelihood0, report.negativeLogLikelihood1))
      print(String(format: "kinetic energy: %.4f   transport cost E|X1-X0|^2 (ODE): %.4f", report.kinetic, report.transportCost))
      print(String(format: "trained in %.1f s", report.seconds))
    }
  }
}

extension ToyDistribution: ExpressibleByArgument {}
