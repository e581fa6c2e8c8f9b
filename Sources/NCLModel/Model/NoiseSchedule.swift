// The diffusion coefficient g_t of dX = u dt + g_t dW.

/// g_t. Changing it changes the drift but not the marginals: every schedule gives an SDE
/// whose marginals are the model's rho_t (g = 0 is the probability-flow ODE).
public enum NoiseSchedule: Codable, Equatable, Sendable {
  case constant(Double)
  /// g_t = start + (end - start) t
  case linear(start: Double, end: Double)
  /// Piecewise-linear through (time, value) knots sorted by time, constant beyond the ends.
  case table([Knot])

  public struct Knot: Codable, Equatable, Sendable {
    public let time: Double
    public let value: Double
    public init(time: Double, value: Double) {
      self.time = time
      self.value = value
    }
  }

  public static let zero = NoiseSchedule.constant(0)

  /// Validates and builds a table schedule.
  public static func table(times: [Double], values: [Double]) throws -> NoiseSchedule {
    guard !times.isEmpty, times.count == values.count else {
      throw NCLError.invalidArgument("noise table needs as many values as times (got \(times.count) times, \(values.count) values)")
    }
    guard zip(times, times.dropFirst()).allSatisfy({ $0 < $1 }) else {
      throw NCLError.invalidArgument("noise table times must increase strictly: \(times)")
    }
    guard values.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
      throw NCLError.invalidArgument("noise values must be finite and >= 0: \(values)")
    }
    return .table(zip(times, values).map { Knot(time: $0, value: $1) })
  }

  public func callAsFunction(_ t: Double) -> Double {
    switch self {
    case .constant(let g): return g
    case .linear(let start, let end): return start + (end - start) * t
    case .table(let knots):
      guard let upper = knots.firstIndex(where: { $0.time >= t }) else { return knots.last!.value }
      if upper == 0 { return knots[0].value }
      let a = knots[upper - 1], b = knots[upper]
      return a.value + (b.value - a.value) * (t - a.time) / (b.time - a.time)
    }
  }

  /// g_t for a batch of times [batch, 1] (a constant: g does not depend on the parameters).
  public func values<Scalar>(at t: Tensor<Scalar>) -> Tensor<Scalar> {
    Tensor(shape: t.shape, scalars: t.scalars.map { Scalar(self(Double($0))) })
  }

  public var isZero: Bool {
    switch self {
    case .constant(let g): return g == 0
    case .linear(let start, let end): return start == 0 && end == 0
    case .table(let knots): return knots.allSatisfy { $0.value == 0 }
    }
  }
}
