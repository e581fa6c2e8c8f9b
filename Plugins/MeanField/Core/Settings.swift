// The plugin's parameters: declarations (what `nclhost info MeanField` lists) and the values they give.
import NCLPluginKit

/// How E_{x ~ rho_t}[h] is differentiated.
enum Estimator: String, CaseIterable {
  /// Exact samples differentiated through the sampler: the total derivative of E_{rho}[h(x; rho)]
  /// (through the points and through rho at the points).
  case reparameterized
  /// Exact samples as constants, score-function gradient with a leave-one-out baseline.
  case score
}

/// The flux construction the plugin suggests (`nclhost run --flux` overrides it).
enum FluxChoice: String, CaseIterable {
  case knotheRosenblatt = "knothe-rosenblatt", telescoping, `default`

  func flux(dimension: Int) -> ProblemDescription.Flux {
    switch self {
    case .knotheRosenblatt: return .knotheRosenblatt
    case .telescoping: return .telescoping
    // Knothe-Rosenblatt in every dimension: on opinion-high (d = 100) the telescoping flux's drift,
    // which divides by the density far in the tails, left every SDE path diverging and a control
    // cost of 4.8e5; Knothe-Rosenblatt's gave 135 and no diverged path, at half the steps per second.
    case .default: return .knotheRosenblatt
    }
  }
}

struct Settings {
  static let declarations: [ParameterDeclaration] = [
    .choice("task", TaskKind.allCases.map(\.rawValue), default: "gmm",
            help: "gmm (obstacles), v-neck (obstacle, entropy), s-tunnel (obstacles, interaction), opinion (d = 2, polarizing drift, entropy), opinion-high (d = dimension)"),
    .int("dimension", default: 0, range: 0...10_000, help: "opinion-high: d (0: 100); the other tasks fix d"),
    .string("sigma", default: "", help: "noise sigma of dX = u dt + sigma dW (empty: the task's, 1 for the crowds)"),
    .string("entropy_weight", default: "", help: "weight of int E_{rho_t} log rho_t dt (empty: the task's: v-neck 3, opinion 1, else 0)"),
    .string("congestion_weight", default: "", help: "weight of int E_{x ~ rho_t} rho_t(x) dt (empty: the task's, 0)"),
    .string("interaction_weight", default: "", help: "weight of int E_{x, y ~ rho_t} 2 / (1 + |x - y|^2) dt (empty: the task's: s-tunnel 0.5, else 0)"),
    .float("control_weight", default: 1, range: 0...1e6, help: "weight of the control cost (1; 0 leaves the mean-field terms alone, for checks)"),
    .float("control_cap", default: 10, range: 0...1e9,
           help: "training only: per-point control costs far above control_cap x the batch median grow like a square root (rare outliers in the gaps between modes otherwise stall Adam); 0: off"),
    .float("control_warmup", default: 0, range: 0...1,
           help: "fraction of the run over which the control weight ramps up from 0 (the marginals are fitted first; 0: full weight from the start)"),
    .float("obstacle_weight", default: -1, range: -1...1e7,
           help: "weight of the smooth obstacle barrier, per unit of depth (-1: the task's, DeepGSB's indicator cost 1500, gmm 6000)"),
    .float("obstacle_warmup", default: 0.2, range: 0...1,
           help: "fraction of the run over which the obstacle weight ramps up from 0 (the marginals are fitted first; 0: full weight from the start)"),
    .float("barrier_width", default: 0.1, range: 1e-4...10, help: "width of the barrier width * softplus((margin - d) / width) (the depth inside, smoothed), d the signed distance to an obstacle"),
    .float("barrier_margin", default: -1, range: -1...10,
           help: "margin of the barrier outside each obstacle, in data units: the push starts before the hard boundary, so the crowd's tails stay out (-1: the task's, v-neck 0.1, else 0.5)"),
    .float("marginal_weight", default: -1, range: -1...1e6,
           help: "weight of the marginal terms -E_{p0} log rho_0 - E_{p1} log rho_T (+ the reverse KLs, see reverse_kl); -1: \(Settings.marginalFactor) x the task's transport scale (\(Settings.multimodalMarginalFactor) x for a multimodal p1, the gmm; see README), at least \(Settings.minimumMarginalWeight)"),
    .float("mode_share_rate", default: -1, range: -1...1,
           help: "multimodal p1: dual-ascent rate of the constraint that holds rho_T's share of each mode at p1's (the likelihood's modes reweighted; see README); 0: off; -1: the task's (gmm 0.002)"),
    .int("mode_share_grid", default: -1, range: -1...4096,
         help: "2-D mixture targets, evaluation: nodes per axis of the grid on which rho_T's exact density is integrated over each mode's cell (its exact mode weights, for mode_weight_error and the stratified W2's counts); 0: read them from stratified_pool exact samples; -1: the task's (gmm 200)"),
    .bool("stratified_marginals", default: true,
          help: "draw each likelihood batch of a mixture law with every component's exact share of points (not a multinomial count; see README)"),
    .bool("reverse_kl", default: false,
          help: "add KL(rho_0 || p0) + KL(rho_T || p1) (weight marginal_weight) to the likelihoods (mode-seeking: on the GMM it collapses the ring onto a few modes; off by default, the marginal weight holds the ends)"),
    .choice("estimator", ["task"] + Estimator.allCases.map(\.rawValue), default: "task",
            help: "gradient of expectations under rho_t: score (score function), reparameterized (pathwise, total derivative), task (score in d = 2, reparameterized for opinion-high)"),
    .int("batch", default: -1, range: -1...1_000_000,
         help: "points per expectation per step (half as many times, two points each); -1: the task's (gmm 1024, else 256)"),
    .choice("model_size", ["task"] + ModelSize.allCases.map(\.rawValue), default: "task",
            help: "suggested model: small (4 components, 2x32), medium (8, 2x64), large (16, 3x128), task (gmm: 64 components, 3x128; else medium); nclhost options override"),
    .choice("flux", FluxChoice.allCases.map(\.rawValue), default: "default",
            help: "suggested flux: knothe-rosenblatt, telescoping, default (knothe-rosenblatt; the drift of the telescoping one did not simulate in d = 100)"),
    .bool("divergence_free", default: false,
          help: "suggest the model's learned divergence-free flux term (a flux beyond Knothe-Rosenblatt's triangular one, closer to the least-action path)"),
    .int("eval_samples", default: 2000, range: 10...1_000_000, help: "points of the W2 (exact assignment) and of each time's obstacle test"),
    .int("eval_times", default: 50, range: 2...10_000, help: "times in [0, T] at which the mass inside obstacles is read"),
    .int("eval_paths", default: 2000, range: 10...1_000_000, help: "paths of the learned SDE from p0 in the metrics"),
    .int("eval_steps", default: 0, range: 0...1_000_000, help: "Euler-Maruyama steps of those paths (0: the task's, 100 per unit of time as DeepGSB, gmm 1000)"),
    .bool("eval_floors", default: true, help: "also report the W2 that two samples of the target law give (the floor of a perfect model; one more assignment)"),
    .int("stratified_pool", default: 10_000_000, range: 10...100_000_000,
         help: "mixture targets: exact samples of rho_T whose shares per mode set its counts in the stratified W2 (p1's are its weights), and draws of each law for the cells' points (see README)"),
    .int("stratified_draws", default: 4, range: 1...100,
         help: "mixture targets: disjoint draws of eval_samples points whose stratified W2s are averaged"),
    .string("plots", default: "", help: "d = 2: a directory for pictures (density and paths over time, obstacles drawn), written at evaluation"),
  ]

