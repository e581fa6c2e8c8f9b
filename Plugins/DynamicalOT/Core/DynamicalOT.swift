// DynamicalOT: least-action diffusion between given marginals, learned without simulation.
import NCLPluginAPI
import NCLPluginKit
import NCLSupport

/// The objective (see README.md for the math):
///
///   L = sum_k -E_{p_k} log rho_{t_k}  +  kinetic_weight * int E_{rho_t} |u_t|^2 / 2 dt
///       + jacobian_weight * int E_{rho_t} |grad u_t - grad u_t^T|_F^2 dt
///       + velocity_gradient_weight * int E_{rho_t} |grad u_t|_F^2 dt
///       + acceleration_weight * int E_{rho_t} |d_t u + (grad u) u|^2 dt  +  sum_k mu_k . c_k,
///
/// the last term the hard marginal constraints (`ScoreMomentConstraints`: Stein moments c_k of
/// the model's score on p_k, multipliers mu_k by dual ascent),
/// over the marginals p_k at times t_k that are not left out, with u the drift of the SDE with
/// noise g (g = 0: the probability-flow velocity), and expectations under the model estimated by
/// importance sampling from a proposal, by the score function with a baseline, or through
/// reparameterized exact samples.
public final class DynamicalOT: ObjectiveImplementation {
  public static let plugin = PluginInfo(
    id: "org.ncl.dynamical-ot", name: "DynamicalOT", version: "0.1.0",
    description: "Dynamical optimal transport: least-action diffusion between marginals (2-D toys, Gaussians, CSV, population snapshots)",
    parameters: Settings.declarations, functions: ExportedFunctions.declarations)

  let settings: Settings
  let proposal: Proposal
  public let problem: ProblemDescription
  /// Discrete-OT W2^2 between the toy pair's laws, computed once on first evaluation.
  private var discreteOT: Double?
  /// The hard marginal constraints and their multipliers (nil: the soft objective), saved in
  /// checkpoints (`savedState`).
  private(set) var constraints: ScoreMomentConstraints?

  var horizon: ClosedRange<Double> { settings.marginals.first!.time...settings.marginals.last!.time }
  var dimension: Int { settings.dimension }

  public init(parameters: ParameterValues, host: PluginHost) throws {
    settings = try Settings(parameters)
    // The proposal knows only the training marginals (never the left-out snapshot).
    proposal = Proposal(kind: settings.proposal, marginals: settings.marginals.filter { !$0.isLeftOut },
                        scale: settings.proposalScale, seed: settings.dataSeed)
    var p = ProblemDescription(dimension: settings.dimension)
    p.horizon = settings.marginals.first!.time...settings.marginals.last!.time
    p.noise = .constant(settings.noise)
    (p.components, p.hiddenWidth, p.hiddenLayers) = settings.modelSize.shape
    p.flux = settings.flux.flux
    p.fluxTau = 1
    p.divergenceFree = settings.divergenceFree && settings.dimension >= 2
    p.batchSize = settings.batch
    // The runs the README measured: 12 000 cosine steps for two marginals (a pair, or a file with two
    // times: the D = 5 rotated Gaussians), 6000 for more snapshots (leave-one-out).
    (p.suggestedSteps, p.suggestedSchedule) = (settings.marginals.count == 2 ? 12_000 : 6000, .cosine)
    problem = p
    if settings.estimator == .reparameterized && !host.providesReparameterizedSamples {
      throw ObjectiveError.unsupported("estimator=reparameterized needs a host with sample_reparameterized (NCL plugin ABI 1.1 or later); this host is \(host.name)")
    }
    if settings.constraintRate > 0 {
      constraints = ScoreMomentConstraints(rate: settings.constraintRate,
                                           moments: settings.marginals.filter { !$0.isLeftOut }.map { $0.moments(seed: settings.dataSeed) })
    }
    if settings.jacobianWeight > 0 && settings.dimension == 1 {
      host.log("DynamicalOT: jacobian_weight has no effect in one dimension (every 1-D field is a gradient)", level: .warning)
    }
  }

  // MARK: - Loss

