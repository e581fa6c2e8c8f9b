// The built-in tasks: DeepGSB's crowd-navigation and opinion-dynamics settings.
import NCLPluginKit
import NCLSupport

/// The `task` parameter's choices.
public enum TaskKind: String, CaseIterable, Sendable {
  case gmm, vNeck = "v-neck", sTunnel = "s-tunnel", opinion, opinionHigh = "opinion-high"
}

/// One mean-field control problem: move the law p_0 at t = 0 to p_1 at t = T under
/// dX = u dt + sigma dW, paying |u - b|^2 / (2 sigma^2), the obstacles and the mean-field terms.
/// Settings of ghliu/DeepGSB (`configs/`, `mfg/constraint.py`, `mfg/state_cost.py`, `run.sh`).
public struct CrowdTask: Sendable {
  public let kind: TaskKind
  public let dimension: Int
  public let horizon: Double
  public let sigma: Double
  public let initial: GaussianMixture
  public let target: GaussianMixture
  public let obstacles: [Obstacle]
  /// DeepGSB's `MF_cost` of the task, on the term it uses.
  public let entropyWeight, congestionWeight, interactionWeight: Double
  /// The polarizing drift (opinion tasks), else nil (b = 0).
  public let opinion: OpinionDrift?
  /// The data map: the model sees (x - shift) / scale, coordinates of unit order along the whole path.
  public let shift, scale: [Double]

  // MARK: - The task's own defaults (each measured: README, "Benchmark")

  /// The obstacle barrier's default margin (barrier_margin=-1), in data units: 0.5 where the
  /// passages are wide (S-tunnel: the crowd's tails crossed the ellipses' tips at 0.1, 3.7 % of the
  /// mass at the worst time, 0.6 % at 0.5; GMM: 3-4 % at 0.1), 0.1 for the V-neck, whose neck
  /// centre is only 0.36 from the walls in signed distance (a margin near that would close it) and
  /// which holds at 0.1.
  public var barrierMargin: Double { kind == .vNeck ? 0.1 : 0.5 }

  /// The barrier's default weight (obstacle_weight=-1): DeepGSB's 1500, except on the GMM, whose
  /// discs sit on the straight way to three of the eight modes, so the crowd must split around them
  /// (at 1500 it kept 3 % of the mass inside; at 6000, 0.15 %).
  public var obstacleWeight: Double { kind == .gmm ? 6000 : 1500 }

  /// Whether estimator=task is the score function (else the pathwise gradient). In d = 2 the score
  /// function is never worse and often far better: between well-separated modes the pathwise
  /// dx/dtheta = -dF/f is heavy-tailed (the GMM's ring was never learned with it), and it was
  /// fragile on the S-tunnel. Its variance grows with the dimension, though: on opinion-high
  /// (d = 100) it fitted rho_0 to within 16 nats of p0's entropy, against 0.3 pathwise (README).
  public var prefersScoreFunction: Bool { dimension <= 2 }

  /// Whether p1 has several modes (Settings.multimodalMarginalFactor).
  public var hasMultimodalTarget: Bool { target.components.count > 1 }

  /// The default model (components, hidden width, hidden layers): the medium one, except on the GMM,
  /// whose terminal ring needs many components per coordinate: the ring's modes project onto the
  /// first coordinate as five bumps, two pairs only 4.7 standard deviations apart, and with 16
  /// components such a pair was fitted as one wide bump (variance 2.5-3.3 against 1, even with no
  /// control cost at all), with 32 in one seed of three, with 64 in none.
  public var modelShape: (Int, Int, Int) { kind == .gmm ? (64, 128, 3) : ModelSize.medium.shape }

  /// Euler-Maruyama steps per unit of time of the metrics' SDE paths: DeepGSB's 100, except on the
  /// GMM, whose learned drift is stiff in the gaps between the modes (its SDE ends were at W2 8.6
  /// from p1 with 100 steps, 2.3 with 1000, against 2.1 for exact samples).
  public var sdeStepsPerUnitTime: Int { kind == .gmm ? 1000 : 100 }

  /// The suggested run (steps of a cosine schedule, learning rate), nil for the host's default
  /// run: the GMM's ring needs more than the 2000 constant steps at 1e-3 that fit the one-Gaussian
  /// tasks (at 1e-3 one seed of two kept two of the first coordinate's bumps merged: W2 0.9).
  public var suggestedRun: (steps: Int, learningRate: Double)? { kind == .gmm ? (6000, 3e-3) : nil }

  /// The default batch (batch=-1): 256, except on the GMM, 1024. The mode weights must hold to about
  /// 0.05 % for W2 < 0.5 (each misplaced share moves 12 units), and the score-function gradient of
  /// the control cost moves them by more than that at 256: the worst mode was off by 0.07-0.34 % over
  /// seeds 0-6, against 0.06-0.09 % at 1024 (README, "The batch"), for 3x the time per run.
  public var batch: Int { kind == .gmm ? 1024 : 256 }

