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
    let stepper = try IntegrationStepper(model: self, start: start, steps: steps, noise: noise, method: method)
    let h = (endTime - startTime) / Double(steps)
    var x = start.detached()
    var trajectory = Trajectory(times: [startTime], states: [x])
    for step in 0..<steps {
      let time = startTime + Double(step) * h
      x = stepper.step(x, from: time, by: h, using: &generator)
      if record {
        trajectory.times.append(time + h)
        trajectory.states.append(x)
      }
    }
    if !record { trajectory = Trajectory(times: [startTime, endTime], states: [start.detached(), x]) }
    return trajectory
  }

  /// Integrates particles `start` [batch, D] from `startTime` toward `endTime` along the drift for
  /// `noise` and returns their states at each of `times` (pictures of the path, transport costs).
  ///
  /// The grid is that of `integrate(from:startTime:endTime:steps:...)`: `steps` equal steps over
  /// [startTime, endTime]. A requested time on the grid (to within 1e-9 of a step) reads the state
  /// there, so the states are exactly those of that method stopped at the time, with the same
  /// random stream; a requested time inside a step splits that step in two (one more drift
  /// evaluation, and for an SDE one more draw of noise, so the stream shifts from there on).
  /// Integration stops at the last requested time. Euler-Maruyama uses g at the start of each
  /// step, in the noise term and in the drift u = j / rho + (g^2 / 2) grad log rho alike.
  ///
  /// - Parameters:
  ///   - times: at least one time inside [startTime, endTime] (closed), sorted in the direction
  ///     of integration (ascending when endTime > startTime); repeats give the same state.
  ///   - method: nil picks RK4 when g = 0 and Euler-Maruyama otherwise.
  /// - Returns: a trajectory whose `times` are `times` and whose `states` are [batch, D] each.
  public func integrate(
    from start: Tensor<Scalar>, startTime: Double, endTime: Double, steps: Int,
    noise: NoiseSchedule = .zero, method: IntegrationMethod? = nil, recordingAt times: [Double],
    using generator: inout SeededGenerator
  ) throws -> Trajectory<Scalar> {
    let stepper = try IntegrationStepper(
      model: self, start: start, steps: steps, noise: noise, method: method ?? (noise.isZero ? .rk4 : .eulerMaruyama))
    guard !times.isEmpty else { throw NCLError.invalidArgument("integration needs at least one time to record") }
    let (lower, upper) = (Swift.min(startTime, endTime), Swift.max(startTime, endTime))
    if let outside = times.first(where: { !($0 >= lower && $0 <= upper) }) {
      throw NCLError.invalidArgument("recording time \(outside) is outside [\(lower), \(upper)]")
    }
    let direction: Double = endTime >= startTime ? 1 : -1
    guard zip(times, times.dropFirst()).allSatisfy({ ($1 - $0) * direction >= 0 }) else {
      throw NCLError.invalidArgument(
        "recording times must run from startTime \(startTime) toward endTime \(endTime) in order, got \(times)")
    }
    let h = (endTime - startTime) / Double(steps)
    // Where each requested time falls: on grid point m, or strictly inside step m.
    let positions = times.map { time -> (index: Int, onGrid: Bool) in
      guard h != 0 else { return (0, true) }
      let u = (time - startTime) / h, nearest = u.rounded()
      return Swift.abs(u - nearest) <= 1e-9 ? (Int(nearest), true) : (Int(u.rounded(.down)), false)
    }
    var states = [Tensor<Scalar>?](repeating: nil, count: times.count)
    var next = 0
    var x = start.detached()
    func recordGridPoint(_ m: Int) {
      while next < times.count && positions[next] == (m, true) {
        states[next] = x
        next += 1
      }
    }
    recordGridPoint(0)
    for step in 0..<steps where next < times.count {
      let time = startTime + Double(step) * h
      var from = time
      while next < times.count && positions[next] == (step, false) {
        let stop = times[next]
        x = stepper.step(x, from: from, by: stop - from, using: &generator)
        from = stop
        while next < times.count && times[next] == stop {
          states[next] = x
          next += 1
        }
      }
      if next == times.count { break }
      x = stepper.step(x, from: from, by: from == time ? h : time + h - from, using: &generator)
      recordGridPoint(step + 1)
    }
    return Trajectory(times: times, states: states.map { $0! })
  }
}

/// One step of an integration scheme along a model's drift, for a batch of particles.
private struct IntegrationStepper<Scalar: TensorScalar> {
  let model: NCLModel<Scalar>
  let noise: NoiseSchedule
  let method: IntegrationMethod
  let batch: Int

  /// Validates the arguments shared by every integration; keeps a constant copy of the model.
  init(model: NCLModel<Scalar>, start: Tensor<Scalar>, steps: Int, noise: NoiseSchedule, method: IntegrationMethod) throws {
    guard steps >= 1 else { throw NCLError.invalidArgument("integration needs at least 1 step, got \(steps)") }
    guard start.rank == 2, start.shape[1] == model.dimension else {
      throw NCLError.invalidArgument("start states must have shape [batch, \(model.dimension)], got \(start.shape)")
    }
    if method != .eulerMaruyama && !noise.isZero {
      throw NCLError.invalidArgument("\(method.rawValue) integrates the ODE only (g = 0); use euler-maruyama for g > 0")
    }
    self.model = model.detached()
    self.noise = noise
    self.method = method
    batch = start.shape[0]
  }

  func drift(_ time: Double, _ x: Tensor<Scalar>) -> Tensor<Scalar> {
    let fields = model.fields(t: Tensor(repeating: Scalar(time), shape: [batch, 1]), x: x.detached(), differentiable: false)
    return fields.drift(noise: noise).detached()
  }

  /// x after one step of size h (either sign) from `time`.
  func step(_ x: Tensor<Scalar>, from time: Double, by h: Double, using generator: inout SeededGenerator) -> Tensor<Scalar> {
    let dt = Scalar(h)
    switch method {
    case .eulerMaruyama:
      let g = Scalar(noise(time))
      let next = x + dt * drift(time, x)
      guard g != 0 else { return next }
      return next + Tensor<Scalar>.randomNormal(
        [batch, model.dimension], scale: g * Scalar(Swift.abs(h)).squareRoot(), using: &generator)
    case .heun:
      let k1 = drift(time, x)
      let k2 = drift(time + h, x + dt * k1)
      return x + (dt / 2) * (k1 + k2)
    case .rk4:
      let k1 = drift(time, x)
      let k2 = drift(time + h / 2, x + (dt / 2) * k1)
      let k3 = drift(time + h / 2, x + (dt / 2) * k2)
      let k4 = drift(time + h, x + dt * k3)
      return x + (dt / 6) * (k1 + 2 * k2 + 2 * k3 + k4)
    }
  }
}
