// GenerativeFM: generative modeling from noise to data with exact log-densities at every time.
import NCLPluginAPI
import NCLPluginKit
import NCLSupport
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// The objective (README.md has the math and the measurements). The model's density path rho_t
/// runs from rho_0 = N(0, I) in the model's standardized coordinates (N(mean, diag std^2) of the
/// training data in the user's units) to the data at t = 1, with one of three objectives:
///
///   likelihood:                 -E_data log rho_1 + init_weight * nll0 + kinetic_weight * int E_{rho_t} |u / scale|^2 / 2 dt
///   flow-matching:              L_FM + init_weight * nll0
///   flow-matching-likelihood:   L_FM + interpolant_weight * (-E_t E log rho_t(x_t)) - E_data log rho_1 + init_weight * nll0
///
/// with nll0 = -E_{x ~ N} log rho_0(x) and L_FM the regression of the probability-flow velocity
/// onto the interpolant's (`FlowMatching`).
public final class GenerativeFM: ObjectiveImplementation {
  public static let plugin = PluginInfo(
    id: "org.ncl.generative-fm", name: "GenerativeFM", version: "0.1.0",
    description: "Generative modeling from noise to data (2-D sets or CSV): likelihood or flow matching, exact log-densities and samples at every t",
    parameters: Settings.declarations)

  let settings: Settings
  public let problem: ProblemDescription
  /// The data map: the training part's mean and standard deviation.
  let shift: [Double], scale: [Double]

  var data: DataSet { settings.data }
  var dimension: Int { settings.data.dimension }

  public init(parameters: ParameterValues, host: PluginHost) throws {
    settings = try Settings(parameters)
    let d = settings.data.dimension
    (shift, scale) = settings.data.standardization
    var p = ProblemDescription(dimension: d)
    p.horizon = 0...1
    // One g for every coordinate: the model-unit noise times the geometric mean of the scales.
    let meanScale = exp(scale.reduce(0) { $0 + log($1) } / Double(d))
    p.noise = .constant(settings.noise * meanScale)
    (p.components, p.hiddenWidth, p.hiddenLayers) = settings.modelSize.shape
    p.flux = .knotheRosenblatt
    p.fluxTau = 1
    p.batchSize = settings.batch
    p.dataShift = shift
    p.dataScale = scale
    // A default run: 12 000 cosine steps at 3e-3 of the large model reach KL 0.028-0.033 on 8
    // gaussians over three seeds, 85 s on one core (README, "Quality"); the host's 2000 constant
    // steps at 1e-3 stop near 0.1.
    (p.suggestedSteps, p.suggestedLearningRate, p.suggestedSchedule) = (12_000, 3e-3, .cosine)
    problem = p
    guard host.providesABI12 else { throw ObjectiveError.unsupported("GenerativeFM needs an NCL host with plugin ABI 1.2; this host is \(host.name)") }
  }

  // MARK: - Pieces

  /// `count` training points drawn with replacement by the host's stream, [count, D] values.
  func dataBatch(host: PluginHost, count: Int) throws -> [Double] {
    let d = dimension, n = data.trainCount
    let u = try host.uniform([count]).values()
    var rows: [Double] = []
    rows.reserveCapacity(count * d)
    for value in u {
      let i = min(Int(value * Double(n)), n - 1)
      rows += data.train[(i * d)..<((i + 1) * d)]
    }
    return rows
  }

  /// `count` points of rho_0's target N(shift, diag scale^2) (the model's N(0, I)), [count, D] values.
  func noiseBatch(host: PluginHost, count: Int) throws -> [Double] {
    let d = dimension
    return try host.normal([count, d]).values().enumerated().map { shift[$0.offset % d] + scale[$0.offset % d] * $0.element }
  }

  /// 1 / scale as [1, D].
  func inverseScale(host: PluginHost) -> PluginTensor { host.tensor(scale.map { 1 / $0 }, shape: [1, dimension]) }

  // MARK: - Loss

  public func loss(host: PluginHost, step: StepInfo) throws -> PluginTensor {
    let n = settings.batch, d = dimension
    let x1Values = try dataBatch(host: host, count: n)
    var x0Values = try noiseBatch(host: host, count: n)
    let x1 = host.tensor(x1Values, shape: [n, d])
    let nll0 = -host.field(.logDensity, t: host.scalar(0), x: host.tensor(x0Values, shape: [n, d])).mean()
    host.report("nll0", nll0)
    var total = settings.initWeight * nll0
    if settings.objective != .flowMatching {
      let nll1 = -host.field(.logDensity, t: host.scalar(1), x: x1).mean()
      host.report("nll1", nll1)
      total = total + nll1
    }
    if settings.objective == .likelihood {
      if settings.kineticWeight > 0 {
        let kinetic = try kineticEnergy(host: host, count: n)
        host.report("kinetic", kinetic)
        total = total + settings.kineticWeight * kinetic
      }
      return try total.checked("building the loss")
    }
    if settings.coupling == .ot {
      let order = FlowMatching.otPairing(x0: x0Values, x1: x1Values, dimension: d, scale: scale)
      x0Values = order.flatMap { x0Values[($0 * d)..<(($0 + 1) * d)] }
    }
    let x0 = host.tensor(x0Values, shape: [n, d]), t = host.stratifiedTimes(count: n, from: 0, to: 1)
    let xt = FlowMatching.interpolant(x0: x0, x1: x1, t: t)
    let fm = FlowMatching.loss(velocity: host.field(.velocity, t: t, x: xt), x0: x0, x1: x1, inverseScale: inverseScale(host: host))
    host.report("fm", fm)
    total = total + fm
    if settings.objective == .flowMatchingLikelihood && settings.interpolantWeight > 0 {
      let nllPath = -host.field(.logDensity, t: t, x: xt).mean()
      host.report("nll_path", nllPath)
      total = total + settings.interpolantWeight * nllPath
    }
    return try total.checked("building the loss")
  }

  /// int_0^1 E_{rho_t} |u / scale|^2 / 2 dt on exact samples at stratified times: pathwise
  /// (reparameterized samples) where the host offers them, else by the score function.
  func kineticEnergy(host: PluginHost, count n: Int) throws -> PluginTensor {
    let t = host.stratifiedTimes(count: n, from: 0, to: 1)
    if host.providesReparameterizedSamples {
      let x = try host.sampleReparameterized(t: t).checked("sampling rho_t")
      return 0.5 * (host.field(.velocity, t: t, x: x) * inverseScale(host: host)).squared().sum(axis: 1).mean()
    }
    let x = host.sample(t: t)
    let h = 0.5 * (host.field(.velocity, t: t, x: x) * inverseScale(host: host)).squared().sum(axis: 1)
    return h.scoreFunctionMean(logDensity: host.field(.logDensity, t: t, x: x))
  }

  // MARK: - Metrics

  public func evaluate(host: PluginHost) throws -> [String: Double] {
    try Evaluation(objective: self, host: host).metrics()
  }
}
