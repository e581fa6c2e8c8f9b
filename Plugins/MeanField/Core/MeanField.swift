// MeanField: mean-field control of crowds learned without simulating, through the NCL model's exact
// density path.
import NCLPluginAPI
import NCLPluginKit
import NCLSupport

/// The objective (README.md has the math). The model's marginals rho_t are those of
/// dX = u dt + sigma dW with u its drift for the noise sigma, so with b the uncontrolled drift
///
///   L = int_0^T E_{rho_t}[ |u - b|^2 / (2 sigma^2) + w_obs B(x) + w_H log rho_t(x) + w_C rho_t(x) ] dt
///       + w_K int_0^T E_{x, y ~ rho_t} 2 / (1 + |x - y|^2) dt
///       + marginal_weight ( -E_{p0} log rho_0 - E_{p1} log rho_T [+ KL(rho_0 || p0) + KL(rho_T || p1)] ),
///
/// B the smooth obstacle barrier, the reverse KLs optional (`reverse_kl`), marginal_weight by
/// default 8 x the task's transport scale (Settings.marginalWeight). rho_t is exact, so the entropy and congestion terms are
/// functions of the model's log-density at its own exact samples.
public final class MeanField: ObjectiveImplementation {
  public static let plugin = PluginInfo(
    id: "org.ncl.mean-field", name: "MeanField", version: "0.1.0",
    description: "Mean-field control of crowds without simulation: entropy, congestion, interaction and obstacle costs on DeepGSB's tasks (GMM, V-neck, S-tunnel, opinion dynamics)",
    parameters: Settings.declarations)

  let settings: Settings
  public let problem: ProblemDescription
  let barrier: ObstacleBarrier
  /// Holds rho_T's mode weights at p1's (multimodal p1 with mode_share_rate > 0), else nil.
  let modeShares: ModeShareConstraint?
  var task: CrowdTask { settings.task }

  public init(parameters: ParameterValues, host: PluginHost) throws {
    settings = try Settings(parameters)
    let task = settings.task
    barrier = ObstacleBarrier(obstacles: task.obstacles, width: settings.barrierWidth, margin: settings.barrierMargin)
    modeShares = settings.modeShareRate > 0 && task.hasMultimodalTarget ? ModeShareConstraint(target: task.target, rate: settings.modeShareRate) : nil
    var p = ProblemDescription(dimension: task.dimension)
    p.horizon = 0...task.horizon
    p.noise = .constant(settings.sigma)
    (p.components, p.hiddenWidth, p.hiddenLayers) = settings.modelShape
    if let run = task.suggestedRun { (p.suggestedSteps, p.suggestedLearningRate, p.suggestedSchedule) = (run.steps, run.learningRate, .cosine) }
    p.flux = settings.flux.flux(dimension: task.dimension)
    p.divergenceFree = settings.divergenceFree && task.dimension >= 2
    p.batchSize = settings.batch
    p.dataShift = task.shift
    p.dataScale = task.scale
    problem = p
    guard host.providesABI12 else { throw ObjectiveError.unsupported("MeanField needs an NCL host with plugin ABI 1.2; this host is \(host.name)") }
    if settings.estimator == .reparameterized && !host.providesReparameterizedSamples {
      throw ObjectiveError.unsupported("estimator=reparameterized needs sample_reparameterized (ABI 1.1); this host is \(host.name)")
    }
  }

  // MARK: - Terms

  /// The per-point parts of the running cost at points x [n, D] of rho_t at times t [n, 1], with
  /// log rho_t(x) [n]; the first and second halves of the rows are independent pairs at equal times.
  struct Running {
    /// |u - b|^2 / (2 sigma^2), [n].
    let control: PluginTensor
    /// sum over obstacles of the barrier, [n] (nil without obstacles).
    let barrier: PluginTensor?
    /// k(x_i, x_{i + n/2}), [n/2] (nil when its weight is 0).
    let interaction: PluginTensor?
  }