  let task: CrowdTask
  let sigma: Double
  let entropyWeight, congestionWeight, interactionWeight: Double
  let controlWeight, controlWarmup, controlCap, obstacleWeight, obstacleWarmup, barrierWidth, barrierMargin, marginalWeight, modeShareRate: Double
  let estimator: Estimator
  let batch, evalSamples, evalTimes, evalPaths, evalSteps, stratifiedPool, stratifiedDraws: Int
  /// Nodes per axis of the evaluation's mode-share quadrature grid (0: read the shares from a pool of samples).
  let modeShareGrid: Int
  /// The suggested model: (components, hidden width, hidden layers).
  let modelShape: (Int, Int, Int)
  let flux: FluxChoice
  let plots: String
  let evalFloors: Bool
  let reverseKL: Bool
  let stratifiedMarginals: Bool
  let divergenceFree: Bool

  init(_ p: ParameterValues) throws {
    let kind: TaskKind = try p.choice("task")
    let d = try p.int("dimension")
    if d != 0 && kind != .opinionHigh {
      throw ObjectiveError.invalidArgument("dimension=\(d): only task=opinion-high takes a dimension (task=\(kind.rawValue) is 2-D)")
    }
    if kind == .opinionHigh && d == 1 { throw ObjectiveError.invalidArgument("dimension=1: opinion-high needs d >= 2") }
    task = CrowdTask.make(kind, dimension: d)
    func optional(_ name: String, _ fallback: Double, positive: Bool = false) throws -> Double {
      let values = try p.doubles(name)
      guard let value = values.first else { return fallback }
      guard values.count == 1 else { throw ObjectiveError.invalidArgument("\(name) takes one number, got '\(try p.string(name))'") }
      guard value >= 0 && (!positive || value > 0) else {
        throw ObjectiveError.invalidArgument("\(name)=\(value) must be \(positive ? "positive" : "non-negative")")
      }
      return value
    }
    sigma = try optional("sigma", task.sigma, positive: true)
    entropyWeight = try optional("entropy_weight", task.entropyWeight)
    congestionWeight = try optional("congestion_weight", task.congestionWeight)
    interactionWeight = try optional("interaction_weight", task.interactionWeight)
    controlWeight = try p.double("control_weight")
    controlWarmup = try p.double("control_warmup")
    controlCap = try p.double("control_cap")
    obstacleWeight = try p.doubleOrDefault("obstacle_weight", what: "a weight >= 0") ?? task.obstacleWeight
    obstacleWarmup = try p.double("obstacle_warmup")
    barrierWidth = try p.double("barrier_width")
    let margin = try p.double("barrier_margin")
    barrierMargin = margin >= 0 ? margin : task.barrierMargin
    let marginal = try p.double("marginal_weight")
    guard marginal == -1 || marginal > 0 else {
      throw ObjectiveError.invalidArgument("marginal_weight=\(marginal) must be positive (or -1: the task's transport scale)")
    }
    marginalWeight = Settings.marginalWeight(requested: marginal, task: task, sigma: sigma)
    modeShareRate = try p.doubleOrDefault("mode_share_rate", what: "a rate >= 0") ?? task.modeShareRate
    let grid = try p.int("mode_share_grid")
    guard grid == -1 || grid == 0 || (grid >= 10 && task.dimension == 2) else {
      throw ObjectiveError.invalidArgument(grid < 10
        ? "mode_share_grid=\(grid) must be at least 10 nodes per axis (0: shares from stratified_pool samples; -1: the task's)"
        : "mode_share_grid=\(grid): the quadrature is for 2-D targets (task=\(kind.rawValue) has d = \(task.dimension))")
    }
    modeShareGrid = grid == -1 ? task.modeShareGrid : grid
    estimator = try p.string("estimator") == "task" ? (task.prefersScoreFunction ? .score : .reparameterized) : try p.choice("estimator")
    batch = try p.intOrDefault("batch", minimum: 8) ?? task.batch
    guard batch % 2 == 0 else { throw ObjectiveError.invalidArgument("batch=\(batch) must be even (two points per time)") }
    evalSamples = try p.int("eval_samples")
    evalTimes = try p.int("eval_times")
    evalPaths = try p.int("eval_paths")
    let steps = try p.int("eval_steps")
    evalSteps = steps > 0 ? steps : Int((Double(task.sdeStepsPerUnitTime) * task.horizon).rounded())
    stratifiedPool = try p.int("stratified_pool")
    stratifiedDraws = try p.int("stratified_draws")
    let sizeName = try p.string("model_size")
    modelShape = sizeName == "task" ? task.modelShape : (try p.choice("model_size") as ModelSize).shape
    flux = try p.choice("flux")
    plots = try p.string("plots")
    evalFloors = try p.bool("eval_floors")
    reverseKL = try p.bool("reverse_kl")
    stratifiedMarginals = try p.bool("stratified_marginals")
    divergenceFree = try p.bool("divergence_free")
    if !plots.isEmpty && task.dimension != 2 {
      throw ObjectiveError.invalidArgument("plots=\(plots): pictures are drawn for d = 2 only (task=\(kind.rawValue) has d = \(task.dimension))")
    }
  }
}