  /// The default rate of the mode-share constraint (mode_share_rate=-1, ModeShareConstraint): 0.002
  /// for a multimodal p1 (the GMM), 0 (off: one mode, nothing to share) otherwise. Measured on the
  /// GMM (README): at batch 256, 0.0005 and 0.002-0.005 left larger weight errors than 0.001 (too
  /// slow to follow, or chasing the estimate's noise); at the batch of 1024, whose estimate is half
  /// as noisy, 0.002 did better than 0.001 (W2 0.44 / 0.47 against 0.50 / 0.52 on seeds 4 / 6).
  public var modeShareRate: Double { hasMultimodalTarget ? 0.002 : 0 }
  /// Nodes per axis of the grid on which the evaluation integrates rho_T over each mode's cell
  /// (2-D multimodal targets; 0: shares from a pool of samples). 200 on the GMM's ring: 0.22 units
  /// between nodes, a fifth of a mode's standard deviation.
  public var modeShareGrid: Int { hasMultimodalTarget && dimension == 2 ? 200 : 0 }

  public var hasObstacles: Bool { !obstacles.isEmpty }

  /// The task; `dimension` only for opinion-high (0: 100).
  public static func make(_ kind: TaskKind, dimension requested: Int = 0) -> CrowdTask {
    switch kind {
    case .gmm:
      // N(0, I) to the ring of 8 unit Gaussians of radius 16, around three discs of radius 1.5.
      return CrowdTask(
        kind: kind, dimension: 2, horizon: 1, sigma: 1,
        initial: GaussianMixture(mean: [0, 0], std: [1, 1]), target: .ring(count: 8, radius: 16, std: 1),
        obstacles: [(6.0, 6.0), (6, -6), (-6, -6)].map { Obstacle.disc(center: $0, radius: 1.5) },
        entropyWeight: 0, congestionWeight: 0, interactionWeight: 0, opinion: nil, shift: [0, 0], scale: [8, 8])
    case .vNeck:
      // N((-7, 0), 0.2 I) to N((7, 0), 0.2 I) through the neck between the walls 5 x^2 - y^2 < -0.36; entropy, MF_cost 3.
      let s = 0.2.squareRoot()
      return CrowdTask(
        kind: kind, dimension: 2, horizon: 2, sigma: 1,
        initial: GaussianMixture(mean: [-7, 0], std: [s, s]), target: GaussianMixture(mean: [7, 0], std: [s, s]),
        obstacles: [Obstacle(a: 5, b: -1, c: -0.36)],
        entropyWeight: 3, congestionWeight: 0, interactionWeight: 0, opinion: nil, shift: [0, 0], scale: [4, 1.5])
    case .sTunnel:
      // N((-11, -1), 0.5 I) to N((11, 1), 0.5 I) around the ellipses 20 (x -+ 5)^2 + (y -+ 6)^2 < 90;
      // DeepGSB's congestion is the kernel form E_y 2 / (1 + |x - y|^2), MF_cost 0.5.
      let s = 0.5.squareRoot()
      return CrowdTask(
        kind: kind, dimension: 2, horizon: 3, sigma: 1,
        initial: GaussianMixture(mean: [-11, -1], std: [s, s]), target: GaussianMixture(mean: [11, 1], std: [s, s]),
        obstacles: [Obstacle(a: 20, b: 1, c: 90, center: (5, 6)), Obstacle(a: 20, b: 1, c: 90, center: (-5, -6))],
        entropyWeight: 0, congestionWeight: 0, interactionWeight: 0.5, opinion: nil, shift: [0, 0], scale: [6, 4])
    case .opinion, .opinionHigh:
      // Polarizing opinions: N(0, diag(0.5, 0.25)) (d = 2) or N(0, diag(4, 0.25, ...)) (DeepGSB's d = 1000)
      // to N(0, 3 I); sigma 0.1 (d = 2) or 0.5; entropy, MF_cost 1; T = 3.
      let d = kind == .opinion ? 2 : (requested > 0 ? requested : 100)
      var std0 = [Double](repeating: 0.5, count: d)
      std0[0] = (kind == .opinion ? 0.5 : 4.0).squareRoot()
      return CrowdTask(
        kind: kind, dimension: d, horizon: 3, sigma: kind == .opinion ? 0.1 : 0.5,
        initial: GaussianMixture(mean: [Double](repeating: 0, count: d), std: std0),
        target: GaussianMixture(mean: [Double](repeating: 0, count: d), std: [Double](repeating: 3.0.squareRoot(), count: d)),
        obstacles: [], entropyWeight: 1, congestionWeight: 0, interactionWeight: 0,
        opinion: OpinionDrift(dimension: d, horizon: 3, strength: kind == .opinion ? 1 : 6),
        shift: [Double](repeating: 0, count: d), scale: [Double](repeating: 1.5, count: d))
    }
  }

  /// The scale of the control cost of moving p0 to p1 in time T with noise sigma:
  /// E|X1 - X0|^2 / (2 sigma^2 T) for independent X0 ~ p0, X1 ~ p1 (the cost of a straight-line
  /// transport under the independent coupling, an upper bound of the optimal one's kinetic part):
  /// GMM 130, V-neck 49, S-tunnel 82. Sets marginal_weight=-1.
  public func transportScale(sigma: Double) -> Double {
    func secondMoment(_ law: GaussianMixture) -> Double {
      law.components.reduce(0) { $0 + $1.weight * ($1.mean.reduce(0) { $0 + $1 * $1 } + $1.std.reduce(0) { $0 + $1 * $1 }) }
    }
    let cross = zip(initial.mean, target.mean).reduce(0) { $0 + $1.0 * $1.1 }
    return (secondMoment(initial) + secondMoment(target) - 2 * cross) / (2 * sigma * sigma * horizon)
  }

  /// Whether (x, y) lies inside an obstacle (hard indicator).
  public func insideObstacle(_ x: Double, _ y: Double) -> Bool { obstacles.contains { $0.contains(x, y) } }
}
