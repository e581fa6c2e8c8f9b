// One marginal law at one time: a generator (fresh samples) or a fixed data set (minibatches).
import NCLPluginKit
import NCLSupport

/// A law p_k at time t_k that the model's rho_{t_k} should match.
struct Marginal {
  enum Source {
    /// A built-in 2-D distribution; fresh samples every step.
    case toy(ToyDistribution)
    /// N(mean, diag(std^2)); fresh samples every step.
    case gaussian(mean: [Double], std: [Double])
    /// Fixed samples, row-major [count, D]: `train` for the loss, `heldOut` for metrics.
    case data(train: [Double], heldOut: [Double])
  }

  let time: Double
  let source: Source
  let dimension: Int
  /// Left out of training (population data: the snapshot the leave-one-out metric predicts).
  var isLeftOut = false

  /// `count` training samples [count, D] drawn with the host's seeded stream.
  func batch(host: PluginHost, count: Int) throws -> PluginTensor {
    switch source {
    case .toy(let toy):
      var random = try HostRandomBuffer(host: host, uniforms: count * ToyDistribution.uniformsPerPoint,
                                        normals: count * ToyDistribution.normalsPerPoint)
      return host.tensor(toy.sample(count, using: &random), shape: [count, 2])
    case .gaussian(let mean, let std):
      let z = host.normal([count, dimension])
      return z * host.tensor(std, shape: [1, dimension]) + host.tensor(mean, shape: [1, dimension])
    case .data(let train, _):
      let n = train.count / dimension
      let picks = try host.uniform([count]).values().map { min(Int($0 * Double(n)), n - 1) }
      var rows = [Double]()
      rows.reserveCapacity(count * dimension)
      for i in picks { rows.append(contentsOf: train[(i * dimension)..<((i + 1) * dimension)]) }
      return host.tensor(rows, shape: [count, dimension])
    }
  }

  /// Samples not used for training, row-major: fresh draws for generators (from the host's
  /// evaluation stream), the held-out part for data (all of it when the marginal is left out).
  func heldOut(host: PluginHost, count: Int) throws -> [Double] {
    switch source {
    case .toy, .gaussian: return try batch(host: host, count: count).values()
    case .data(let train, let heldOut):
      let all = isLeftOut ? heldOut + train : heldOut
      return Array(all.prefix(count * dimension))
    }
  }

  /// Points of a data marginal, training and held out; nil for generators.
  var pointCount: Int? {
    if case .data(let train, let heldOut) = source { return (train.count + heldOut.count) / dimension }
    return nil
  }

  /// Up to `count` samples of the law itself (for Wasserstein distances), row-major.
  func reference(host: PluginHost, count: Int) throws -> [Double] {
    switch source {
    case .toy, .gaussian: return try batch(host: host, count: count).values()
    case .data(let train, let heldOut): return Array((heldOut + train).prefix(count * dimension))
    }
  }

  /// Per-coordinate mean and standard deviation (for proposals), from the law or 4000 private draws.
  func moments(seed: UInt64) -> (mean: [Double], std: [Double]) {
    switch source {
    case .gaussian(let mean, let std): return (mean, std)
    case .toy(let toy):
      var g = SeededGenerator(seed: seed)
      return Statistics.moments(toy.sample(4000, using: &g), dimension: 2)
    case .data(let train, _): return Statistics.moments(train, dimension: dimension)
    }
  }
}
