// The plugin's parameters: declarations (what `nclhost info DynamicalOT` lists) and their parsed values.
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import NCLPluginKit
import NCLSupport

/// How expectations under the model, E_{t, x ~ rho_t}[f], are estimated with gradients
/// (`estimator`): the transport loss's estimators (NCLSupport).
typealias Estimator = TransportLoss.Estimator

enum DataKind: String, CaseIterable {
  /// Two marginals at t = 0 and t = 1: `source` and `target`.
  case pair
  /// Snapshots read from `csv`.
  case csv
  /// Snapshots of the built-in `population` process.
  case population
}

/// How the curl penalty |grad u - grad u^T|_F^2 is computed (`jacobian_estimator`).
enum JacobianEstimator: String, CaseIterable {
  /// Every Jacobian row by its own backward pass, on every kinetic point: D passes.
  case exact
  /// Hutchinson's estimator on every `Settings.jacobianProbeStride`-th kinetic point: one backward
  /// and one forward-mode pass, whatever D.
  case hutchinson
}

/// The flux construction the plugin suggests (`nclhost run --flux` overrides it).
enum FluxChoice: String, CaseIterable {
  case knotheRosenblatt = "knothe-rosenblatt", telescoping, naive

  var flux: ProblemDescription.Flux {
    switch self {
    case .knotheRosenblatt: return .knotheRosenblatt
    case .telescoping: return .telescoping
    case .naive: return .naive
    }
  }
}

struct Settings {
  static let laws = ToyDistribution.allCases.map(\.rawValue) + ["gaussian"]

