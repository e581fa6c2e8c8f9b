// Learning-rate schedules: constant, cosine to a floor, step decay, each with optional linear warmup.
import Foundation

/// How the learning rate moves over a run. A pure function of the step, so a resumed run uses
/// exactly the rates an uninterrupted one would (nothing about the schedule is checkpointed
/// except the configuration).
///
/// Steps count updates from 0: update `s` (0-based) of `total` uses `rate(at: s, ...)`. With
/// `warmupSteps = W > 0` the rate ramps linearly, base * (s + 1) / W for s < W, and the decay
/// below runs over the remaining updates W..<total (its progress p goes from 0 at s = W to 1 at
/// the last update s = total - 1).
public enum LearningRateSchedule: Codable, Equatable, Sendable {
  /// The base rate throughout.
  case constant
  /// base * (m + (1 - m) (1 + cos(pi p)) / 2): from the base rate down to m * base at the last
  /// update. `minimumFactor` m lies in [0, 1].
  case cosine(minimumFactor: Double)
  /// base * factor^floor((s - W) / every): multiplies the rate by `factor` every `every` updates.
  case stepDecay(factor: Double, every: Int)

  /// The rate for update `step` (0-based) of `total`, given the base rate and warmup length.
  public func rate(at step: Int, of total: Int, base: Double, warmupSteps: Int = 0) -> Double {
    if warmupSteps > 0 && step < warmupSteps {
      return base * Double(step + 1) / Double(warmupSteps)
    }
    let decayStep = max(0, step - max(0, warmupSteps))
    switch self {
    case .constant:
      return base
    case .cosine(let minimumFactor):
      let span = total - max(0, warmupSteps) - 1
      let progress = span > 0 ? min(1, Double(decayStep) / Double(span)) : 1
      return base * (minimumFactor + (1 - minimumFactor) * (1 + cos(.pi * progress)) / 2)
    case .stepDecay(let factor, let every):
      return base * pow(factor, Double(decayStep / max(1, every)))
    }
  }

  /// Checks the schedule's own settings, naming the one out of range.
  public func validate() throws {
    switch self {
    case .constant:
      break
    case .cosine(let minimumFactor):
      guard (0...1).contains(minimumFactor) else {
        throw NCLError.invalidArgument("schedule: cosine minimumFactor must lie in [0, 1], got \(minimumFactor)")
      }
    case .stepDecay(let factor, let every):
      guard factor > 0 && factor <= 1 else {
        throw NCLError.invalidArgument("schedule: step decay factor must lie in (0, 1], got \(factor)")
      }
      guard every >= 1 else {
        throw NCLError.invalidArgument("schedule: step decay every must be >= 1, got \(every)")
      }
    }
  }
}
