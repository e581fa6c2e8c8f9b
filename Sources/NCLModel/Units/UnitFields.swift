// The model's fields in a problem's units: points, densities, rates and velocities mapped.
import Foundation

extension ProblemUnits {
  /// Model coordinates z = (x - shift) / scale of points x [B, D] in data units; differentiable in x.
  public func modelPoints<Scalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
    guard !hasIdentityDataMap else { return x }
    let d = x.shape[x.rank - 1]
    return x * perCoordinate(scaleValues(d).map { 1 / $0 }) + perCoordinate(zip(shiftValues(d), scaleValues(d)).map { -$0 / $1 })
  }

  /// Data coordinates x = shift + scale z of model points z [B, D]; differentiable in z.
  public func dataPoints<Scalar>(_ z: Tensor<Scalar>) -> Tensor<Scalar> {
    guard !hasIdentityDataMap else { return z }
    let d = z.shape[z.rank - 1]
    return z * perCoordinate(scaleValues(d)) + perCoordinate(shiftValues(d))
  }

  /// log rho in data units of log-densities in model units: less sum_i log scale_i.
  public func dataLogDensity<Scalar>(_ modelLogDensity: Tensor<Scalar>) -> Tensor<Scalar> {
    hasIdentityDataMap ? modelLogDensity : modelLogDensity - Scalar(logScaleSum)
  }

  /// The model's fields at times `t` and points `x`, both in the problem's units.
  public func fields<Scalar>(
    of model: NCLModel<Scalar>, t: Tensor<Scalar>, x: Tensor<Scalar>, differentiable: Bool
  ) -> UnitFields<Scalar> {
    UnitFields(units: self, model: model.fields(t: modelTime(t), x: modelPoints(x), differentiable: differentiable))
  }

  func shiftValues(_ d: Int) -> [Double] { shift.isEmpty ? Array(repeating: 0, count: d) : shift }
  func scaleValues(_ d: Int) -> [Double] { scale.isEmpty ? Array(repeating: 1, count: d) : scale }
  func perCoordinate<Scalar>(_ values: [Double]) -> Tensor<Scalar> {
    Tensor(shape: [values.count], scalars: values.map { Scalar($0) })
  }
}

/// Fields of the model seen in a problem's units (see `ProblemUnits`). With x = shift + scale z
/// and tau = horizon.lower + length t:
///
///     log rho(x) = log rho_model(z) - sum_i log scale_i      score_i = score_model_i / scale_i
///     velocity_i = scale_i velocity_model_i / length         d_tau log rho = d_t log rho / length
///     drift = velocity + (g^2 / 2) score (g in data units)    flux = rho(x) velocity
///
/// The continuity and Fokker-Planck equations hold in these units as they do in the model's.
public struct UnitFields<Scalar: TensorScalar> {
  public let units: ProblemUnits
  /// The fields in model units, evaluated at the mapped points.
  public let model: ModelFields<Scalar>

  private var d: Int { model.x.shape[1] }
  private var identityMap: Bool { units.hasIdentityDataMap }
  private func perTime(_ v: Tensor<Scalar>) -> Tensor<Scalar> {
    units.hasIdentityTime ? v : v * Scalar(1 / units.horizonLength)
  }
  private func scaled(_ v: Tensor<Scalar>) -> Tensor<Scalar> {
    identityMap ? v : v * units.perCoordinate(units.scaleValues(d))
  }

  /// log rho(x) in data units, [B].
  public var logDensity: Tensor<Scalar> { units.dataLogDensity(model.logDensity) }
  /// log f(x_i | x_<i) in data units, [B, D].
  public var logConditionals: Tensor<Scalar> {
    identityMap ? model.logConditionals : model.logConditionals - units.perCoordinate(units.scaleValues(d).map { Foundation.log($0) })
  }
  /// F(x_i | x_<i), [B, D]: the same in every unit.
  public var cdf: Tensor<Scalar> { model.cdf }
  /// d_tau log rho at fixed x, [B].
  public var timeDerivativeOfLogDensity: Tensor<Scalar> { perTime(model.timeDerivativeOfLogDensity) }
  /// grad_x log rho, [B, D].
  public var score: Tensor<Scalar> {
    identityMap ? model.score : model.score * units.perCoordinate(units.scaleValues(d).map { 1 / $0 })
  }
  /// The probability-flow velocity j / rho, [B, D].
  public var velocity: Tensor<Scalar> { scaled(perTime(model.velocity)) }
  /// b / rho of the learned divergence-free term, [B, D].
  public var divergenceFreeVelocity: Tensor<Scalar> { scaled(perTime(model.divergenceFreeVelocity)) }
  /// The flux j = rho velocity, [B, D].
  public var flux: Tensor<Scalar> { velocity * logDensity.exp().reshaped([model.x.shape[0], 1]) }

  /// The drift of dX = u dt + g dW with the model's marginals, for `noise` as a function of model
  /// time with values in data units per square root of the problem's time unit, [B, D].
  public func drift(noise: NoiseSchedule) -> Tensor<Scalar> {
    if noise.isZero { return velocity }
    let g = noise.values(at: model.t.detached())
    return velocity + 0.5 * g * g * score
  }
}
