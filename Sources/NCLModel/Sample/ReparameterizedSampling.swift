// Exact samples that carry the parameters' gradient: implicit reparameterization of the sampler.

extension NCLModel {
  /// Exact samples of rho_t at per-row times t [count, 1], differentiable with respect to the
  /// parameters, so that a loss E_{x ~ rho_t}[f(x)] can be differentiated through its samples.
  ///
  /// Ancestral sampling inverts each conditional CDF, F_i(x_i | x_<i; theta) = u_i. At fixed
  /// uniforms u its derivative is implicit: dx_i = -(dF_i + sum_{k<i} d_{x_k} F_i dx_k) / f_i.
  /// The sampler's values x are drawn without a tape, then rebuilt coordinate by coordinate as
  /// x~_i = x_i - (F_i - detach F_i) / detach f_i, with F_i, f_i evaluated at (t, x~_<i, x_i):
  /// the values are x's exactly and the derivative is the implicit one. The result is exact to
  /// first order in the parameters (and in t when t carries a gradient), which is all a loss
  /// gradient needs; higher derivatives through the samples are not those of the inverse CDF.
  ///
  /// Costs D recorded passes of the conditioner's hidden layers and one coordinate's outputs each
  /// (`MADECoordinatePasses`) on top of `sample(at:using:)`, and draws
  /// the same random numbers: with the same generator state the values are that method's.
  /// Without recording (or with constant parameters and t) it returns the plain samples.
  public func reparameterizedSample(at t: Tensor<Scalar>, using generator: inout SeededGenerator) -> Tensor<Scalar> {
    let x = sample(at: t, using: &generator)
    guard GradientMode.isEnabled, t.requiresGradient || parameters.contains(where: \.requiresGradient) else { return x }
    let d = dimension
    // 1 / f stays finite where f underflows (never at a model sample in practice): the value is
    // unaffected (it multiplies an exact zero), only the gradient is capped.
    let logCap = Scalar.log(Scalar.greatestFiniteMagnitude) / 2
    let passes = conditioner.coordinatePasses()
    // The first layer's pre-activation, with each rebuilt coordinate added as it is made: each
    // pass sees exactly the sampler's input (x_>=i do not enter coordinate i's law).
    var preactivation = passes.timeOnlyPreactivation(t: t)
    var columns: [Tensor<Scalar>] = []
    for i in 0..<d {
      if i > 0 { preactivation = passes.addingInput(preactivation, coordinate: i - 1, values: columns[i - 1]) }
      let law = coordinateLaw(i, passes: passes, firstPreactivation: preactivation)
      let (logDensity, cdf) = law.evaluate(x.slice(alongAxis: 1, i..<(i + 1)))
      let inverseDensity = (-logDensity.detached()).clamped(lower: -Scalar.greatestFiniteMagnitude, upper: logCap).exp()
      columns.append(x.slice(alongAxis: 1, i..<(i + 1)) - (cdf - cdf.detached()) * inverseDensity)
    }
    return Tensor.concatenate(columns, alongAxis: 1)
  }
}