  static let declarations: [ParameterDeclaration] = [
    .choice("data", DataKind.allCases.map(\.rawValue), default: "pair",
            help: "marginals: pair (source at t=0, target at t=1), csv (snapshots from a file) or population (built-in process)"),
    .choice("source", laws, default: "ncl-pinwheel", help: "pair: the law at t = 0 (2-D toys, or gaussian in any dimension)"),
    .choice("target", laws, default: "ncl-8gaussians", help: "pair: the law at t = 1 (ncl-*: the scale of the NCL paper's OT experiment)"),
    .int("dimension", default: 2, range: 1...64, help: "dimension of gaussian pairs and population data (toys are 2-D)"),
    .string("mean0", default: "-1", help: "gaussian source mean: one value for every coordinate, or D comma-separated"),
    .string("std0", default: "0.5", help: "gaussian source standard deviations: one value, or D comma-separated"),
    .string("mean1", default: "1", help: "gaussian target mean: one value, or D comma-separated"),
    .string("std1", default: "1", help: "gaussian target standard deviations: one value, or D comma-separated"),
    .path("csv", help: "csv: rows of time then coordinates (a header line is allowed); one marginal per distinct time"),
    .choice("population", PopulationProcess.allCases.map(\.rawValue), default: "branching",
            help: "population: the known process sampled at population_times times in [0, 1] (geodesic: exactly on an OT geodesic)"),
    .int("population_size", default: 2000, range: 10...1_000_000, help: "population: points per snapshot"),
    .int("population_times", default: 5, range: 2...100, help: "population: number of equally spaced snapshots"),
    .int("leave_out", default: -1, range: -1...1000,
         help: "csv/population: index (0-based, in time order) of an intermediate snapshot left out of training; -1: none"),
    .float("holdout_fraction", default: 0.1, range: 0...0.9, help: "csv/population: fraction of each snapshot kept for held-out NLL"),
    .int("data_seed", default: 0, range: 0...1_000_000_000, help: "seed of built-in data sets, held-out splits and proposal fits"),
    .float("kinetic_weight", default: -1, range: -1...1e6,
           help: "weight of the kinetic energy E|u|^2/2 (-1: \(Settings.nclPairKineticWeight) for a pair of ncl-* toys, else \(Settings.defaultKineticWeight), annealed with 3 or more snapshots: kinetic_weight_final; small: the marginals dominate, 1 makes the model prefer not to move)"),
    .float("kinetic_weight_final", default: -1, range: -1...1e6,
           help: "annealing: the kinetic weight reached after kinetic_anneal_steps steps, geometrically (-1: \(Settings.snapshotKineticFinalFactor) x kinetic_weight with 3 or more snapshots, else kinetic_weight, no annealing)"),
    .int("kinetic_anneal_steps", default: -1, range: -1...100_000_000,
         help: "annealing: steps from kinetic_weight to kinetic_weight_final (-1: the first two thirds of the run)"),
    .float("constraint_rate", default: -1, range: -1...10,
           help: "hard marginals: dual step of the multipliers that hold each training marginal's score moments (Stein: E grad log rho = 0, E grad log rho (x - m)^T = -I), cancelling the kinetic term's pull on its mean and covariance (0: off, the soft objective; -1: \(Settings.defaultConstraintRate) for two marginals other than the 2-D toys, else 0)"),
    .choice("estimator", Estimator.allCases.map(\.rawValue), default: "score",
            help: "expectations under the model: importance (proposal weights rho/q), score (exact samples, score function with baseline) or reparameterized (exact samples differentiated through the sampler)"),
    .choice("proposal", Proposal.Kind.allCases.map(\.rawValue), default: "gaussian",
            help: "importance: gaussian (fitted to the marginals, interpolated in t) or box (uniform)"),
    .float("proposal_scale", default: 1.5, range: 0.1...100, help: "importance: widening of the proposal's standard deviations"),
    .float("noise", default: 0, range: 0...100, help: "constant noise g of the SDE whose drift u enters the kinetic energy"),
    .float("jacobian_weight", default: 0, range: 0...1e6,
           help: "weight of the curl penalty E|grad u - grad u^T|_F^2: least action moves mass along gradient fields (0: off)"),
    .choice("jacobian_estimator", JacobianEstimator.allCases.map(\.rawValue), default: "hutchinson",
            help: "jacobian_weight's estimator: hutchinson (on every \(Settings.jacobianProbeStride)th kinetic point, one backward and one forward-mode pass) or exact (D backward passes on every kinetic point)"),
    .float("velocity_gradient_weight", default: 0, range: 0...1e6,
           help: "weight of the velocity's Dirichlet energy E|grad u|_F^2 (Hutchinson's estimator on every \(Settings.jacobianProbeStride)th kinetic point), which makes the flow's local rearrangement of one snapshot's fluctuations into the next's costly (0: off)"),
    .float("acceleration_weight", default: -1, range: -1...1e6,
           help: "weight of the paths' acceleration E|du/dt + (grad u) u|^2, a smoothness prior across snapshots, zero on OT geodesics (-1: \(Settings.accelerationFactor) x kinetic_weight x snapshot spacing^2 with 3 or more snapshots, 0 for a pair; costs two extra velocity evaluations)"),
    .float("acceleration_warmup", default: 0.2, range: 0...1,
           help: "fraction of the run over which the acceleration weight ramps up from 0, so the marginals are fitted before the smoothness prior shapes the path (0: full weight from the start)"),
    .choice("flux", FluxChoice.allCases.map(\.rawValue), default: "knothe-rosenblatt",
            help: "suggested flux: knothe-rosenblatt (represents the OT flow of Gaussians exactly), telescoping (cheaper), naive (ablation: spurious flux)"),
    .bool("divergence_free", default: true, help: "add the learned divergence-free flux term (D >= 2)"),
    .int("batch", default: -1, range: -1...1_000_000,
         help: "samples per marginal and points of the kinetic term per step (-1: \(Settings.snapshotBatch) with 3 or more snapshots, else \(Settings.defaultBatch))"),
    .choice("model_size", ModelSize.allCases.map(\.rawValue), default: "medium",
            help: "suggested model: small (4 components, 2x32), medium (8, 2x64), large (16, 3x128); nclhost options override"),
    .int("eval_samples", default: 4000, range: 10...1_000_000, help: "samples for the transport cost, held-out NLL and moments"),
    .int("assignment_samples", default: 2000, range: 10...10_000,
         help: "points per side of the exact assignments behind W2 and W1 (O(n^3) time)"),
    .int("w1_draws", default: 4, range: 1...100,
         help: "with leave_out: independent model draws (and fresh draws of a built-in population's true law) whose W1s to the left-out snapshot are averaged into w1_left_out_mean (and w1_left_out_noise_floor_mean)"),
    .int("ode_steps", default: 100, range: 1...100_000, help: "RK4 steps of the transport-cost integration"),
  ]