  /// NCLSupport's `TransportLoss` on the marginals that are not left out, plus the Jacobian and
  /// acceleration priors and the hard marginal constraints' Lagrangian term (whose multipliers
  /// take their dual step here, on this minibatch's violations).
  public func loss(host: PluginHost, step: StepInfo) throws -> PluginTensor {
    let transport = TransportLoss(kineticWeight: settings.kineticWeight(at: step))
    var likelihoods: [PluginTensor] = [], lagrangian: [PluginTensor] = [], violations: [[Double]] = []
    for (k, marginal) in settings.marginals.enumerated() where !marginal.isLeftOut {
      let x = try marginal.batch(host: host, count: settings.batch)
      let t = host.scalar(marginal.time)
      let nll = TransportLoss.negativeLogLikelihood(logDensity: host.field(.logDensity, t: t, x: x))
      host.report("nll\(k)", nll)
      if var constraints {
        let score = host.field(.score, t: t, x: x)
        constraints.observe(marginal: likelihoods.count, meanSquaredScore: try score.squared().mean(axis: 0).values())
        self.constraints = constraints
        let c = constraints.violations(marginal: likelihoods.count, x: x, score: score, host: host)
        let values = try c.values()
        host.report("constraint\(k)", host.scalar(values.reduce(0) { $0 + $1 * $1 }.squareRoot()))
        lagrangian.append(constraints.lagrangianTerm(marginal: likelihoods.count, violations: c, host: host))
        violations.append(values)
      }
      likelihoods.append(nll)
    }
    let terms = try modelTerms(host: host)
    host.report("kinetic", terms.kinetic)
    var total = transport.loss(negativeLogLikelihoods: likelihoods, kinetic: terms.kinetic)
    for term in lagrangian { total = total + term }
    if let jacobian = terms.jacobian {
      host.report("jacobian", jacobian)
      total = total + settings.jacobianWeight * jacobian
    }
    if let dirichlet = terms.dirichlet {
      host.report("velocity_gradient", dirichlet)
      total = total + settings.velocityGradientWeight * dirichlet
    }
    if let acceleration = terms.acceleration {
      host.report("acceleration", acceleration)
      total = total + settings.accelerationWeight(at: step) * acceleration
    }
    total = try total.checked("building the loss")
    if var constraints {
      for (k, c) in violations.enumerated() { constraints.update(marginal: k, violations: c) }
      self.constraints = constraints
    }
    return total
  }