  func running(host: PluginHost, t: PluginTensor, x: PluginTensor) throws -> Running {
    let n = settings.batch, s = settings.sigma
    var difference = host.field(.drift, t: t, x: x)
    if let b = try baseDrift(host: host, t: t, x: x) { difference = difference - b }
    let control = difference.squared().sum(axis: 1) * (1 / (2 * s * s))
    let barrier = task.hasObstacles ? try self.barrier(host: host, x) : nil
    let count = x.shape?.first ?? n
    let interaction = settings.interactionWeight > 0
      ? MeanFieldTerms.interactionKernel(x.slice(axis: 0, 0..<(count / 2)), x.slice(axis: 0, (count / 2)..<count)) : nil
    return Running(control: control, barrier: barrier, interaction: interaction)
  }

  /// b(t, x), a constant [n, D] (the polarizing drift, from the points themselves), or nil for b = 0.
  func baseDrift(host: PluginHost, t: PluginTensor, x: PluginTensor) throws -> PluginTensor? {
    guard let opinion = task.opinion else { return nil }
    let b = opinion.drift(x: try x.values(), t: try t.values(), bandwidth: task.horizon / 20)
    return host.tensor(b, shape: [b.count / task.dimension, task.dimension])
  }

  /// log rho_t at `count` fresh draws of `law` from the host's stream (stratified by component,
  /// `stratified_marginals`), with the draws.
  func likelihoodBatch(host: PluginHost, law: GaussianMixture, time: Double) throws -> (points: [Double], logDensity: PluginTensor) {
    let count = settings.batch
    var random = try HostRandomBuffer(host: host, uniforms: count * law.uniformsPerPoint, normals: count * law.normalsPerPoint)
    let points = law.sample(count, using: &random, stratified: settings.stratifiedMarginals)
    return (points, host.field(.logDensity, t: host.full(time, shape: [count, 1]), x: host.tensor(points, shape: [count, law.dimension])))
  }

  /// -E_{p1} log rho_T, with p1's modes reweighted by the mode-share constraint (whose multipliers
  /// take their step from the same batch, when `step` moves them).
  func terminalNegativeLogLikelihood(host: PluginHost, step: StepInfo) throws -> PluginTensor {
    let batch = try likelihoodBatch(host: host, law: task.target, time: task.horizon)
    guard let modeShares else { return -batch.logDensity.mean() }
    let cells = task.target.nearestComponents(batch.points)
    if settings.movesModeShares(at: step) {
      modeShares.update(points: batch.points, cells: cells, logDensity: try batch.logDensity.values())
      host.report("mode_share_error", host.scalar(modeShares.largestError))
    }
    return -(batch.logDensity * host.tensor(modeShares.factors(cells: cells), shape: [cells.count])).mean()
  }

  /// KL(rho_t || law) = E_{rho_t}[log rho_t - log law] on `count` samples of the model at `time`
  /// (pathwise or score function, as the running cost): mode-seeking, so unlike the likelihood it
  /// charges mass that rho_t puts where the law has none (a path that leaves part of the crowd
  /// behind, say).
  func reverseKL(host: PluginHost, law: GaussianMixture, time: Double, count: Int) throws -> PluginTensor {
    let t = host.full(time, shape: [count, 1])
    let x = try (settings.estimator == .reparameterized ? host.sampleReparameterized(t: t) : host.sample(t: t)).checked("sampling rho at \(time)")
    let logRho = host.field(.logDensity, t: t, x: x)
    let h = logRho - MeanFieldTerms.logDensity(of: law, at: x, host: host)
    return settings.estimator == .score ? h.scoreFunctionMean(logDensity: logRho) : h.mean()
  }

