// Exact samples from rho_t, coordinate by coordinate, with no SDE.

extension NCLModel {
  /// `count` exact samples of rho_t, [count, D]: for i = 1...D, run the conditioner on the
  /// coordinates drawn so far, pick a component by its weight, draw from that logistic.
  public func sample(at time: Double, count: Int, using generator: inout SeededGenerator) -> Tensor<Scalar> {
    sample(at: Tensor(repeating: Scalar(time), shape: [count, 1]), using: &generator)
  }

  /// Exact samples at per-row times t [count, 1]: row b is drawn from rho_{t_b}.
  public func sample(at t: Tensor<Scalar>, using generator: inout SeededGenerator) -> Tensor<Scalar> {
    precondition(t.rank == 2 && t.shape[1] == 1, "sampling times must have shape [count, 1], got \(t.shape)")
    let count = t.shape[0], d = dimension, k = configuration.components
    var values = [Scalar](repeating: 0, count: count * d)
    let constant = detached()
    withoutGradient {
      let times = t.detached()
      for i in 0..<d {
        let law = constant.mixture(t: times, x: Tensor(shape: [count, d], scalars: values))
        let logWeights = law.logWeights.scalars, means = law.means.scalars, logScales = law.logScales.scalars
        for b in 0..<count {
          let base = (b * d + i) * k
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
