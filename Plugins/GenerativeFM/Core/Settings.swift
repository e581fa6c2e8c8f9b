// The plugin's parameters: declarations (what `nclhost info GenerativeFM` lists) and their values.
import NCLPluginKit
import NCLSupport

/// What the model is trained to do (README.md, "Objectives", has the math and the measurements).
public enum ObjectiveKind: String, CaseIterable, Sendable {
  /// -E_data log rho_1 + init_weight * (-E_{N} log rho_0) + kinetic_weight * int E_{rho_t} |u|^2 / 2.
  case likelihood
  /// E_t E |v_t(x_t) - (x_1 - x_0)|^2 (model units) + init_weight * (-E_{N} log rho_0).
  case flowMatching = "flow-matching"
  /// flow-matching + interpolant_weight * (-E_t E log rho_t(x_t)) + (-E_data log rho_1).
  case flowMatchingLikelihood = "flow-matching-likelihood"
}

/// How noise and data points are paired in the interpolant.
public enum Coupling: String, CaseIterable, Sendable {
  /// x_0 and x_1 drawn independently (conditional flow matching).
  case independent
  /// The batch's exact optimal assignment of x_0 to x_1 for the squared distance in model units
  /// (minibatch-OT flow matching).
  case ot
}

struct Settings {
  /// The default objective: the best test NLL in README.md's comparison.
  static let defaultObjective = ObjectiveKind.flowMatchingLikelihood

  static let declarations: [ParameterDeclaration] = [
    .choice("data", ToyDistribution.allCases.map(\.rawValue) + ["csv"], default: "8gaussians",
            help: "a built-in 2-D law, or csv (csv=PATH: one point per row, any dimension)"),
    .path("csv", help: "data=csv: the points (D numeric columns, optional header)"),
    .int("samples", default: 25_000, range: 100...10_000_000, help: "built-in data: points drawn (train and test together)"),
    .float("test_fraction", default: 0.2, range: 0.01...0.9, help: "share of the points held out as test data"),
    .int("data_seed", default: 0, range: 0...1_000_000_000, help: "seed of the built-in data and of the train/test split"),
    .string("export_data", default: "", help: "a directory: write train.csv and test.csv there (the same points for other programs)"),
    .choice("objective", ["default"] + ObjectiveKind.allCases.map(\.rawValue), default: "default",
            help: "likelihood (MLE at t=1, kinetic regularizer), flow-matching (drift onto x1 - x0), flow-matching-likelihood (plus -E log rho_t(x_t)); default: \(defaultObjective.rawValue)"),
    .choice("coupling", Coupling.allCases.map(\.rawValue), default: "independent",
            help: "flow matching: pair noise and data independently, or by the batch's exact optimal assignment (ot)"),
    .float("init_weight", default: 1, range: 0...1e6, help: "weight of -E_{x ~ N} log rho_0(x): holds rho_0 to the standard normal of the model's coordinates"),
    .float("kinetic_weight", default: 0.01, range: 0...1e6, help: "likelihood: weight of int E_{rho_t} |u|^2 / 2 dt (model units)"),
    .float("interpolant_weight", default: 1, range: 0...1e6, help: "flow-matching-likelihood: weight of -E_t E log rho_t(x_t)"),
    .float("noise", default: 0.5, range: 0...100, help: "g of the SDE sampler, in model units (the data map's scale multiplies it)"),
    .int("batch", default: 256, range: 8...1_000_000, help: "points per expectation per step"),
    .choice("model_size", ModelSize.allCases.map(\.rawValue), default: "large",
            help: "suggested model: small (4 components, 2x32), medium (8, 2x64), large (16, 3x128); nclhost options override"),
    .int("eval_samples", default: 1000, range: 10...100_000, help: "samples per W2 (exact assignment, O(n^3)) and sampler"),
    .int("eval_steps", default: 100, range: 2...100_000, help: "steps of the ODE (RK4) and SDE (Euler-Maruyama) samplers in the metrics"),
    .int("kl_samples", default: 20_000, range: 10...10_000_000, help: "fresh samples of a known density for the KL metric"),
    .int("score_points", default: 100_000, range: 0...10_000_000, help: "points scored for the score_seconds_100k metric (0: not measured)"),
    .string("plots", default: "", help: "d = 2: a directory for pictures (samples and density at several times, the data sets), written at evaluation"),
  ]

  let data: DataSet
  let objective: ObjectiveKind
  let coupling: Coupling
  let initWeight, kineticWeight, interpolantWeight, noise: Double
  let batch, evalSamples, evalSteps, klSamples, scorePoints: Int
  let modelSize: ModelSize
  let plots: String

  init(_ p: ParameterValues) throws {
    let name = try p.string("data"), fraction = try p.double("test_fraction"), seed = UInt64(try p.int("data_seed"))
    if name == "csv" {
      let path = try p.string("csv")
      guard !path.isEmpty else { throw ObjectiveError.invalidArgument("data=csv needs --set csv=PATH (one point per row, D numeric columns)") }
      data = try DataSet.readCSV(path: path, testFraction: fraction, seed: seed)
    } else {
      data = DataSet(law: ToyDistribution(rawValue: name)!, count: try p.int("samples"), testFraction: fraction, seed: seed)
    }
    let export = try p.string("export_data")
    if !export.isEmpty {
      do { try data.export(to: export) } catch { throw ObjectiveError.invalidArgument("export_data: \(error)") }
    }
    let choice = try p.string("objective")
    objective = choice == "default" ? Settings.defaultObjective : ObjectiveKind(rawValue: choice)!
    coupling = try p.choice("coupling")
    initWeight = try p.double("init_weight")
    kineticWeight = try p.double("kinetic_weight")
    interpolantWeight = try p.double("interpolant_weight")
    noise = try p.double("noise")
    batch = try p.int("batch")
    modelSize = try p.choice("model_size")
    evalSamples = try p.int("eval_samples")
    evalSteps = try p.int("eval_steps")
    klSamples = try p.int("kl_samples")
    scorePoints = try p.int("score_points")
    plots = try p.string("plots")
  }
}
