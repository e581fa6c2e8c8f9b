// SDE and ODE integration along the learned drift, for evaluation and sampling.

/// Time-stepping schemes for dX = u_t(X) dt + g_t dW.
public enum IntegrationMethod: String, CaseIterable, Codable, Sendable {
  /// Euler-Maruyama: the SDE scheme (any g).
  case eulerMaruyama = "euler-maruyama"
  /// Heun (explicit trapezoid), second order; deterministic (g = 0) only.
  case heun
  /// Classical fourth-order Runge-Kutta; deterministic (g = 0) only.
  case rk4
}

/// The path of a batch of particles.
public struct Trajectory<Scalar: TensorScalar> {
  /// Times of the stored states, first to last.
  public var times: [Double]
  /// States [batch, D] at each stored time.
  public var states: [Tensor<Scalar>]

  public var final: Tensor<Scalar> { states[states.count - 1] }
}

extension NCLModel {
  /// Integrates particles `start` [batch, D] from `startTime` to `endTime` (either direction) in
  /// `steps` equal steps along the model's drift for `noise`.
  ///
  /// Each drift evaluation differentiates the model in t (and x for the score), on constant
  /// parameters. `record`: also keep every intermediate state (trajectory plots).
  public func integrate(
    from start: Tensor<Scalar>, startTime: Double, endTime: Double, steps: Int,
    noise: NoiseSchedule = .zero, method: IntegrationMethod = .eulerMaruyama, record: Bool = false,
    using generator: inout SeededGenerator
  ) throws -> Trajectory<Scalar> {
    guard steps >= 1 else { throw NCLError.invalidArgument("integration needs at least 1 step, got \(steps)") }
    guard start.rank == 2, start.shape[1] == dimension else {
      throw NCLError.invalidArgument("start states must have shape [batch, \(dimension)], got \(start.shape)")
    }
    if method != .eulerMaruyama && !noise.isZero {
      throw NCLError.invalidArgument("\(method.rawValue) integrates the ODE only (g = 0); use euler-maruyama for g > 0")
    }
    let constant = detached()
    let batch = start.shape[0]
    let h = (endTime - startTime) / Double(steps)
    func drift(_ time: Double, _ x: Tensor<Scalar>) -> Tensor<Scalar> {
      let fields = constant.fields(t: Tensor(repeating: Scalar(time), shape: [batch, 1]), x: x.detached(), differentiable: false)
      return fields.drift(noise: noise).detached()
    }
    var x = start.detached()
    var trajectory = Trajectory(times: [startTime], states: [x])
    for step in 0..<steps {
      let time = startTime + Double(step) * h
      let dt = Scalar(h)
      switch method {
      case .eulerMaruyama:
        let g = Scalar(noise(time))
        x = x + dt * drift(time, x)
        if g != 0 {
          let w = Tensor<Scalar>.randomNormal([batch, dimension], scale: g * Scalar(Swift.abs(h)).squareRoot(), using: &generator)
          x = x + w
        }
      case .heun:
        let k1 = drift(time, x)
        let k2 = drift(time + h, x + dt * k1)
        x = x + (dt / 2) * (k1 + k2)
      case .rk4:
        let k1 = drift(time, x)
        let k2 = drift(time + h / 2, x + (dt / 2) * k1)
        let k3 = drift(time + h / 2, x + (dt / 2) * k2)
        let k4 = drift(time + h, x + dt * k3)
        x = x + (dt / 6) * (k1 + 2 * k2 + 2 * k3 + k4)
      }
      if record || step == steps - 1 {
        trajectory.times.append(time + h)
        trajectory.states.append(x)
      }
    }
    if !record { trajectory = Trajectory(times: [startTime, endTime], states: [start.detached(), x]) }
    return trajectory
  }
}
