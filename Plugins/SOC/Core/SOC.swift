// SOC: stochastic optimal control learned without simulating, through the NCL model's density path.
import NCLPluginAPI
import NCLPluginKit
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

private func naturalLogarithm(_ x: Double) -> Double { log(x) }

/// The objective (README.md has the math). For dX = (b + sigma c) dt + sqrt(lambda) sigma dW the
/// model's marginals rho_t are those of the controlled process, whose drift for the problem's noise
/// is u = b + sigma c, so c = sigma^-1 (u - b) and
///
///   L = int_0^T E_{rho_t}[ |sigma^-1 (u - b)|^2 / 2 + f ] dt + E_{rho_T}[G] - init_weight E_{x ~ N(x0, s^2 I)} log rho_0(x).
///
/// For a sigma that is not a multiple of the identity the model's drift for the matrix noise is
/// v + (lambda/2) sigma sigma' grad log rho (v the probability-flow velocity), so
/// c = sigma^-1 (v - b) + (lambda/2) sigma' grad log rho.
public final class SOC: ObjectiveImplementation {
  public static let plugin = PluginInfo(
    id: "org.ncl.soc", name: "SOC", version: "0.1.0",
    description: "Stochastic optimal control without simulation: quadratic/linear OU and double well with exact answers, or your own b, f, G in C",
    parameters: Settings.declarations)

  let settings: Settings
  public let problem: ProblemDescription
  var control: ControlProblem { settings.problem }

  public init(parameters: ParameterValues, host: PluginHost) throws {
    settings = try Settings(parameters)
    let c = settings.problem
    var p = ProblemDescription(dimension: c.dimension)
    p.horizon = 0...c.horizon
    // The model's drift field is for g = sqrt(lambda) sigma (sigma = s I); for a matrix sigma the
    // objective builds the drift from the velocity and the score itself (see above) and g is nominal.
    p.noise = .constant((c.lambda).squareRoot() * (c.sigmaScalar ?? 1))
    (p.components, p.hiddenWidth, p.hiddenLayers) = settings.modelSize.shape
    p.flux = settings.flux.flux
    p.fluxTau = 1
    p.divergenceFree = settings.divergenceFree && c.dimension >= 2
    p.batchSize = settings.batch
    // Centre the model's coordinates on the initial mean; scale by the geometric mean of the initial
    // law's width and the free noise's spread at T, so that neither end of the path is far from unit scale.
    p.dataShift = c.initialMean
    let spread = (c.lambda * c.horizon).squareRoot() * (c.sigmaScalar ?? 1)
    p.dataScale = [Double](repeating: (spread * c.initialStd).squareRoot(), count: c.dimension)
    problem = p
    if settings.estimator == .reparameterized && !host.providesReparameterizedSamples {
      throw ObjectiveError.unsupported("estimator=reparameterized needs sample_reparameterized (ABI 1.1); this host is \(host.name)")
    }
    guard host.providesABI12 else { throw ObjectiveError.unsupported("SOC needs an NCL host with plugin ABI 1.2; this host is \(host.name)") }
  }

  // MARK: - The control of the model

  /// c = sigma^-1 (u - b) at times t [B, 1] and points x [B, D], [B, D].
  /// `driftScale` multiplies b (the loss's continuation in a stiff drift, see `drift_warmup`).
  func modelControl(host: PluginHost, t: PluginTensor, x: PluginTensor, driftScale: Double = 1) throws -> PluginTensor {
    let c = control, d = c.dimension
    let b = driftScale == 1 ? try c.drift(host: host, x) : driftScale * (try c.drift(host: host, x))
    if let s = c.sigmaScalar { return (host.field(.drift, t: t, x: x) - b) * (1 / s) }
    guard let inverse = c.sigma.inverse else { throw ObjectiveError.invalidArgument("sigma is singular") }
    let v = host.field(.velocity, t: t, x: x), score = host.field(.score, t: t, x: x)
    // Rows: (v - b)' sigma^-T + (lambda/2) score' sigma.
    return (v - b).matmul(host.tensor(inverse.values, shape: [d, d]), transposeOther: true)
      + (c.lambda / 2) * score.matmul(host.tensor(c.sigma.values, shape: [d, d]))
  }

  /// |c|^2 / 2 + f at (t, x), [B].
  func runningIntegrand(host: PluginHost, t: PluginTensor, x: PluginTensor, driftScale: Double = 1) throws -> PluginTensor {
    let kinetic = 0.5 * (try modelControl(host: host, t: t, x: x, driftScale: driftScale)).squared().sum(axis: 1)
    guard let f = try control.runningCost(host: host, x) else { return kinetic }
    return kinetic + f
  }

  // MARK: - Loss

  public func loss(host: PluginHost, step: StepInfo) throws -> PluginTensor {
    let c = control, n = settings.batch, d = c.dimension, horizon = c.horizon
    let (t, weights) = try EarlyDenseTimes(horizon: horizon, power: settings.timePower).draw(n, host: host)
    let tEnd = host.full(horizon, shape: [n, 1])
    let scale = settings.driftScale(step)
    if scale < 1 { host.report("drift_scale", host.scalar(scale)) }
    let running: PluginTensor, terminal: PluginTensor
    switch settings.estimator {
    case .score:
      let x = try host.sample(t: t).checked("sampling rho_t")
      let h = weights * (try runningIntegrand(host: host, t: t, x: x, driftScale: scale))
      running = horizon * h.scoreFunctionMean(logDensity: host.field(.logDensity, t: t, x: x))
      let xT = try host.sample(t: tEnd).checked("sampling rho_T")
      terminal = try c.terminalCost(host: host, xT).scoreFunctionMean(logDensity: host.field(.logDensity, t: tEnd, x: xT))
    case .reparameterized:
      let x = try host.sampleReparameterized(t: t).checked("sampling rho_t")
      running = horizon * (weights * (try runningIntegrand(host: host, t: t, x: x, driftScale: scale))).mean()
      let xT = try host.sampleReparameterized(t: tEnd).checked("sampling rho_T")
      terminal = try c.terminalCost(host: host, xT).mean()
    }
    let x0 = host.normal([n, d]) * c.initialStd + host.tensor(c.initialMean, shape: [1, d])
    let nll0 = -host.field(.logDensity, t: host.scalar(0), x: x0).mean()
    host.report("running", running)
    host.report("terminal", terminal)
    host.report("nll0", nll0)
    var total = running + terminal + settings.initWeight * nll0
    if settings.reverseKL {
      // KL(rho_0 || p_0) = E_{rho_0}[log rho_0 - log p_0], p_0 = N(x0, s^2 I), with the run's estimator.
      let tZero = host.full(0, shape: [n, 1])
      let x = settings.estimator == .score ? host.sample(t: tZero) : try host.sampleReparameterized(t: tZero)
      let logRho = host.field(.logDensity, t: tZero, x: x), s2 = c.initialStd * c.initialStd
      let logP = -0.5 * ((x - host.tensor(c.initialMean, shape: [1, d])).squared().sum(axis: 1) / s2)
        - 0.5 * Double(d) * naturalLogarithm(2 * Double.pi * s2)
      let h = logRho - logP
      let kl = settings.estimator == .score ? h.scoreFunctionMean(logDensity: logRho) : h.mean()
      host.report("reverse_kl0", kl)
      total = total + settings.initWeight * kl
    }
    return try total.checked("building the loss")
  }

  // MARK: - Metrics

  public func evaluate(host: PluginHost) throws -> [String: Double] {
    try Evaluation(objective: self, host: host).metrics()
  }
}
