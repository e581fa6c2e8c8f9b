// dot-scaling: one DynamicalOT training step against the dimension, per flux, with and without the
// divergence-free term: the plugin loaded through the real loader, as nclhost runs it.
import Foundation
import NCLHost

/// Step time of `nclhost run DynamicalOT` on the Gaussian pair N(-1, 0.25 I) -> N(1, I) in D
/// dimensions: the plugin's loss (NLL of both marginals + the kinetic term at exact samples, score
/// estimator, batch 256, medium model: 8 components, MADE 2 x 64 SiLU), its gradient and one Adam
/// step. `NCL_BENCH_DIMENSIONS=2,8,32` picks the dimensions, `NCL_BENCH_ESTIMATOR` the estimator.
enum DynamicalOTScaling {
  static func run(quick: Bool) {
    let environment = ProcessInfo.processInfo.environment
    let dimensions = environment["NCL_BENCH_DIMENSIONS"].map { $0.split(separator: ",").compactMap { Int($0) } }
      ?? (quick ? [2, 8] : [2, 4, 8, 16, 32, 64])
    let estimator = environment["NCL_BENCH_ESTIMATOR"] ?? "score"
    let library: PluginLibrary
    do {
      library = try PluginRegistry(directories: PluginDiscovery.searchDirectories()).plugin(named: "DynamicalOT")
    } catch {
      print("dot-scaling: DynamicalOT not found (\(error)); build it with `swift build -c release --product DynamicalOT`")
      return
    }
    print("dot-scaling: DynamicalOT gaussian pair, estimator \(estimator), batch 256, medium model; ms per training step (median)")
    let variants = [("knothe-rosenblatt", true), ("knothe-rosenblatt", false), ("telescoping", true), ("telescoping", false)]
    print("      D" + variants.map { pad("\($0.0 == "telescoping" ? "tele" : "KR")\($0.1 ? "+divfree" : "")", 14) }.joined())
    for d in dimensions {
      var cells: [String] = []
      for (flux, divergenceFree) in variants {
        do {
          let values = try library.descriptor.resolve([
            ("source", "gaussian"), ("target", "gaussian"), ("dimension", "\(d)"), ("flux", flux),
            ("divergence_free", "\(divergenceFree)"), ("estimator", estimator)])
          let objective = try PluginObjective(library: library, values: values)
          var model = try NCLModel<Float>(configuration: objective.problem.model, seed: 0)
          var adam = Adam<Float>(learningRate: 1e-3)
          var g = SeededGenerator(seed: 1)
          var step = 0
          let ms = measure(minimumSeconds: quick ? 0.3 : 1, warmup: 1) {
            step += 1
            let (loss, _) = try! objective.loss(model: model, step: step, generator: &g)
            model.parameters = adam.step(model.parameters, gradients: gradient(of: [loss], wrt: model.parameters))
          }
          cells.append(pad(String(format: "%.1f", ms), 14))
        } catch {
          cells.append(pad("error", 14))
          print("  D = \(d), \(flux): \(error)")
        }
      }
      print("  \(pad("\(d)", 5))" + cells.joined())
    }
  }
}
