// The metrics of a trained MeanField model: terminal W2 to the target law (exact assignment), the
// mass inside obstacles over time (exact samples and SDE paths of the learned drift), and the costs.
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import NCLPluginKit
import NCLSupport

struct Evaluation {
  let objective: MeanField
  let host: PluginHost

  var task: CrowdTask { objective.task }
  var settings: Settings { objective.settings }

  func metrics() throws -> [String: Double] {
    var m: [String: Double] = [:]
    let n = settings.evalSamples, d = task.dimension, horizon = task.horizon
    var random = SeededGenerator(seed: 2024)
    let target = task.target.sample(n, using: &random), reference = task.target.sample(n, using: &random)
    let atEnd = try samples(time: horizon, count: n)
    m["w2_final"] = Assignment.wasserstein(atEnd, target, dimension: d, p: 2)
    // What two samples of the target law alone give (the W2 of a perfect model); each assignment
    // takes seconds at n = 2000, so only on request.
    if settings.evalFloors { m["w2_final_floor"] = Assignment.wasserstein(reference, target, dimension: d, p: 2) }
    if task.target.components.count > 1 {
      // Two samples of DeepGSB's ring differ in how many points each mode holds (about sqrt(n / 8)),
      // which alone costs W2 ~ 1.5 at n = 2000: report the modes' weights apart, and W2 to a target
      // sample with the model's own count per mode (the shape of each mode).
      let (counts, weightError) = modeCounts(atEnd)
      m["mode_weight_error"] = weightError
      let matched = stratifiedTarget(counts: counts, using: &random), reference = stratifiedTarget(counts: counts, using: &random)
      m["w2_final_matched_modes"] = Assignment.wasserstein(atEnd, matched, dimension: d, p: 2)
      if settings.evalFloors { m["w2_final_matched_modes_floor"] = Assignment.wasserstein(reference, matched, dimension: d, p: 2) }
    }
    let initial = task.initial.sample(n, using: &random)
    m["w2_initial"] = Assignment.wasserstein(try samples(time: 0, count: n), initial, dimension: d, p: 2)

    // SDE paths of the learned drift from p0, read at eval_times times.
    let times = self.times
    let paths = try sdePaths(from: task.initial.sample(settings.evalPaths, using: &random))
    let last = Array(paths[times.count - 1].prefix(n * d))
    m["w2_final_sde"] = Assignment.wasserstein(last, target, dimension: d, p: 2)

    if task.hasObstacles {
      var exact: [Double] = [], simulated: [Double] = []
      for (k, t) in times.enumerated() {
        exact.append(insideFraction(try samples(time: t, count: n)))
        simulated.append(insideFraction(paths[k]))
      }
      m["obstacle_mass_max"] = exact.max()
      m["obstacle_mass_mean"] = exact.reduce(0, +) / Double(exact.count)
      m["obstacle_mass_sde_max"] = simulated.max()
      m["obstacle_mass_sde_mean"] = simulated.reduce(0, +) / Double(simulated.count)
    }
    for (name, value) in try costs() { m[name] = value }
    if !settings.plots.isEmpty { try Pictures(evaluation: self).write(to: settings.plots) }
    return m
  }

  /// The number of points nearest each target component's mean, and the largest |share - weight|.
  func modeCounts(_ points: [Double]) -> ([Int], Double) {
    let d = task.dimension, n = points.count / d, components = task.target.components
    var counts = [Int](repeating: 0, count: components.count)
    for i in 0..<n {
      let nearest = components.indices.min { a, b in
        (0..<d).reduce(0.0) { $0 + pow(points[i * d + $1] - components[a].mean[$1], 2) }
          < (0..<d).reduce(0.0) { $0 + pow(points[i * d + $1] - components[b].mean[$1], 2) }
      }!
      counts[nearest] += 1
    }
    let error = zip(counts, components).map { abs(Double($0) / Double(max(n, 1)) - $1.weight) }.max() ?? 0
    return (counts, error)
  }

  /// counts[k] draws of target component k, row-major.
  func stratifiedTarget(counts: [Int], using random: inout SeededGenerator) -> [Double] {
    zip(counts, task.target.components).flatMap { count, c in GaussianMixture([c]).sample(count, using: &random) }
  }

  /// eval_times equally spaced times from 0 to T.
  var times: [Double] {
    let k = settings.evalTimes
    return (0..<k).map { task.horizon * Double($0) / Double(k - 1) }
  }

  /// `count` exact samples of rho_t, row-major.
  func samples(time t: Double, count: Int) throws -> [Double] {
    try host.withScope { try host.sample(time: t, count: count).values() }
  }

  /// States of the learned SDE (noise sigma, eval_steps Euler-Maruyama steps over [0, T]) from
  /// the points x0 at each of `times`, row-major per time.
  func sdePaths(from x0: [Double], times: [Double]? = nil) throws -> [[Double]] {
    let d = task.dimension, n = x0.count / d, times = times ?? self.times
    let states = try host.withScope {
      try host.integratePath(host.tensor(x0, shape: [n, d]), times: times, steps: settings.evalSteps).values()
    }
    return (0..<times.count).map { Array(states[($0 * n * d)..<(($0 + 1) * n * d)]) }
  }

  /// The fraction of 2-D points (row-major) inside an obstacle (the hard indicator).
  func insideFraction(_ points: [Double]) -> Double {
    let n = points.count / 2
    let inside = (0..<n).filter { task.insideObstacle(points[2 * $0], points[2 * $0 + 1]) }.count
    return Double(inside) / Double(max(n, 1))
  }

  /// The costs of the model's path, each int_0^T E_{rho_t}[...] dt on eval_samples exact samples at
  /// stratified times: control |u - b|^2 / (2 sigma^2), entropy, congestion, interaction, the hard
  /// obstacle cost 1500 * indicator (DeepGSB's), and the weighted sum of the control and mean-field
  /// costs (the objective without its obstacle and likelihood terms).
  func costs() throws -> [String: Double] {
    let n = settings.evalSamples - settings.evalSamples % 2, horizon = task.horizon
    return try host.withScope {
      let half = host.stratifiedTimes(count: n / 2, from: 0, to: horizon)
      let t = host.concatenate([half, half], axis: 0)
      let x = host.sample(t: t)
      let logRho = try host.field(.logDensity, t: t, x: x).values()
      let parts = try objective.running(host: host, t: t, x: x)
      var c: [String: Double] = [:]
      c["control_cost"] = horizon * (try parts.control.mean().scalar())
      c["entropy_cost"] = horizon * logRho.reduce(0, +) / Double(n)
      c["congestion_cost"] = horizon * logRho.reduce(0) { $0 + exp($1) } / Double(n)
      let points = try x.values()
      let kernel = MeanFieldTerms.interactionKernel(x.slice(axis: 0, 0..<(n / 2)), x.slice(axis: 0, (n / 2)..<n))
      c["interaction_cost"] = horizon * (try kernel.mean().scalar())
      if task.hasObstacles { c["obstacle_cost_hard"] = horizon * 1500 * insideFraction(points) }
      c["objective_cost"] = settings.controlWeight * c["control_cost"]! + settings.entropyWeight * c["entropy_cost"]!
        + settings.congestionWeight * c["congestion_cost"]! + settings.interactionWeight * c["interaction_cost"]!
      return c
    }
  }
}