  /// int_{T0}^{T1} E_{rho_t}[f] dt for the kinetic energy, the Jacobian penalty, the velocity's
  /// Dirichlet energy and the acceleration, with the chosen estimator; all share one set of points
  /// (the Hutchinson probes a subsample of them) and one model evaluation.
  func modelTerms(host: PluginHost) throws -> (kinetic: PluginTensor, jacobian: PluginTensor?, dirichlet: PluginTensor?, acceleration: PluginTensor?) {
    let n = settings.batch, d = dimension, length = horizon.upperBound - horizon.lowerBound
    var times: [Double], points: [Double], logQValues: [Double]?
    /// reparameterized: the samples as a tensor that carries the gradient, and the row each point takes from it.
    var sampled: PluginTensor? = nil, rows = Array(0..<n)
    switch settings.estimator {
    case .importance:
      let draw = try proposal.draw(host: host, count: n)
      (times, points, logQValues) = (try draw.t.values(), try draw.x.values(), try draw.logQ.values())
    case .score:
      times = try Proposal.stratifiedTimes(host: host, count: n, from: horizon.lowerBound, to: horizon.upperBound)
      points = try host.sample(t: host.tensor(times, shape: [n, 1])).values()
      logQValues = nil
    case .reparameterized:
      times = try Proposal.stratifiedTimes(host: host, count: n, from: horizon.lowerBound, to: horizon.upperBound)
      sampled = try host.sampleReparameterized(t: host.tensor(times, shape: [n, 1])).checked("sampling")
      (points, logQValues) = ([], nil)
    }
    let penalize = settings.jacobianWeight > 0 && d >= 2
    let exactCurl = penalize && settings.jacobianEstimator == .exact, probedCurl = penalize && !exactCurl
    var t: PluginTensor, x: PluginTensor, u: PluginTensor, logRho: PluginTensor, speed: PluginTensor
    var attempt = 0
    while true {
      t = host.tensor(times, shape: [n, 1])
      if let sampled {
        // The samples depend on the parameters, so the Jacobian penalty can take grad with respect to them as they are.
        x = rows == Array(0..<n) ? sampled : gatherRows(rows, of: sampled, host: host)
      } else {
        x = exactCurl ? host.tensor(points, shape: [n, d]).variable() : host.tensor(points, shape: [n, d])
      }
      u = host.field(.drift, t: t, x: x)
      logRho = host.field(.logDensity, t: t, x: x)
      speed = TransportLoss.kineticEnergy(drift: u)
      // A rare point where the model's fields are not finite (deep in a tail, in Float32) would make
      // the whole step NaN: replace such rows by finite ones and evaluate once more.
      let speeds = try speed.values(), logDensities = try logRho.values()
      let bad = (0..<n).filter { !speeds[$0].isFinite || !logDensities[$0].isFinite }
      if bad.isEmpty { break }
      let good = (0..<n).filter { speeds[$0].isFinite && logDensities[$0].isFinite }
      guard attempt == 0, !good.isEmpty else {
        throw ObjectiveError.numeric("the model's drift or density is not finite at \(bad.count) of \(n) points even after replacing them")
      }
      host.log("DynamicalOT: replaced \(bad.count) of \(n) kinetic points where the model's fields are not finite", level: .debug)
      for (k, i) in bad.enumerated() {
        let j = good[k % good.count]
        times[i] = times[j]
        rows[i] = rows[j]
        if sampled == nil { for c in 0..<d { points[i * d + c] = points[j * d + c] } }
        if var q = logQValues { q[i] = q[j]; logQValues = q }
      }
      attempt += 1
    }
    let logQ = logQValues.map { host.tensor($0, shape: [n]) }

    /// length * E_{t, x ~ rho_t}[f] for f [n], differentiable in the model's parameters.
    func expectation(_ f: PluginTensor) -> PluginTensor {
      settings.estimator.expectation(f, logDensity: logRho, logProposal: logQ, length: length)
    }

    var jacobian: PluginTensor? = nil
    if exactCurl {
      // rows[i][:, j] = d u_i / d x_j; |J - J^T|_F^2 = 2 sum_{i<j} (J_ij - J_ji)^2.
      let rows = (0..<d).map { host.grad(of: u.column($0), wrt: x) }
      var asymmetry: PluginTensor? = nil
      for i in 0..<d {
        for j in (i + 1)..<d {
          let e = 2 * (rows[i].column(j) - rows[j].column(i)).squared()
          asymmetry = asymmetry.map { $0 + e } ?? e
        }
      }
      jacobian = expectation(asymmetry!.reshaped([n]))
    }
    let probed = settings.velocityGradientWeight > 0 || probedCurl
      ? try probedJacobianTerms(host: host, times: times, points: points, rows: rows, sampled: sampled, logProposal: logQValues,
                                length: length, dirichlet: settings.velocityGradientWeight > 0, curl: probedCurl)
      : (dirichlet: nil, curl: nil)
    let acceleration = settings.accelerationWeight > 0 ? expectation(accelerationSquared(host: host, t: t, x: x, times: times)) : nil
    return (expectation(speed), jacobian ?? probed.curl, probed.dirichlet, acceleration)
  }

  /// length * E_{t, x ~ rho_t} of the velocity's Dirichlet energy |grad u|_F^2 and of the curl
  /// penalty |grad u - grad u^T|_F^2 (`jacobian_estimator=hutchinson`), on every
  /// `jacobianProbeStride`-th point of the kinetic term's (their times stay stratified over the
  /// horizon). Hutchinson's estimator with one Rademacher v per point, E_v |A v|^2 = |A|_F^2:
  /// (grad u)^T v is one backward pass in x, (grad u) v one forward-mode pass, and the parameter
  /// gradient of either is third order in the network, hence the subsample; the cost does not grow
  /// with D the way the exact curl's D backward passes do. A population's densities fitted snapshot
  /// by snapshot carry each sample's own fluctuations, and the flow must morph one snapshot's into
  /// the next's: the Dirichlet energy makes that local rearrangement costly, and the curl penalty
  /// holds the flow to the gradient fields that least action chooses anyway.
  func probedJacobianTerms(host: PluginHost, times: [Double], points: [Double], rows: [Int], sampled: PluginTensor?, logProposal: [Double]?,
                           length: Double, dirichlet: Bool, curl: Bool) throws -> (dirichlet: PluginTensor?, curl: PluginTensor?) {
    let d = dimension
    let chosen = Array(stride(from: 0, to: times.count, by: Settings.jacobianProbeStride))
    let m = chosen.count
    let t = host.tensor(chosen.map { times[$0] }, shape: [m, 1])
    let x: PluginTensor
    if let sampled {
      x = gatherRows(chosen.map { rows[$0] }, of: sampled, host: host)
    } else {
      x = host.tensor(chosen.flatMap { i in points[(i * d)..<((i + 1) * d)] }, shape: [m, d]).variable()
    }
    let u = host.field(.drift, t: t, x: x)
    let v = host.tensor(try host.uniform([m * d]).values().map { $0 < 0.5 ? -1.0 : 1.0 }, shape: [m, d])
    let transposed = host.grad(of: (u * v).sum(axis: 1), wrt: x)
    let logDensity = host.field(.logDensity, t: t, x: x)
    let logQ = logProposal.map { q in host.tensor(chosen.map { q[$0] }, shape: [m]) }
    func expectation(_ w: PluginTensor) -> PluginTensor {
      settings.estimator.expectation(w.squared().sum(axis: 1).reshaped([m]), logDensity: logDensity, logProposal: logQ, length: length)
    }
    return (dirichlet ? expectation(transposed) : nil, curl ? expectation(host.jvp(of: u, wrt: x, tangent: v) - transposed) : nil)
  }

