// The plugin's parameters: declarations (what `nclhost info SOC` lists) and the problem they pose.
import NCLPluginKit

/// How E_{x ~ rho_t}[h(x)] is differentiated.
enum Estimator: String, CaseIterable {
  /// Exact samples (constants) with the score-function gradient and a leave-one-out baseline.
  case score
  /// Exact samples differentiated through the sampler (pathwise); needs derivatives of b, f, G.
  case reparameterized
}

/// The flux construction the plugin suggests (`nclhost run --flux` overrides it).
enum FluxChoice: String, CaseIterable {
  case knotheRosenblatt = "knothe-rosenblatt", telescoping

  var flux: ProblemDescription.Flux { self == .telescoping ? .telescoping : .knotheRosenblatt }
}

struct Settings {
  /// The default estimator in dimension d (README.md, "Estimators"): the pathwise one where the
  /// functions have derivatives and d <= 4 (a little ahead at d = 2), the score function above
  /// (the pathwise one's D extra sampling passes made a step 2 times as long at d = 10, 4 at d = 20).
  static func defaultEstimator(dimension d: Int) -> Estimator { d <= 4 ? .reparameterized : .score }

  /// The default batch in dimension d: 256, 128 above d = 10 (a Knothe-Rosenblatt step at d = 20
  /// took 0.28 s at 256 and 0.16 s at 128, so that 2000 steps fit 20 minutes here; README.md).
  static func defaultBatch(dimension d: Int) -> Int { d <= 10 ? 256 : 128 }

  static let declarations: [ParameterDeclaration] = [
    .choice("problem", ProblemKind.allCases.map(\.rawValue), default: "quadratic-hard",
            help: "quadratic-easy / quadratic-hard (OU, quadratic costs), linear-ou, double-well (SOC-matching's settings), custom (library=)"),
    .int("dimension", default: 0, range: 0...1000, help: "d (0: 2 for the quadratic problems, 10 for linear-ou and double-well; custom needs it)"),
    .float("lambda", default: 1, range: 1e-3...100, help: "noise level: the SDE's diffusion is sqrt(lambda) sigma"),
    .float("horizon", default: 1, range: 1e-3...100, help: "T"),
    .float("init_std", default: 0.1, range: 1e-3...10, help: "s of the initial law N(x0, s^2 I) standing in for the point x0"),
    .string("init_mean", default: "", help: "x0: one value or d comma-separated (empty: the problem's x0; custom: 0)"),
    .float("init_weight", default: 1, range: 0...1e6, help: "weight of the likelihood penalty -E_{x0 ~ N(x0, s^2 I)} log rho_0"),
    .bool("reverse_kl", default: false,
          help: "also penalize KL(rho_0 || N(x0, s^2 I)) (weight init_weight): the likelihood alone is mass-covering, so rho_0 may leak mass to cheaper states; off by default (slower training at d = 2, 10 times slower steps at d = 20; see README)"),
    .float("time_power", default: 1, range: 1...4,
           help: "times of the running cost t = T u^p from stratified u, weighted by p u^(p-1) (unbiased): p > 1 puts more of them right after t = 0"),
    .float("drift_warmup", default: -1, range: -1...0.95,
           help: "fraction of the training steps over which b is ramped up from 0 in the loss (a continuation for stiff drifts); -1: the problem's default (double-well 0.3, else 0)"),
    .int("problem_seed", default: 0, range: 0...1_000_000_000, help: "seed of x0 (quadratic, d > 2) and xi (linear-ou)"),
    .path("library", help: "custom: shared library exporting PREFIXdrift, PREFIXrunning_cost, PREFIXterminal_cost (see README)"),
    .string("symbol_prefix", default: "soc_", help: "custom: prefix of the library's function names"),
    .float("sigma", default: 1, range: 1e-3...100, help: "custom: sigma (a multiple of the identity)"),
    .choice("estimator", ["default"] + Estimator.allCases.map(\.rawValue), default: "default",
            help: "gradient of expectations under rho_t: score (score function), reparameterized (pathwise; needs derivatives), default: reparameterized where possible for d <= 4 (not double-well), else score"),
    .int("batch", default: -1, range: -1...1_000_000, help: "points per expectation per step (-1: 256, 128 for d > 10)"),
    .choice("model_size", ModelSize.allCases.map(\.rawValue), default: "medium",
            help: "suggested model: small (4 components, 2x32), medium (8, 2x64), large (16, 3x128); nclhost options override"),
    .choice("flux", FluxChoice.allCases.map(\.rawValue), default: "knothe-rosenblatt",
            help: "suggested flux: knothe-rosenblatt (the optimal flux of independent coordinates exactly; D passes) or telescoping (cheaper; one flux per density path, not the optimal one)"),
    .bool("divergence_free", default: false, help: "add the learned divergence-free flux term (D >= 2): freedom to reach the optimal flux"),
    .int("eval_paths", default: 2000, range: 10...10_000_000, help: "paths of the optimal and learned SDEs in the metrics"),
    .int("eval_steps", default: 100, range: 2...100_000, help: "Euler-Maruyama steps of those paths"),
    .int("eval_times", default: 20, range: 1...10_000, help: "times at which the control error is read along the optimal paths"),
    .int("eval_samples", default: 4000, range: 10...10_000_000, help: "model samples per time of the W2 metric"),
    .float("hjb_dx", default: 0.005, range: 1e-4...0.1, help: "double-well: grid spacing of the 1-D HJB solve on [-2.75, 2.75]"),
    .float("hjb_dt", default: 0.001, range: 1e-5...0.1, help: "double-well: time step of the 1-D HJB solve"),
    .string("plots", default: "", help: "d = 2: a directory for pictures (paths, marginals, control fields), written at evaluation"),
  ]

