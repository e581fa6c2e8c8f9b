// The map between a problem's own units (its time horizon, its data coordinates) and the model's.
import Foundation

/// Where a problem lives: times in `horizon` (eg: days) and points in data units (eg: longitude and
/// latitude), while the model works on t in [0, 1] and standardized coordinates
///
///     t = (tau - horizon.lower) / length,   z_i = (x_i - shift_i) / scale_i.
///
/// Every time, point and density a user or a plugin sees is in the problem's units; this type
/// maps them in and out, and is stored in checkpoints so that `nclhost sample`, `fields` and
/// `plot` answer in the same units the run was trained in.
public struct ProblemUnits: Codable, Equatable, Sendable {
  /// The time horizon in the problem's units, mapped onto the model's [0, 1].
  public var horizon: ClosedRange<Double>
  /// Per-coordinate shift of the data map; empty means 0 in every coordinate.
  public var shift: [Double]
  /// Per-coordinate scale of the data map (> 0); empty means 1 in every coordinate.
  public var scale: [Double]
  /// g of the problem's SDE as a function of model time t in [0, 1], in data units per square
  /// root of the problem's time unit.
  public var noise: NoiseSchedule

  public init(horizon: ClosedRange<Double> = 0...1, shift: [Double] = [], scale: [Double] = [], noise: NoiseSchedule = .zero) {
    self.horizon = horizon
    self.shift = shift
    self.scale = scale
    self.noise = noise
  }

  /// The model's own units: horizon [0, 1], no data map, no noise.
  public static let model = ProblemUnits()

  /// Checks the map for a D-dimensional model, naming what is wrong.
  public func validate(dimension: Int) throws {
    guard horizon.lowerBound.isFinite, horizon.upperBound.isFinite, horizon.lowerBound < horizon.upperBound else {
      throw NCLError.invalidArgument("time horizon [\(horizon.lowerBound), \(horizon.upperBound)] must be finite with start < end")
    }
    for (name, values) in [("shift", shift), ("scale", scale)] where !values.isEmpty && values.count != dimension {
      throw NCLError.invalidArgument("data map: \(values.count) \(name) values for dimension \(dimension)")
    }
    if let bad = shift.firstIndex(where: { !$0.isFinite }) {
      throw NCLError.invalidArgument("data map: shift[\(bad)] = \(shift[bad]) must be finite")
    }
    if let bad = scale.firstIndex(where: { !($0 > 0 && $0.isFinite) }) {
      throw NCLError.invalidArgument("data map: scale[\(bad)] = \(scale[bad]) must be finite and > 0")
    }
  }

  public var horizonLength: Double { horizon.upperBound - horizon.lowerBound }
  /// Whether the data map is the identity (points need no mapping).
  public var hasIdentityDataMap: Bool { shift.allSatisfy { $0 == 0 } && scale.allSatisfy { $0 == 1 } }
  var hasIdentityTime: Bool { horizon == 0...1 }

  /// log |det| of the map from model coordinates to data coordinates: sum_i log scale_i.
  public var logScaleSum: Double { scale.reduce(0) { $0 + Foundation.log($1) } }

  // MARK: - Time

  /// Model time t in [0, 1] for a time in the problem's units.
  public func modelTime(_ tau: Double) -> Double { (tau - horizon.lowerBound) / horizonLength }
  /// The problem's time for model time t.
  public func problemTime(_ t: Double) -> Double { horizon.lowerBound + t * horizonLength }

  /// Checks that `tau` lies in the horizon (with a relative tolerance for rounding), naming `what`.
  public func checkTime(_ tau: Double, _ what: String) throws {
    let slack = 1e-9 * max(1, Swift.abs(horizon.lowerBound), Swift.abs(horizon.upperBound))
    guard tau.isFinite, tau >= horizon.lowerBound - slack, tau <= horizon.upperBound + slack else {
      throw NCLError.invalidArgument(
        "\(what) \(tau) lies outside the time horizon [\(horizon.lowerBound), \(horizon.upperBound)]; the model is not defined there")
    }
  }

  /// Model times of times in the problem's units, elementwise.
  public func modelTime<Scalar>(_ tau: Tensor<Scalar>) -> Tensor<Scalar> {
    hasIdentityTime ? tau : tau.affine(scale: Scalar(1 / horizonLength), shift: Scalar(-horizon.lowerBound / horizonLength))
  }
}