extension Settings {
  /// marginal_weight=-1: this many times the task's transport scale (CrowdTask.transportScale), so
  /// the marginals hold as (near-)hard constraints: leaving a fraction f of the crowd behind saves at
  /// most f x that scale of control cost but costs marginal_weight x -log(1 - f) of likelihood.
  static let marginalFactor = 8.0
  /// The factor for a multimodal p1. Moving a share delta of the crowd from one mode to another
  /// that costs c more to reach saves delta c of control and costs about K delta^2 of likelihood per
  /// unit of weight (K modes), so the soft constraint leaves each mode's weight off by about
  /// c / (K weight): on the GMM 0.5-0.9 % at 8 x (W2 1.0-1.3, each misplaced share moved 12 units to
  /// the next mode), 0.14-0.27 % at 64 x (W2 0.52-0.68).
  static let multimodalMarginalFactor = 64.0
  /// The least marginal_weight=-1 gives (tasks whose laws barely differ).
  static let minimumMarginalWeight = 50.0
  /// marginal_weight as set, or for -1 the task's: its factor x its transport scale, at least minimumMarginalWeight.
  static func marginalWeight(requested: Double, task: CrowdTask, sigma: Double) -> Double {
    let factor = task.hasMultimodalTarget ? multimodalMarginalFactor : marginalFactor
    return requested > 0 ? requested : max(minimumMarginalWeight, factor * task.transportScale(sigma: sigma))
  }

  /// The obstacle weight at `step`: ramped linearly over the first obstacle_warmup of the run.
  func obstacleWeight(at step: StepInfo) -> Double { obstacleWeight * step.warmup(obstacleWarmup) }

  /// Whether the mode-share constraint's multipliers move at `step`: once the obstacles' warm-up is over.
  func movesModeShares(at step: StepInfo) -> Bool { modeShareRate > 0 && step.warmup(obstacleWarmup) >= 1 }

  /// The control weight at `step`: ramped linearly over the first control_warmup of the run.
  func controlWeight(at step: StepInfo) -> Double { controlWeight * step.warmup(controlWarmup) }
}
