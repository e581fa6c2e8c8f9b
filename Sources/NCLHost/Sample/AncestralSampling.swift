// Exact samples from rho_t, coordinate by coordinate, with no SDE.

extension NCLModel {
  /// `count` exact samples of rho_t, [count, D]: for i = 1...D, run the conditioner on the
  /// coordinates drawn so far, pick a component by its weight, draw from that logistic.
  ///
  /// The time is shared by the batch: the conditioner computes its time-only units once, and the
  /// first coordinate's law, which depends on t alone, is evaluated for one row.
  public func sample(at time: Double, count: Int, using generator: inout SeededGenerator) -> Tensor<Scalar> {
    draw(times: Tensor(repeating: Scalar(time), shape: [1, 1]), count: count, using: &generator)
  }

  /// Exact samples at per-row times t [count, 1]: row b is drawn from rho_{t_b}.
  public func sample(at t: Tensor<Scalar>, using generator: inout SeededGenerator) -> Tensor<Scalar> {
    precondition(t.rank == 2 && t.shape[1] == 1, "sampling times must have shape [count, 1], got \(t.shape)")
    return draw(times: t, count: t.shape[0], using: &generator)
  }

  /// Ancestral sampling at times [count, 1], or [1, 1] shared by all `count` rows.
  private func draw(times t: Tensor<Scalar>, count: Int, using generator: inout SeededGenerator) -> Tensor<Scalar> {
    let d = dimension, k = configuration.components
    let shared = t.shape[0] == 1 && count != 1
    var values = [Scalar](repeating: 0, count: count * d)
    let constant = detached()
    withoutGradient {
      let times = t.detached()
      for i in 0..<d {
        // x_<i enter coordinate i's law; the first one's sees t alone, so a shared time needs one row.
        let oneRow = shared && i == 0
        let law = constant.mixture(t: times, x: oneRow ? .zeros([1, d]) : Tensor(shape: [count, d], scalars: values))
        let logWeights = law.logWeights.scalars, means = law.means.scalars, logScales = law.logScales.scalars
        for b in 0..<count {
          let base = ((oneRow ? 0 : b) * d + i) * k
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
      }
    }
    return Tensor(shape: [count, d], scalars: values)
  }
}