  let data: DataKind
  let dimension: Int
  let marginals: [Marginal]
  /// The two Gaussians of a gaussian-to-gaussian pair (known answers), else nil.
  let gaussianPair: GaussianPair?
  /// The toy laws of a toy-to-toy pair, else nil.
  let toyPair: (ToyDistribution, ToyDistribution)?
  /// Both laws of the pair are ncl-* toys (the NCL experiment's scale): kinetic_weight=-1 resolves to
  /// `nclPairKineticWeight`.
  let isNCLPair: Bool
  /// The built-in process behind data=population (fresh draws of its laws give the noise floor), else nil.
  let populationProcess: PopulationProcess?
  let kineticWeight, kineticWeightFinal, jacobianWeight, velocityGradientWeight, accelerationWeight, accelerationWarmup, noise, proposalScale: Double
  let kineticAnnealSteps: Int
  /// The dual step of the score-moment constraints (0: off, the soft objective).
  let constraintRate: Double
  let estimator: Estimator
  let jacobianEstimator: JacobianEstimator
  let proposal: Proposal.Kind
  let divergenceFree: Bool
  let flux: FluxChoice
  let batch, evalSamples, assignmentSamples, w1Draws, odeSteps: Int
  let modelSize: ModelSize
  let dataSeed: UInt64

  /// `kinetic_weight=-1` (the default) for everything but the ncl-* pair: the marginals
  /// dominate (the soft-constraint bias of the transport cost is about -13 % on the D = 2
  /// Gaussian pair).
  static let defaultKineticWeight = 0.05
  /// `kinetic_weight=-1` for a pair of the ncl-* toys (ncl-pinwheel -> ncl-8gaussians, the default
  /// problem): with 0.05 the multimodal pair's coupling stays loose (transport cost 0.329 against
  /// discrete OT 0.249 at 12000 steps), with this weight it is within a few percent at nearly the
  /// same NLL; the modes are narrow, so the pull on the endpoints is small. Tuned at this scale
  /// only: the kinetic term grows with the square of the distances, the NLL does not.
  static let nclPairKineticWeight = 0.5
  /// `acceleration_weight=-1` with 3 or more snapshots: this times kinetic_weight times the squared
  /// snapshot spacing, so that |a|^2 spacing^2, a velocity change across one spacing, weighs about a
  /// third of the kinetic energy (and the weight follows the data's time units). 1e-3 for the
  /// built-in populations (5 snapshots on [0, 1], kinetic_weight 0.05), which the leave-one-out
  /// measurements chose (README): geodesic neutral, branching and rotating better.
  static let accelerationFactor = 0.32
  /// The velocity's Dirichlet energy and the Hutchinson curl penalty are estimated on every this-th
  /// kinetic point: their parameter gradients are third order in the network (the Dirichlet energy
  /// on all 512 points: 3x the step in D = 5, README).
  static let jacobianProbeStride = 8
  /// `constraint_rate=-1` for two marginals (a Gaussian pair, a file with two times; not the 2-D
  /// toys, and not 3 or more snapshots, where the populations measured mixed: README "Hard marginal
  /// constraints"): the dual step per minibatch that
  /// the D = 5 rotated Gaussians chose (README "Rotated anisotropic Gaussians": at 0.02 the
  /// multipliers follow the minibatch noise and the path loosens, 0.005 and 0.002 both cancel the
  /// pull, 0.002 with the smaller mid-time covariance error).
  static let defaultConstraintRate = 0.002
  /// Added to data_seed for the fresh population sample behind the noise floor of the left-out W1.
  static let noiseFloorSeedOffset: UInt64 = 0x51CE_F100
  /// Added to the noise floor's seed for the geodesic's exact draws behind kl<k>, apart from the
  /// noise floor's own draws (noiseFloorSeedOffset + j for small j).
  static let klSeedOffset: UInt64 = 0x6B_0000
  /// The same for the particles behind path_error_left_out.
  static let pathSeedOffset: UInt64 = 0x70_0000

