// Paths of the learned SDE in a problem's units, stopped at requested times.

extension ProblemUnits {
  /// Integrates states `start` [B, D] (data units) at time `times[0]` through every later entry of
  /// `times` (the problem's time, monotone) along the drift of `noise`, and returns the states at
  /// each requested time, [times.count, B, D] (row 0 is `start`).
  ///
  /// `noise` is g as a function of model time, in data units per square root of the problem's
  /// time unit (like `self.noise`). `steps` equal steps over [times[0], times.last]; a requested
  /// time inside a step splits it (see `NCLModel.integrate(...recordingAt:...)`). RK4 when g is
  /// zero, else Euler-Maruyama with increments g sqrt(|h|) N(0, I) drawn from `generator`, which
  /// integrates forward only. Constants (no gradient).
  public func integratePath<Scalar>(
    of model: NCLModel<Scalar>, from start: Tensor<Scalar>, times: [Double], steps: Int,
    noise: NoiseSchedule, using generator: inout SeededGenerator
  ) throws -> Tensor<Scalar> {
    guard let first = times.first, let last = times.last else { throw NCLError.invalidArgument("integrate: no times") }
    for tau in times { try checkTime(tau, "integrate: time") }
    guard noise.isZero || last >= first else {
      throw NCLError.invalidArgument("integrate: an SDE (g > 0) integrates forward in time only; use g = 0 to go backward")
    }
    let constant = model.detached(), batch = start.shape[0]
    let stepper = try IntegrationStepper(
      start: start, dimension: model.dimension, steps: steps, noiseIsZero: noise.isZero,
      method: noise.isZero ? .rk4 : .eulerMaruyama, noise: { noise(modelTime($0)) },
      drift: { tau, x in
        fields(of: constant, t: Tensor(repeating: Scalar(tau), shape: [batch, 1]), x: x.detached(), differentiable: false)
          .drift(noise: noise).detached()
      })
    let path = try stepper.path(from: start, startTime: first, endTime: last, steps: steps, recordingAt: times, using: &generator)
    return Tensor.concatenate(path.states.map { $0.reshaped([1, batch, model.dimension]) }, alongAxis: 0)
  }
}
