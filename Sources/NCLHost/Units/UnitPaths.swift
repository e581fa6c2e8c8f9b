// Paths of the learned SDE in a problem's units, stopped at requested times.

extension ProblemUnits {
  /// Integrates states `start` [B, D] (data units) at time `times[0]` through every later entry of
  /// `times` (the problem's time, monotone) along the drift of `noise`, and returns the states at
  /// each requested time, [times.count, B, D] (row 0 is `start`).
  ///
  /// `noise` is g as a function of model time, in data units per square root of the problem's
  /// time unit (like `self.noise`). `steps` steps in all, spread over the intervals in proportion
  /// to their length, at least one each: RK4 when g is zero, else Euler-Maruyama with increments
  /// g sqrt(|h|) N(0, I) drawn from `generator`. Constants (no gradient).
  public func integratePath<Scalar>(
    of model: NCLModel<Scalar>, from start: Tensor<Scalar>, times: [Double], steps: Int,
    noise: NoiseSchedule, using generator: inout SeededGenerator
  ) throws -> Tensor<Scalar> {
    let d = model.dimension
    guard start.rank == 2, start.shape[1] == d else {
      throw NCLError.invalidArgument("integrate: x0 must have shape [B, \(d)], got \(start.shape)")
    }
    guard !times.isEmpty else { throw NCLError.invalidArgument("integrate: no times") }
    for tau in times { try checkTime(tau, "integrate: time") }
    let increasing = zip(times, times.dropFirst()).allSatisfy { $0 <= $1 }
    let decreasing = zip(times, times.dropFirst()).allSatisfy { $0 >= $1 }
    guard increasing || decreasing else { throw NCLError.invalidArgument("integrate: times must be monotone, got \(times)") }
    guard steps >= 1 else { throw NCLError.invalidArgument("integrate: steps must be >= 1, got \(steps)") }
    let stochastic = !noise.isZero
    guard !stochastic || increasing else {
      throw NCLError.invalidArgument("integrate: an SDE (g > 0) integrates forward in time only; use g = 0 to go backward")
    }

    let constant = model.detached()
    let batch = start.shape[0]
    func drift(_ tau: Double, _ x: Tensor<Scalar>) -> Tensor<Scalar> {
      fields(of: constant, t: Tensor(repeating: Scalar(tau), shape: [batch, 1]), x: x.detached(), differentiable: false)
        .drift(noise: noise).detached()
    }
    let total = Swift.abs(times.last! - times.first!)
    var x = start.detached()
    var states = [x]
    for (a, b) in zip(times, times.dropFirst()) {
      let n = total > 0 ? max(1, Int((Double(steps) * Swift.abs(b - a) / total).rounded())) : 1
      let h = (b - a) / Double(n)
      let dt = Scalar(h)
      for k in 0..<n where h != 0 {
        let tau = a + Double(k) * h
        if stochastic {
          let g = Scalar(noise(modelTime(tau)))
          x = x + dt * drift(tau, x)
          if g != 0 { x = x + Tensor<Scalar>.randomNormal([batch, d], scale: g * Scalar(Swift.abs(h)).squareRoot(), using: &generator) }
        } else {
          let k1 = drift(tau, x)
          let k2 = drift(tau + h / 2, x + (dt / 2) * k1)
          let k3 = drift(tau + h / 2, x + (dt / 2) * k2)
          let k4 = drift(tau + h, x + dt * k3)
          x = x + (dt / 6) * (k1 + 2 * k2 + 2 * k3 + k4)
        }
      }
      states.append(x)
    }
    return Tensor.concatenate(states.map { $0.reshaped([1, batch, d]) }, alongAxis: 0)
  }
}
