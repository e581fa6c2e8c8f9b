// Integration that returns the states at requested times: the integrator's own states, exactly.
import XCTest
import NCLHost

final class RecordedIntegrationTests: XCTestCase {
  typealias T = Tensor<Double>

  private let model = ModelTestSupport.model(dimension: 2, seed: 3)

  private func start(_ count: Int = 16) -> T {
    var generator = SeededGenerator(seed: 4)
    return model.sample(at: 0, count: count, using: &generator)
  }

  /// The final state of `integrate(from:startTime:endTime:steps:noise:method:record:using:)`.
  private func plain(
    _ x: T, _ t0: Double, _ t1: Double, steps: Int, noise: NoiseSchedule, method: IntegrationMethod,
    generator: inout SeededGenerator
  ) throws -> T {
    try model.integrate(from: x, startTime: t0, endTime: t1, steps: steps, noise: noise, method: method, using: &generator).final
  }

  func testTimesOnTheGridGiveTheIntegratorsStates() throws {
    let schedules: [(NoiseSchedule, IntegrationMethod)] = [
      (.zero, .rk4), (.constant(0.5), .eulerMaruyama), (.linear(start: 0.2, end: 1.2), .eulerMaruyama),
    ]
    let x0 = start()
    for (noise, method) in schedules {
      for (t0, t1, times) in [(0.0, 1.0, [0.25, 0.5, 0.5, 1.0]), (1.0, 0.0, [1.0, 0.75, 0.0])] {
        var generator = SeededGenerator(seed: 5)
        let path = try model.integrate(from: x0, startTime: t0, endTime: t1, steps: 20, noise: noise, recordingAt: times, using: &generator)
        XCTAssertEqual(path.times, times)
        XCTAssertEqual(path.states.count, times.count)
        // The last state is the existing integrator's (method picked from g: RK4 for g = 0).
        var reference = SeededGenerator(seed: 5)
        let final = try plain(x0, t0, t1, steps: 20, noise: noise, method: method, generator: &reference)
        XCTAssertEqual(path.final.scalars, final.scalars, "\(noise) \(t0) -> \(t1)")
        XCTAssertEqual(generator.next(), reference.next(), "the same random stream")
        // Each state is that of an integration stopped at its time (same step size, same stream).
        for (time, state) in zip(times, path.states) {
          var stopped = SeededGenerator(seed: 5)
          let steps = Int((Swift.abs(time - t0) * 20).rounded())
          let expected = steps == 0 ? x0 : try plain(x0, t0, time, steps: steps, noise: noise, method: method, generator: &stopped)
          XCTAssertEqual(state.scalars, expected.scalars, "\(noise) state at \(time)")
        }
      }
    }
    // The path moves: the check above is not comparing constants.
    var generator = SeededGenerator(seed: 5)
    let path = try model.integrate(from: x0, startTime: 0, endTime: 1, steps: 20, recordingAt: [0, 1], using: &generator)
    XCTAssertGreaterThan(zip(path.states[0].scalars, path.states[1].scalars).map { Swift.abs($0 - $1) }.max()!, 0.1)
  }

  func testTimeInsideAStepSplitsThatStep() throws {
    let x0 = start()
    for (noise, method) in [(NoiseSchedule.zero, IntegrationMethod.rk4), (.constant(0.7), .eulerMaruyama)] {
      var generator = SeededGenerator(seed: 5)
      let path = try model.integrate(
        from: x0, startTime: 0, endTime: 1, steps: 4, noise: noise, recordingAt: [0.3, 0.3, 1], using: &generator)
      // By hand: 0 -> 0.25 (the grid), 0.25 -> 0.3, 0.3 -> 0.5 (the rest of that step), 0.5 -> 1 in two steps.
      var reference = SeededGenerator(seed: 5)
      let atGrid = try plain(x0, 0, 0.25, steps: 1, noise: noise, method: method, generator: &reference)
      let atStop = try plain(atGrid, 0.25, 0.3, steps: 1, noise: noise, method: method, generator: &reference)
      let atNext = try plain(atStop, 0.3, 0.5, steps: 1, noise: noise, method: method, generator: &reference)
      let atEnd = try plain(atNext, 0.5, 1, steps: 2, noise: noise, method: method, generator: &reference)
      XCTAssertEqual(path.states[0].scalars, atStop.scalars, "\(noise)")
      XCTAssertEqual(path.states[1].scalars, atStop.scalars, "\(noise): a repeated time gives the same state")
      XCTAssertEqual(path.states[2].scalars, atEnd.scalars, "\(noise)")
      XCTAssertEqual(generator.next(), reference.next(), "\(noise): the same random stream")
    }
  }

  func testLinearScheduleUsesGAtEachStep() throws {
    // Euler-Maruyama by hand: x += h u_t(x; g(t)) + g(t) sqrt(h) N, with g(t) = 0.2 + t read at
    // the start of each step, in the drift's score term as in the noise.
    let x0 = start(), steps = 10, h = 0.1
    var generator = SeededGenerator(seed: 5)
    let path = try model.integrate(
      from: x0, startTime: 0, endTime: 1, steps: steps, noise: .linear(start: 0.2, end: 1.2), recordingAt: [0.5, 1],
      using: &generator)
    var reference = SeededGenerator(seed: 5)
    var x = x0, halfway = x0
    for step in 0..<steps {
      let t = Double(step) * h, g = 0.2 + 1.0 * t
      let drift = model.fields(t: T(repeating: t, shape: [16, 1]), x: x, differentiable: false).drift(noise: .constant(g)).detached()
      x = x + h * drift + T.randomNormal([16, 2], scale: g * h.squareRoot(), using: &reference)
      if step == 4 { halfway = x }
    }
    for (a, b) in zip(path.states[0].scalars, halfway.scalars) { XCTAssertEqual(a, b, accuracy: 1e-12) }
    for (a, b) in zip(path.states[1].scalars, x.scalars) { XCTAssertEqual(a, b, accuracy: 1e-12) }
    // g frozen at its start value would give another path: the check can tell them apart.
    var frozen = SeededGenerator(seed: 5)
    let constant = try model.integrate(
      from: x0, startTime: 0, endTime: 1, steps: steps, noise: .constant(0.2), recordingAt: [1], using: &frozen)
    XCTAssertGreaterThan(zip(constant.final.scalars, x.scalars).map { Swift.abs($0 - $1) }.max()!, 0.01)
  }

  func testRejectsBadTimes() {
    let x0 = start(4)
    var generator = SeededGenerator(seed: 1)
    let bad: [(Double, Double, [Double], String)] = [
      (0, 1, [], "at least one"), (0, 1, [0.5, 1.5], "outside"), (0, 1, [-0.1], "outside"),
      (0, 1, [0.5, 0.25], "in order"), (1, 0, [0.25, 0.5], "in order"), (0, 1, [.nan], "outside"),
    ]
    for (t0, t1, times, message) in bad {
      XCTAssertThrowsError(try model.integrate(from: x0, startTime: t0, endTime: t1, steps: 4, recordingAt: times, using: &generator)) {
        XCTAssertTrue("\($0)".contains(message), "\(times): \($0)")
      }
    }
    XCTAssertThrowsError(try model.integrate(
      from: x0, startTime: 0, endTime: 1, steps: 4, noise: .constant(1), method: .rk4, recordingAt: [1], using: &generator))
    XCTAssertThrowsError(try model.integrate(from: x0, startTime: 0, endTime: 1, steps: 0, recordingAt: [1], using: &generator))
  }
}
