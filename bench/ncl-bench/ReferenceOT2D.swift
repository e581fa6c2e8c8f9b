// ref-ot2d: one dynamical-OT training step of the reference 2-D model, timed per batch size.
import Foundation
import NCLHost

/// The step of issue "ref-ot2d", identical to bench/reference/ref_ot2d.py:
/// NLL of B samples of 8 gaussians at t=0 and of B samples of a 2-gaussian mixture at t=1, plus
/// the kinetic term mean(0.5 |u|^2 rho / q) at B points t ~ U[0,1], x ~ U[-4,4]^2 (q = 1/64);
/// backward; one Adam step. D=2, K=16, MADE 3 x 128 SiLU, 4 time frequencies, telescoping tau=1, g=0.
enum ReferenceOT2D {
  static func configuration() -> ModelConfiguration {
    var c = ModelConfiguration(dimension: 2)
    c.components = 16
    c.hiddenSizes = [128, 128, 128]
    c.activation = .silu
    c.timeFrequencies = 4
    c.flux = .telescoping(tau: 1)
    return c
  }

  static func step(_ model: inout NCLModel<Float>, _ adam: inout Adam<Float>, batch: Int, _ g: inout SeededGenerator) -> Float {
    let x0: Tensor<Float> = ToyDistribution.eightGaussians.sample(batch, using: &g)
    let x1: Tensor<Float> = ToyDistribution.twoGaussians.sample(batch, using: &g)
    return TransportLoss(kineticWeight: 1).trainingStep(&model, &adam, x0: x0, x1: x1, batch: batch, using: &g).loss.scalar
  }

  /// `NCL_BENCH_BATCH` runs one batch size only (for profiling).
  static func run(quick: Bool) {
    print("ref-ot2d: D=2, K=16, MADE 3x128 SiLU, 4 time frequencies, telescoping tau=1, g=0, Float32, 2 BLAS threads")
    print("  batch   ms/step   (median; NLL at t=0 and t=1 + kinetic term + backward + Adam)")
    let only = ProcessInfo.processInfo.environment["NCL_BENCH_BATCH"].flatMap { Int($0) }
    for batch in only.map({ [$0] }) ?? (quick ? [256] : [256, 1024, 4096]) {
      var model = try! NCLModel<Float>(configuration: configuration(), seed: 0)
      var adam = Adam<Float>(learningRate: 1e-3)
      var g = SeededGenerator(seed: 1)
      let ms = measure(minimumSeconds: quick ? 0.5 : 2) { _ = step(&model, &adam, batch: batch, &g) }
      print("  \(pad("\(batch)", 5))   \(pad(String(format: "%.2f", ms), 7))")
    }
  }
}