  let problem: ControlProblem
  let estimator: Estimator
  let initWeight: Double
  let reverseKL: Bool
  let timePower: Double
  /// Fraction of the training steps over which the loss ramps b up from 0.
  let driftWarmup: Double
  let batch, evalPaths, evalSteps, evalTimes, evalSamples: Int
  let modelSize: ModelSize
  let flux: FluxChoice
  let divergenceFree: Bool
  let plots: String

  /// The factor of b in the loss at `step`: from 0 up to 1 over the warm-up, then 1 (1 when the host
  /// does not say how many steps the run has).
  func driftScale(_ step: StepInfo) -> Double {
    guard driftWarmup > 0, step.totalSteps > 0 else { return 1 }
    return min(1, Double(step.step) / (driftWarmup * Double(step.totalSteps)))
  }

  init(_ p: ParameterValues) throws {
    let kind: ProblemKind = try p.choice("problem")
    let requested = try p.int("dimension")
    let d = requested > 0 ? requested : (kind == .quadraticEasy || kind == .quadraticHard ? 2 : kind == .custom ? 0 : 10)
    guard d >= 1 else { throw ObjectiveError.invalidArgument("problem=custom needs --set dimension=D") }
    let lambda = try p.double("lambda"), horizon = try p.double("horizon"), s = try p.double("init_std")
    let meanValues = try p.doubles("init_mean")
    var mean: [Double]? = nil
    if !meanValues.isEmpty {
      guard meanValues.count == 1 || meanValues.count == d else {
        throw ObjectiveError.invalidArgument("init_mean has \(meanValues.count) values; give 1 or dimension=\(d)")
      }
      mean = meanValues.count == 1 ? [Double](repeating: meanValues[0], count: d) : meanValues
    }
    let seed = UInt64(try p.int("problem_seed"))
    switch kind {
    case .quadraticEasy, .quadraticHard:
      problem = .quadratic(hard: kind == .quadraticHard, dimension: d, lambda: lambda, horizon: horizon, initialStd: s,
                           initialMean: mean, seed: seed)
    case .linearOU:
      problem = .linearOU(dimension: d, lambda: lambda, horizon: horizon, initialStd: s, initialMean: mean, seed: seed)
    case .doubleWell:
      problem = .doubleWell(dimension: d, lambda: lambda, horizon: horizon, initialStd: s, initialMean: mean,
                            hjbDx: try p.double("hjb_dx"), hjbDt: try p.double("hjb_dt"))
    case .custom:
      let path = try p.string("library")
      guard !path.isEmpty else { throw ObjectiveError.invalidArgument("problem=custom needs --set library=PATH (a shared library, see the README)") }
      let functions = try UserFunctions(path: path, prefix: try p.string("symbol_prefix"))
      problem = .custom(functions: functions, dimension: d, sigma: try p.double("sigma"), lambda: lambda, horizon: horizon,
                        initialStd: s, initialMean: mean)
    }
    let choice = try p.string("estimator")
    if choice == "default" {
      // The double well's stiff b put its derivative (up to 100) into every pathwise gradient: the
      // score function was 4 times closer to the optimal cost at d = 1 (README.md, "The double well").
      estimator = problem.hasDerivatives && kind != .doubleWell ? Settings.defaultEstimator(dimension: d) : .score
    } else {
      estimator = Estimator(rawValue: choice)!
      if estimator == .reparameterized, case .user(let u) = problem.drift, !u.hasDerivatives {
        throw ObjectiveError.invalidArgument("estimator=reparameterized needs the derivatives \(u.missingDerivatives.joined(separator: ", ")) in \(u.path); give them or use estimator=score")
      }
    }
    initWeight = try p.double("init_weight")
    reverseKL = try p.bool("reverse_kl")
    timePower = try p.double("time_power")
    let warmup = try p.double("drift_warmup")
    driftWarmup = warmup >= 0 ? warmup : (kind == .doubleWell ? 0.3 : 0)
    // Checkpoints written before batch followed the kit's -1 convention hold batch=0 for the default.
    let legacyDefault = try p.int("batch") == 0
    batch = try (legacyDefault ? nil : p.intOrDefault("batch", minimum: 8)) ?? Settings.defaultBatch(dimension: d)
    evalPaths = try p.int("eval_paths")
    evalSteps = try p.int("eval_steps")
    evalTimes = try p.int("eval_times")
    evalSamples = try p.int("eval_samples")
    modelSize = try p.choice("model_size")
    flux = try p.choice("flux")
    divergenceFree = try p.bool("divergence_free")
    plots = try p.string("plots")
  }
}