  /// The rows `indices` of `tensor`, in that order and differentiable (the ABI has no gather).
  func gatherRows(_ indices: [Int], of tensor: PluginTensor, host: PluginHost) -> PluginTensor {
    host.concatenate(indices.map { tensor.slice(axis: 0, $0..<($0 + 1)) }, axis: 0)
  }

  /// |a|^2, [n], of the probability-flow paths through (t, x): a = du/dt along the path =
  /// d_t u + (grad u) u, by a central difference along the flow, (u(t + h, x + h u) -
  /// u(t - h, x - h u)) / 2h (one-sided within h of the horizon's ends), h = 1 % of the horizon:
  /// second order, and differentiable through all three velocity evaluations. (The host's fields
  /// take t as data, so d_t u has no forward-mode route through the ABI.) OT geodesics move at
  /// constant velocity, so the true path of a population on one has a = 0; elsewhere the term
  /// prefers paths that keep their velocity across the snapshots, like a spline.
  func accelerationSquared(host: PluginHost, t: PluginTensor, x: PluginTensor, times: [Double]) -> PluginTensor {
    let n = times.count
    let h = 0.01 * (horizon.upperBound - horizon.lowerBound)
    let u = host.field(.velocity, t: t, x: x)
    let before = times.map { max(horizon.lowerBound, $0 - h) }, after = times.map { min(horizon.upperBound, $0 + h) }
    let back = host.tensor(zip(times, before).map { $0 - $1 }, shape: [n, 1])
    let ahead = host.tensor(zip(after, times).map { $0 - $1 }, shape: [n, 1])
    let uAhead = host.field(.velocity, t: host.tensor(after, shape: [n, 1]), x: x + ahead * u)
    let uBack = host.field(.velocity, t: host.tensor(before, shape: [n, 1]), x: x - back * u)
    let a = (uAhead - uBack) / (ahead + back)
    return a.squared().sum(axis: 1).reshaped([n])
  }

  // MARK: - State

  /// The constraints' multipliers and Fisher information, so that a resumed run continues with them.
  public func savedState() throws -> [UInt8]? { constraints.map { StateCoder.bytes($0.state) } }

  public func restore(state: [UInt8]) throws {
    guard var constraints else {
      throw ObjectiveError.invalidArgument("the checkpoint holds constraint multipliers, and this run has no hard constraints (constraint_rate=0)")
    }
    constraints.restore(try StateCoder.doubles(state, count: constraints.stateCount, what: "constraint multipliers"))
    self.constraints = constraints
  }

  // MARK: - Metrics

  public func evaluate(host: PluginHost) throws -> [String: Double] {
    try Evaluation(objective: self, host: host).metrics()
  }

  /// The toy pair's discrete-OT W2^2 on `assignment_samples` points per side, computed once.
  func discreteOTReference() -> Double? {
    guard let (a, b) = settings.toyPair else { return nil }
    if let discreteOT { return discreteOT }
    let value = ExportedFunctions.discreteOT(a, b, count: settings.assignmentSamples, seed: settings.dataSeed)
    discreteOT = value
    return value
  }
}