  /// `kinetic_weight_final=-1` with 3 or more snapshots: this times kinetic_weight. The kinetic term
  /// pulls every marginal toward its neighbours (most the last, an end pulled from one side only),
  /// so its weight sets the bias of the fitted snapshots and of the path between them; but it is
  /// also what keeps an untrained flow tame, and at 0.02 from the first step two of three D = 5
  /// geodesic runs lost their marginals to a runaway acceleration. Annealed from 0.05 to 0.01 over
  /// two thirds of the run, the geodesic's transport cost is within about 1 % of the exact one in
  /// D = 2 and 5 (5-10 % low at a constant 0.05), and the left-out W1s improved or held but one,
  /// which the larger batch then recovered (README "The kinetic weight annealed", "The batch for
  /// snapshots").
  static let snapshotKineticFinalFactor = 0.2
  /// `batch=-1` for a pair.
  static let defaultBatch = 256
  /// `batch=-1` with 3 or more snapshots: every training snapshot's likelihood and the kinetic and
  /// acceleration terms share the step's parameters, and at 256 the path's start from the first
  /// snapshot was the least settled (geodesic D = 2, t = 0.25 left out: W1 0.126 pushed at 256,
  /// 0.107 at 512; README "The batch for snapshots"), for about 1.5x the step time.
  static let snapshotBatch = 512
  /// `kinetic_anneal_steps=-1`: the annealing spans this fraction of the run (the host's step count).
  static let annealFraction = 2.0 / 3.0

  /// The kinetic weight at a step: geometric from kinetic_weight to kinetic_weight_final over
  /// kinetic_anneal_steps steps (-1: annealFraction of the run), then constant. A host that does not
  /// say the run's length gets no annealing from -1: the starting weight is the safe one.
  func kineticWeight(at step: StepInfo) -> Double {
    guard kineticWeightFinal != kineticWeight else { return kineticWeight }
    let span = kineticAnnealSteps >= 0 ? Double(kineticAnnealSteps) : Settings.annealFraction * Double(step.totalSteps)
    guard span > 0 else { return kineticWeight }
    let progress = min(Double(max(step.step - 1, 0)) / span, 1)
    return kineticWeight * pow(kineticWeightFinal / kineticWeight, progress)
  }

  /// The acceleration weight at `step`: warmed up over the first acceleration_warmup of the run.
  func accelerationWeight(at step: StepInfo) -> Double { accelerationWeight * step.warmup(accelerationWarmup) }

