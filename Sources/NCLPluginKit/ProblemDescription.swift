// The problem an objective poses: dimension, horizon, noise, and the suggested model.
import NCLPluginAPI

/// Swift form of `ncl_problem_t`. Zero (or nil) model sizes mean the host's defaults; users may
/// override the model with `nclhost run --components --hidden --layers --flux --tau`.
public struct ProblemDescription: Sendable, Equatable {
  /// Noise g of the SDE whose drift `ModelField.drift` returns, in the plugin's time units.
  public enum Noise: Sendable, Equatable {
    case constant(Double)
    /// Linear from `start` at the horizon's start to `end` at its end.
    case linear(start: Double, end: Double)
  }

  public enum Flux: UInt32, Sendable, Equatable {
    case telescoping = 0, naive = 1, knotheRosenblatt = 2, factorized = 3
  }

  /// Learning-rate schedules a problem may suggest (ABI 1.3).
  public enum Schedule: UInt32, Sendable, Equatable {
    case constant = 1, cosine = 2
  }

  public var dimension: Int
  /// The time horizon in the plugin's own units; the host maps it onto the model's [0, 1].
  public var horizon: ClosedRange<Double> = 0...1
  public var noise: Noise = .constant(0)
  public var components = 0
  public var hiddenWidth = 0
  public var hiddenLayers = 0
  public var flux: Flux = .telescoping
  /// Scale of the telescoping flux's reference logistic (0: 1).
  public var fluxTau = 1.0
  /// Adds the learned divergence-free term (the host ignores it for D = 1).
  public var divergenceFree = false
  /// Advisory: points per expectation the plugin draws each step.
  public var batchSize = 0
  /// The data map (ABI 1.2): the model's coordinates are z_i = (x_i - dataShift[i]) / dataScale[i],
  /// while every point and density crossing the boundary is in data units x. Empty: shift 0 /
  /// scale 1; otherwise `dimension` values each.
  public var dataShift: [Double] = []
  public var dataScale: [Double] = []
  /// The training run a default `nclhost run` of this problem does (ABI 1.3): its steps, Adam
  /// learning rate and schedule; 0 / nil: the host's (2000 steps, 1e-3, constant). A user's
  /// --steps, --learning-rate or --schedule wins.
  public var suggestedSteps = 0
  public var suggestedLearningRate = 0.0
  public var suggestedSchedule: Schedule?

  public init(dimension: Int) { self.dimension = dimension }

  func cValue() -> ncl_problem_t {
    var p = ncl_problem_t()
    p.struct_size = CStrings.size(ncl_problem_t.self)
    p.dimension = UInt32(clamping: dimension)
    if horizon != 0...1 { (p.time_start, p.time_end) = (horizon.lowerBound, horizon.upperBound) }
    switch noise {
    case .constant(let g):
      p.noise_kind = ncl_noise_kind_t(NCL_NOISE_CONSTANT)
      (p.noise_start, p.noise_end) = (g, g)
    case .linear(let start, let end):
      p.noise_kind = ncl_noise_kind_t(NCL_NOISE_LINEAR)
      (p.noise_start, p.noise_end) = (start, end)
    }
    p.components = UInt32(clamping: components)
    p.hidden_width = UInt32(clamping: hiddenWidth)
    p.hidden_layers = UInt32(clamping: hiddenLayers)
    p.flux = ncl_flux_kind_t(flux.rawValue)
    p.flux_tau = fluxTau
    p.divergence_free = divergenceFree ? 1 : 0
    p.batch_size = UInt32(clamping: batchSize)
    p.suggested_steps = UInt32(clamping: suggestedSteps)
    p.suggested_learning_rate = suggestedLearningRate
    p.suggested_schedule = ncl_schedule_kind_t(suggestedSchedule?.rawValue ?? UInt32(NCL_SCHEDULE_DEFAULT))
    return p
  }
}
