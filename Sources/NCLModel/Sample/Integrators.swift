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
    return try stepper.path(from: start, startTime: startTime, endTime: endTime, steps: steps, recordingAt: times, using: &generator)
  }
}

/// One step of an integration scheme along a drift, for a batch of particles: the model's drift
/// in its own units, or any other (a problem's units, see `ProblemUnits.integratePath`).
struct IntegrationStepper<Scalar: TensorScalar> {
  /// The drift at a time for states [batch, D], a constant.
  let drift: (_ time: Double, _ x: Tensor<Scalar>) -> Tensor<Scalar>
  /// g at a time, in the units of the states per square root of the time's unit.
  let noise: (_ time: Double) -> Double
  let method: IntegrationMethod
  let batch: Int
  let dimension: Int

  /// Validates the arguments shared by every integration.
  init(
    start: Tensor<Scalar>, dimension: Int, steps: Int, noiseIsZero: Bool, method: IntegrationMethod,
    noise: @escaping (Double) -> Double, drift: @escaping (Double, Tensor<Scalar>) -> Tensor<Scalar>
  ) throws {
    guard steps >= 1 else { throw NCLError.invalidArgument("integration needs at least 1 step, got \(steps)") }
    guard start.rank == 2, start.shape[1] == dimension else {
      throw NCLError.invalidArgument("start states must have shape [batch, \(dimension)], got \(start.shape)")
    }
    if method != .eulerMaruyama && !noiseIsZero {
      throw NCLError.invalidArgument("\(method.rawValue) integrates the ODE only (g = 0); use euler-maruyama for g > 0")
    }
    self.drift = drift
    self.noise = noise
    self.method = method
    self.dimension = dimension
    batch = start.shape[0]
  }

  /// Along the model's drift for `noise`, in model time and coordinates, on constant parameters.
  init(model: NCLModel<Scalar>, start: Tensor<Scalar>, steps: Int, noise: NoiseSchedule, method: IntegrationMethod) throws {
    let constant = model.detached(), batch = start.shape[0]
    try self.init(
      start: start, dimension: model.dimension, steps: steps, noiseIsZero: noise.isZero, method: method,
      noise: { noise($0) },
      drift: { time, x in
        constant.fields(t: Tensor(repeating: Scalar(time), shape: [batch, 1]), x: x.detached(), differentiable: false)
          .drift(noise: noise).detached()
      })
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
        [batch, dimension], scale: g * Scalar(Swift.abs(h)).squareRoot(), using: &generator)
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

  /// The states at `times` of particles `start` integrated in `steps` equal steps from `startTime`
  /// toward `endTime` (see `NCLModel.integrate(from:startTime:endTime:steps:noise:method:recordingAt:using:)`).
  func path(
    from start: Tensor<Scalar>, startTime: Double, endTime: Double, steps: Int, recordingAt times: [Double],
    using generator: inout SeededGenerator
  ) throws -> Trajectory<Scalar> {
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
    for k in 0..<steps where next < times.count {
      let time = startTime + Double(k) * h
      var from = time
      while next < times.count && positions[next] == (k, false) {
        let stop = times[next]
        x = step(x, from: from, by: stop - from, using: &generator)
        from = stop
        while next < times.count && times[next] == stop {
          states[next] = x
          next += 1
        }
      }
      if next == times.count { break }
      x = step(x, from: from, by: from == time ? h : time + h - from, using: &generator)
      recordGridPoint(k + 1)
    }
    return Trajectory(times: times, states: states.map { $0! })
  }
}