  /// The per-point control costs c [n] with their rare outliers tamed for training: c unchanged
  /// where c << cap, about sqrt(2 cap c) where c >> cap (cap (sqrt(1 + 2 c / cap) - 1)), cap =
  /// `control_cap` x the batch's median (a constant). A few points in the gaps between modes can
  /// carry drifts hundreds of times the typical one (the Knothe-Rosenblatt drift divides by the
  /// density); one such step's gradient fills Adam's second moment for about a thousand steps and
  /// stalls the fit (measured on the GMM: NLL of p1 5.4 -> 8.1 after one spike at step 876, never
  /// recovered). The reported and evaluated control cost is the plain one.
  func robust(_ control: PluginTensor) throws -> PluginTensor {
    guard settings.controlCap > 0 else { return control }
    let values = try control.values().sorted()
    guard !values.isEmpty else { return control }
    let cap = max(settings.controlCap * values[values.count / 2], 1e-12)
    return ((control * (2 / cap) + 1).sqrt() - 1) * cap
  }

  // MARK: - Loss

  public func loss(host: PluginHost, step: StepInfo) throws -> PluginTensor {
    let n = settings.batch, m = n / 2, horizon = task.horizon
    let half = host.stratifiedTimes(count: m, from: 0, to: horizon)
    let t = host.concatenate([half, half], axis: 0)
    let x = try (settings.estimator == .reparameterized ? host.sampleReparameterized(t: t) : host.sample(t: t)).checked("sampling rho_t")
    let logRho = host.field(.logDensity, t: t, x: x)
    let parts = try running(host: host, t: t, x: x)
    // One mean per term: its value is reported, and the sum is the loss.
    func expectation(_ h: PluginTensor, logDensity: PluginTensor) -> PluginTensor {
      settings.estimator == .score ? horizon * h.scoreFunctionMean(logDensity: logDensity) : horizon * h.mean()
    }
    // The plain control cost is reported; the loss uses its tamed form (`robust`).
    host.report("control", horizon * parts.control.detached().mean())
    var terms: [(String, PluginTensor, Double)] = [("control_tamed", expectation(try robust(parts.control), logDensity: logRho), settings.controlWeight(at: step))]
    if let barrier = parts.barrier, settings.obstacleWeight > 0 {
      terms.append(("obstacle", expectation(barrier, logDensity: logRho), settings.obstacleWeight(at: step)))
    }
    if settings.entropyWeight > 0 { terms.append(("entropy", expectation(logRho, logDensity: logRho), settings.entropyWeight)) }
    if settings.congestionWeight > 0 {
      terms.append(("congestion", expectation(logRho.exp(), logDensity: logRho), settings.congestionWeight))
    }
    if let k = parts.interaction {
      let pair = logRho.slice(axis: 0, 0..<m) + logRho.slice(axis: 0, m..<n)
      terms.append(("interaction", expectation(k, logDensity: pair), settings.interactionWeight))
    }
    let nll0 = -(try likelihoodBatch(host: host, law: task.initial, time: 0).logDensity.mean())
    let nll1 = try terminalNegativeLogLikelihood(host: host, step: step)
    var total = settings.marginalWeight * (nll0 + nll1)
    if settings.reverseKL {
      let kl0 = try reverseKL(host: host, law: task.initial, time: 0, count: m)
      let kl1 = try reverseKL(host: host, law: task.target, time: horizon, count: m)
      host.report("reverse_kl0", kl0)
      host.report("reverse_kl1", kl1)
      total = total + settings.marginalWeight * (kl0 + kl1)
    }
    for (name, value, weight) in terms {
      host.report(name, value)
      total = total + weight * value
    }
    host.report("nll0", nll0)
    host.report("nll1", nll1)
    return try total.checked("building the loss")
  }

  // MARK: - State

  /// The mode-share multipliers, so that a resumed run continues with them (none without the constraint).
  public func savedState() throws -> [UInt8]? { modeShares.map { StateCoder.bytes($0.multipliers) } }

  public func restore(state: [UInt8]) throws {
    guard let modeShares else {
      throw ObjectiveError.invalidArgument("the checkpoint holds mode-share multipliers, and this run has no mode-share constraint (mode_share_rate=0 or a one-mode target)")
    }
    modeShares.restore(try StateCoder.doubles(state, count: modeShares.multipliers.count, what: "mode-share multipliers"))
  }

  // MARK: - Metrics

  public func evaluate(host: PluginHost) throws -> [String: Double] {
    try Evaluation(objective: self, host: host).metrics()
  }
}