  init(_ p: ParameterValues) throws {
    data = try p.choice("data")
    accelerationWarmup = try p.double("acceleration_warmup")
    let requestedKineticWeight = try p.doubleOrDefault("kinetic_weight", what: "a weight >= 0")
    let final = try p.doubleOrDefault("kinetic_weight_final", what: "a weight >= 0")
    kineticAnnealSteps = try p.int("kinetic_anneal_steps")
    jacobianWeight = try p.double("jacobian_weight")
    jacobianEstimator = try p.choice("jacobian_estimator")
    velocityGradientWeight = try p.double("velocity_gradient_weight")
    let requestedAccelerationWeight = try p.doubleOrDefault("acceleration_weight", what: "a weight >= 0")
    noise = try p.double("noise")
    proposalScale = try p.double("proposal_scale")
    estimator = try p.choice("estimator")
    proposal = try p.choice("proposal")
    divergenceFree = try p.bool("divergence_free")
    flux = try p.choice("flux")
    let requestedBatch = try p.intOrDefault("batch", minimum: 8)
    evalSamples = try p.int("eval_samples")
    assignmentSamples = try p.int("assignment_samples")
    w1Draws = try p.int("w1_draws")
    odeSteps = try p.int("ode_steps")
    modelSize = try p.choice("model_size")
    dataSeed = UInt64(try p.int("data_seed"))
    let leaveOut = try p.int("leave_out")
    let holdout = try p.double("holdout_fraction")

    switch data {
    case .pair:
      if leaveOut >= 0 { throw ObjectiveError.invalidArgument("leave_out=\(leaveOut) needs data=csv or data=population (a pair has no intermediate time)") }
      let sourceName = try p.string("source"), targetName = try p.string("target")
      let usesToy = [sourceName, targetName].contains { $0 != "gaussian" }
      let requested = try p.int("dimension")
      if usesToy && requested != 2 {
        throw ObjectiveError.invalidArgument("dimension=\(requested), but the built-in toys (source=\(sourceName), target=\(targetName)) are 2-D; use gaussian for other dimensions")
      }
      dimension = requested
      func law(_ name: String, _ index: Int) throws -> Marginal.Source {
        if let toy = ToyDistribution(rawValue: name) { return .toy(toy) }
        let mean = try Settings.vector(p, "mean\(index)", dimension: requested)
        let std = try Settings.vector(p, "std\(index)", dimension: requested)
        if let bad = std.first(where: { $0 <= 0 }) { throw ObjectiveError.invalidArgument("std\(index): \(bad) must be positive") }
        return .gaussian(mean: mean, std: std)
      }
      let source = try law(sourceName, 0), target = try law(targetName, 1)
      marginals = [Marginal(time: 0, source: source, dimension: requested), Marginal(time: 1, source: target, dimension: requested)]
      if case let .gaussian(m0, s0) = source, case let .gaussian(m1, s1) = target {
        gaussianPair = GaussianPair(mean0: m0, std0: s0, mean1: m1, std1: s1)
      } else {
        gaussianPair = nil
      }
      if case let .toy(a) = source, case let .toy(b) = target { toyPair = (a, b) } else { toyPair = nil }
      isNCLPair = [sourceName, targetName].allSatisfy { $0.hasPrefix("ncl-") }
      populationProcess = nil
    case .csv, .population:
      gaussianPair = nil
      toyPair = nil
      isNCLPair = false
      let snapshots: SnapshotData
      var process: PopulationProcess? = nil
      if data == .csv {
        let path = try p.string("csv")
        guard !path.isEmpty else { throw ObjectiveError.invalidArgument("data=csv needs --set csv=FILE") }
        snapshots = try SnapshotData.readCSV(path: path)
      } else {
        let d = try p.int("dimension")
        guard d >= 2 else { throw ObjectiveError.invalidArgument("data=population needs dimension >= 2, got \(d)") }
        let m = try p.int("population_times")
        let chosen: PopulationProcess = try p.choice("population")
        process = chosen
        snapshots = chosen.snapshots(dimension: d, times: (0..<m).map { Double($0) / Double(m - 1) },
                                      count: try p.int("population_size"), seed: dataSeed)
      }
      if leaveOut >= 0 && !(1...max(1, snapshots.times.count - 2)).contains(leaveOut) || leaveOut >= 0 && snapshots.times.count < 3 {
        throw ObjectiveError.invalidArgument("leave_out=\(leaveOut) must name an intermediate snapshot, 1...\(snapshots.times.count - 2) (times \(snapshots.times))")
      }
      populationProcess = process
      dimension = snapshots.dimension
      marginals = snapshots.marginals(heldOutFraction: holdout, leaveOut: leaveOut >= 0 ? leaveOut : nil, seed: dataSeed)
    }
    kineticWeight = requestedKineticWeight ?? (isNCLPair ? Settings.nclPairKineticWeight : Settings.defaultKineticWeight)
    batch = requestedBatch ?? (marginals.count >= 3 ? Settings.snapshotBatch : Settings.defaultBatch)
    kineticWeightFinal = final ?? (marginals.count >= 3 ? Settings.snapshotKineticFinalFactor * kineticWeight : kineticWeight)
    let spacing = (marginals.last!.time - marginals.first!.time) / Double(max(1, marginals.count - 1))
    accelerationWeight = requestedAccelerationWeight
      ?? (marginals.count >= 3 ? Settings.accelerationFactor * kineticWeight * spacing * spacing : 0)
    constraintRate = try p.doubleOrDefault("constraint_rate", what: "a dual step >= 0 (0: off)")
      ?? (toyPair == nil && marginals.count == 2 ? Settings.defaultConstraintRate : 0)
    if kineticWeightFinal != kineticWeight && (kineticWeight == 0 || kineticWeightFinal == 0 || kineticAnnealSteps == 0) {
      throw ObjectiveError.invalidArgument("annealing from kinetic_weight=\(kineticWeight) to kinetic_weight_final=\(kineticWeightFinal) needs both positive and kinetic_anneal_steps > 0 (-1: the first two thirds of the run)")
    }
  }

  /// A parameter holding one number (every coordinate) or `dimension` comma-separated numbers.
  static func vector(_ p: ParameterValues, _ name: String, dimension: Int) throws -> [Double] {
    let values = try p.doubles(name)
    if values.count == 1 { return Array(repeating: values[0], count: dimension) }
    guard values.count == dimension else {
      throw ObjectiveError.invalidArgument("\(name) has \(values.count) values; give 1 or dimension=\(dimension)")
    }
    return values
  }
}
