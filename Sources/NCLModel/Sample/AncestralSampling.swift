// Exact samples from rho_t, coordinate by coordinate, with no SDE (and their log-density, if asked).

extension NCLModel {
  /// `count` exact samples of rho_t, [count, D]: for i = 1...D, run the conditioner on the
  /// coordinates drawn so far, pick a component by its weight, draw from that logistic.
  ///
  /// Each step adds the coordinate just drawn to the first layer's pre-activation and computes
  /// coordinate i's outputs only (`MADECoordinatePasses`), so the D steps cost about D hidden
  /// passes, not D full conditioner passes of D outputs each. The time is shared by the batch:
  /// the first coordinate's law, which depends on t alone, is evaluated for one row.
  public func sample(at time: Double, count: Int, using generator: inout SeededGenerator) -> Tensor<Scalar> {
    draw(times: Tensor(repeating: Scalar(time), shape: [1, 1]), count: count, logDensity: false, using: &generator).samples
  }

  /// Exact samples at per-row times t [count, 1]: row b is drawn from rho_{t_b}.
  public func sample(at t: Tensor<Scalar>, using generator: inout SeededGenerator) -> Tensor<Scalar> {
    ancestralSample(at: t, logDensity: false, using: &generator).samples
  }

  /// `count` exact samples of rho_t with their exact log rho_t(x); see
  /// `sampleWithLogDensity(at:using:)`.
  public func sampleWithLogDensity(
    at time: Double, count: Int, using generator: inout SeededGenerator
  ) -> (samples: Tensor<Scalar>, logDensity: Tensor<Scalar>) {
    let result = draw(times: Tensor(repeating: Scalar(time), shape: [1, 1]), count: count, logDensity: true, using: &generator)
    return (result.samples, result.logDensity!)
  }

  /// Exact samples at per-row times t [count, 1] together with their exact log-density
  /// log rho_{t_b}(x_b), [count], in one pass.
  ///
  /// The sampler builds each conditional law f_t(. | x_<i) to draw x_i; the log-density
  /// sum_i log f_t(x_i | x_<i) is accumulated from those same laws, so it costs no second run of
  /// the conditioner (what `logDensity(t:x:)` at the samples would), only the evaluation of each
  /// drawn coordinate under its mixture. It draws the same random numbers as `sample(at:using:)`:
  /// with the same generator state the samples are that method's, bit for bit, and the
  /// log-density is `logDensity(t:x:)` at them up to rounding. Both results are constants (no
  /// gradient); for a differentiable log-density at these points call `logDensity(t:x:)`.
  public func sampleWithLogDensity(
    at t: Tensor<Scalar>, using generator: inout SeededGenerator
  ) -> (samples: Tensor<Scalar>, logDensity: Tensor<Scalar>) {
    let result = ancestralSample(at: t, logDensity: true, using: &generator)
    return (result.samples, result.logDensity!)
  }

  /// The ancestral sampler; with `logDensity`, also log rho_t at the samples, [count].
  private func ancestralSample(
    at t: Tensor<Scalar>, logDensity: Bool, using generator: inout SeededGenerator
  ) -> (samples: Tensor<Scalar>, logDensity: Tensor<Scalar>?) {
    precondition(t.rank == 2 && t.shape[1] == 1, "sampling times must have shape [count, 1], got \(t.shape)")
    return draw(times: t, count: t.shape[0], logDensity: logDensity, using: &generator)
  }

  /// Ancestral sampling at times [count, 1], or [1, 1] shared by all `count` rows.
  private func draw(
    times t: Tensor<Scalar>, count: Int, logDensity: Bool, using generator: inout SeededGenerator
  ) -> (samples: Tensor<Scalar>, logDensity: Tensor<Scalar>?) {
    let d = dimension, k = configuration.components
    var values = [Scalar](repeating: 0, count: count * d)
    // log f_t(x_i | x_<i), [count, D], filled column by column when asked for.
    var logConditionals = [Scalar](repeating: 0, count: logDensity ? count * d : 0)
    let passes = detached().conditioner.coordinatePasses()
    withoutGradient {
      // The first layer's pre-activation, updated with each coordinate as it is drawn; at a
      // shared time it stays one row until the first coordinate enters.
      var preactivation = passes.timeOnlyPreactivation(t: t.detached())
      for i in 0..<d {
        if i > 0 {
          let previous = Tensor(shape: [count, 1], scalars: (0..<count).map { values[$0 * d + i - 1] })
          preactivation = passes.addingInput(preactivation, coordinate: i - 1, values: previous)
        }
        // Coordinate i's law alone, [rows, 1, K] (one row while it depends on the shared time only).
        let law = coordinateLaw(i, passes: passes, firstPreactivation: preactivation)
        let oneRow = preactivation.shape[0] == 1
        let logWeights = law.logWeights.scalars, means = law.means.scalars, logScales = law.logScales.scalars
        for b in 0..<count {
          let base = (oneRow ? 0 : b) * k
          var u = Scalar(generator.nextUniform())
          var component = k - 1
          for c in 0..<k {
            let w = Scalar.exp(logWeights[base + c])
            if u < w { component = c; break }
            u -= w
          }
          // nextUniform is in (0, 1), but Float rounds its top 2^-25 to 1: a sample at +infinity.
          let v = Swift.min(Scalar(generator.nextUniform()), 1 - Scalar.ulpOfOne / 2)
          values[b * d + i] = means[base + component] + Scalar.exp(logScales[base + component]) * Scalar.log(v / (1 - v))
        }
        if logDensity {
          // Coordinate i's mixture at the values just drawn: the same law, evaluated as
          // `ModelFields` evaluates it.
          let column = Tensor(shape: [count, 1], scalars: (0..<count).map { values[$0 * d + i] })
          let logF = law.logDensity(column).scalars
          for b in 0..<count { logConditionals[b * d + i] = logF[b] }
        }
      }
    }
    let samples = Tensor(shape: [count, d], scalars: values)
    guard logDensity else { return (samples, nil) }
    // Summed as `ModelFields.logDensity` sums, so equal conditionals give an equal total.
    return (samples, withoutGradient { Tensor(shape: [count, d], scalars: logConditionals).sum(alongAxis: 1) })
  }
}
