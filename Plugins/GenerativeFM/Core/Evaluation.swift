// The metrics of a trained GenerativeFM model: test NLL, KL to a known density, W2 of three samplers.
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import NCLPluginKit
import NCLSupport

/// One evaluation, every number in the user's units:
/// - test_nll / train_nll: -mean log rho_1 on the test points (all) and as many training points;
/// - kl: KL(p || rho_1) = E_p log p - E_p log rho_1 on fresh samples of a law with a known density;
/// - kl0: KL(N || rho_0), how well rho_0 holds to its standard normal (exact log N);
/// - w2_exact / w2_ode / w2_sde: W2 (exact assignment) between eval_samples test points and the
///   model's samples at t = 1 drawn exactly, or by the probability-flow ODE (RK4) or the SDE with
///   the problem's noise (Euler-Maruyama), both from N(0, I) points at t = 0, over the samples
///   that stayed finite; diverged_ode / diverged_sde: the share that did not (absent when none);
/// - w2_floor: the same W2 between as many training and test points (what sampling alone gives);
/// - score_seconds_100k: wall time of log rho_1 at score_points points (the test points repeated)
///   through the host's field, in chunks of 4096, per 100 000 points (what a user waits for that
///   many likelihoods).
struct Evaluation {
  let objective: GenerativeFM
  let host: PluginHost

  var settings: Settings { objective.settings }
  var data: DataSet { objective.data }
  var d: Int { objective.dimension }

  /// Points scored per host call.
  static let chunk = 4096

  func metrics() throws -> [String: Double] {
    var m: [String: Double] = [:]
    m["test_nll"] = -mean(try logDensity(at: 1, of: data.test))
    m["train_nll"] = -mean(try logDensity(at: 1, of: Array(data.train.prefix(data.test.count))))
    if let law = data.law, law.hasKnownDensity {
      var g = SeededGenerator(seed: 0xC0FFEE)
      let fresh = law.sample(settings.klSamples, using: &g)
      let model = try logDensity(at: 1, of: fresh)
      let truth = (0..<settings.klSamples).map { law.logDensity(fresh[2 * $0], fresh[2 * $0 + 1])! }
      m["kl"] = mean(zip(truth, model).map { $0 - $1 })
      m["true_test_nll"] = -mean((0..<data.testCount).map { law.logDensity(data.test[2 * $0], data.test[2 * $0 + 1])! })
    }
    let n = min(settings.evalSamples, data.testCount, data.trainCount)
    let reference = Array(data.test.prefix(n * d))
    let noise = try objective.noiseBatch(host: host, count: n)
    let normal = noise.enumerated().map { ($0.element - objective.shift[$0.offset % d]) / objective.scale[$0.offset % d] }
    let logNormal = (0..<n).map { i in (0..<d).reduce(-0.5 * Double(d) * log(2 * .pi)) { $0 - 0.5 * normal[i * d + $1] * normal[i * d + $1] } }
      .map { $0 - objective.scale.reduce(0) { $0 + log($1) } }
    m["kl0"] = mean(zip(logNormal, try logDensity(at: 0, of: noise)).map { $0 - $1 })
    for (name, samples) in [("exact", try exactSamples(n)), ("ode", try pushed(noise, noise: .constant(0))),
                            ("sde", try pushed(noise, noise: nil))] {
      let (w2, lost) = w2ToReference(samples, reference)
      m["w2_" + name] = w2
      if lost > 0 { m["diverged_" + name] = lost }
    }
    m["w2_floor"] = Assignment.wasserstein(Array(data.train.prefix(n * d)), reference, dimension: d, p: 2)
    if settings.scorePoints > 0 { m["score_seconds_100k"] = try scoringTime(count: settings.scorePoints) * 100_000 / Double(settings.scorePoints) }
    if !settings.plots.isEmpty { try Pictures(evaluation: self).write(to: settings.plots) }
    return m
  }

  // MARK: - Pieces

  /// W2 between the samples whose coordinates are all finite and as many reference points, and
  /// the share of samples that were not finite (a sampler that diverged in a tail).
  func w2ToReference(_ samples: [Double], _ reference: [Double]) -> (w2: Double, lost: Double) {
    let n = samples.count / d
    let finite = (0..<n).filter { i in (0..<d).allSatisfy { samples[i * d + $0].isFinite } }
    let kept = finite.flatMap { samples[($0 * d)..<(($0 + 1) * d)] }
    let w2 = finite.isEmpty ? .infinity : Assignment.wasserstein(kept, Array(reference.prefix(kept.count)), dimension: d, p: 2)
    return (w2, Double(n - finite.count) / Double(max(n, 1)))
  }

  func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(max(v.count, 1)) }

  /// log rho_t at row-major points [n, D] in data units, in chunks.
  func logDensity(at t: Double, of points: [Double]) throws -> [Double] {
    var out: [Double] = []
    out.reserveCapacity(points.count / d)
    var start = 0
    while start < points.count {
      let end = min(start + Self.chunk * d, points.count)
      out += try host.withScope {
        try host.field(.logDensity, t: host.scalar(t), x: host.tensor(Array(points[start..<end]), shape: [(end - start) / d, d])).values()
      }
      start = end
    }
    return out
  }

  /// Seconds to score `count` points at t = 1 (monotonic clock).
  func scoringTime(count: Int) throws -> Double {
    let points = (0..<count).flatMap { i in data.test[((i % data.testCount) * d)..<((i % data.testCount + 1) * d)] }
    let start = monotonicSeconds()
    _ = try logDensity(at: 1, of: points)
    return monotonicSeconds() - start
  }

  /// n exact samples of rho_1 (ancestral, no SDE).
  func exactSamples(_ n: Int) throws -> [Double] { try host.withScope { try host.sample(time: 1, count: n).values() } }

  /// Points x0 at t = 0 carried to t = 1 by the learned SDE with `noise` (nil: the problem's; 0: the ODE).
  func pushed(_ x0: [Double], noise: ProblemDescription.Noise?) throws -> [Double] {
    let n = x0.count / d
    let states = try host.withScope {
      try host.integratePath(host.tensor(x0, shape: [n, d]), times: [0, 1], steps: settings.evalSteps, noise: noise).values()
    }
    return Array(states[(n * d)...])
  }
}
