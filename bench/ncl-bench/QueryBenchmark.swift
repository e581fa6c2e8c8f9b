// query: how fast a trained model answers questions (log-density, every field, exact samples),
// next to how many points per second a training step of the same model processes.
import Foundation
import NCLHost

/// For D = 2 and the default model (`ModelConfiguration(dimension: 2)`: K = 16, MADE 3 x 128 SiLU,
/// 4 time frequencies, telescoping flux tau = 1), on constant (detached) parameters, per batch of
/// B points at per-point times t ~ U[0, 1], x ~ N(0, I):
/// - log-density evaluations per second (`NCLModel.logDensity`, no tape), and the same at one
///   time shared by the batch (t = 0.5, as a likelihood at a fixed time or a density picture);
/// - all fields per second (`fields(differentiable: false)`: log-density, score, velocity, drift
///   for g = 0.5, flux; what `nclhost fields` computes);
/// - exact samples per second (`sample(at: 0.5, count: B)`, what `nclhost sample` draws);
/// - the training step's points per second: the ref-ot2d step at the same B, which evaluates
///   3B points (B log-densities at t = 0, B at t = 1, B kinetic points with their fields) and
///   differentiates through them.
/// `NCL_BENCH_BATCH` runs one batch size only; `NCL_BENCH_QUERY=log-density|fields|samples|step`
/// one measurement only, the others print as "-" (for profiling).
enum QueryBenchmark {
  static func run(quick: Bool) {
    let configuration = ModelConfiguration(dimension: 2)
    print("query: D=2, default model (K=\(configuration.components), MADE \(configuration.hiddenSizes.count)x\(configuration.hiddenSizes[0]) "
          + "\(configuration.activation), \(configuration.timeFrequencies) time frequencies, telescoping tau=1), Float32, "
          + "\(BLAS.threadCount) cores")
    print("  points per second (median); training step: ref-ot2d at the same B, 3B points per step")
    print("    batch   log-density  log-density, one t   all fields   exact samples   training step")
    let only = ProcessInfo.processInfo.environment["NCL_BENCH_BATCH"].flatMap { Int($0) }
    for batch in only.map({ [$0] }) ?? (quick ? [4096] : [1024, 4096, 16384, 65536]) {
      let trained = try! NCLModel<Float>(configuration: configuration, seed: 0)
      let model = trained.detached()
      var g = SeededGenerator(seed: 1)
      let t = Tensor<Float>.randomUniform([batch, 1], using: &g)
      let x = Tensor<Float>.randomNormal([batch, 2], using: &g)
      let half = Tensor<Float>(0.5)
      let seconds = quick ? 0.3 : 1.0

      let selected = ProcessInfo.processInfo.environment["NCL_BENCH_QUERY"]
      func timed(_ name: String, _ body: () -> Void) -> Double? {
        selected == nil || selected == name ? measure(minimumSeconds: seconds, body) : nil
      }
      let logDensity = timed("log-density") { withoutGradient { _ = model.logDensity(t: t, x: x) } }
      let logDensityOneTime = timed("log-density") { withoutGradient { _ = model.logDensity(t: half, x: x) } }
      let fields = timed("fields") {
        let f = model.fields(t: t, x: x, differentiable: false)
        _ = (f.logDensity, f.score, f.velocity, f.drift(noise: .constant(0.5)), f.flux)
      }
      var sampler = SeededGenerator(seed: 2)
      let samples = timed("samples") { _ = model.sample(at: 0.5, count: batch, using: &sampler) }

      var training = trained
      var adam = Adam<Float>(learningRate: 1e-3)
      let step = timed("step") { _ = ReferenceOT2D.step(&training, &adam, batch: batch, &g) }

      func rate(_ ms: Double?, points: Int = batch) -> String { ms.map { format(Double(points) / ($0 * 1e-3)) } ?? "-" }
      print([
        pad("\(batch)", 9), pad(rate(logDensity), 13), pad(rate(logDensityOneTime), 20), pad(rate(fields), 12),
        pad(rate(samples), 15), pad(rate(step, points: 3 * batch), 15),
      ].joined(separator: " "))
    }
  }

  /// 1234567 -> "1.23 M", 45678 -> "45.7 k".
  static func format(_ perSecond: Double) -> String {
    perSecond >= 1e6 ? String(format: "%.2f M", perSecond / 1e6) : String(format: "%.1f k", perSecond / 1e3)
  }
}
