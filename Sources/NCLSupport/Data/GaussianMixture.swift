// A mixture of Gaussians with diagonal covariances: sampling and exact log-density.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// sum_k w_k N(mean_k, diag(std_k^2)) in R^D: the marginal laws of crowd-navigation tasks (one
/// Gaussian, or DeepGSB's ring of eight), sampled from any `RandomSource` (the host's stream while
/// training, a `SeededGenerator` in metrics) and scored exactly.
public struct GaussianMixture: Sendable, Equatable {
  public struct Component: Sendable, Equatable {
    public var weight: Double
    public var mean: [Double]
    public var std: [Double]

    public init(weight: Double = 1, mean: [Double], std: [Double]) {
      self.weight = weight
      self.mean = mean
      self.std = std
    }
  }

  /// Components with weights normalized to sum 1.
  public let components: [Component]
  public var dimension: Int { components[0].mean.count }

  /// Fails (precondition) for no component, unequal dimensions, a non-positive std or weight.
  public init(_ components: [Component]) {
    precondition(!components.isEmpty, "GaussianMixture: no component")
    let d = components[0].mean.count, total = components.reduce(0) { $0 + $1.weight }
    for c in components {
      precondition(c.mean.count == d && c.std.count == d, "GaussianMixture: components of different dimensions")
      precondition(c.std.allSatisfy { $0 > 0 } && c.weight > 0, "GaussianMixture: std and weights must be positive")
    }
    self.components = components.map { Component(weight: $0.weight / total, mean: $0.mean, std: $0.std) }
  }

  /// One Gaussian N(mean, diag(std^2)).
  public init(mean: [Double], std: [Double]) { self.init([Component(mean: mean, std: std)]) }

  /// `count` equal-weight Gaussians of standard deviation `std` on a circle of `radius` in the
  /// plane, the first on the positive x axis (DeepGSB's GMM target: 8, radius 16, std 1).
  public static func ring(count: Int, radius: Double, std: Double) -> GaussianMixture {
    GaussianMixture((0..<count).map { k in
      let angle = 2 * Double.pi * Double(k) / Double(count)
      return Component(mean: [radius * cos(angle), radius * sin(angle)], std: [std, std])
    })
  }

  /// Draws per point: one uniform (the component) and `dimension` normals.
  public var uniformsPerPoint: Int { 1 }
  public var normalsPerPoint: Int { dimension }

  /// `count` points, row-major [count, D]. `stratified`: point i's component comes from the i-th of
  /// `count` equal slices of [0, 1) (same draws), so each component gets count x w_k points to within
  /// one instead of a multinomial count, whose noise (sqrt(count w_k) points) a likelihood on the
  /// batch would otherwise chase as noise in the fitted mode weights.
  public func sample<R: RandomSource>(_ count: Int, using source: inout R, stratified: Bool = false) -> [Double] {
    var out = [Double]()
    out.reserveCapacity(count * dimension)
    for index in 0..<count {
      let uniform = source.nextUniform(), u = stratified ? (Double(index) + uniform) / Double(count) : uniform
      var k = 0, cumulative = components[0].weight
      while u >= cumulative && k < components.count - 1 { k += 1; cumulative += components[k].weight }
      let c = components[k]
      for i in 0..<dimension { out.append(c.mean[i] + c.std[i] * source.nextNormal()) }
    }
    return out
  }

  /// log density at one point (log-sum-exp over components).
  public func logDensity(_ x: [Double]) -> Double {
    let terms = components.map { c -> Double in
      var s = log(c.weight)
      for i in 0..<dimension {
        let z = (x[i] - c.mean[i]) / c.std[i]
        s -= 0.5 * z * z + log(c.std[i]) + 0.5 * log(2 * Double.pi)
      }
      return s
    }
    let top = terms.max()!
    return top + log(terms.reduce(0) { $0 + exp($1 - top) })
  }

  /// For each point (row-major [n, D]) the index of the component whose mean is nearest: the
  /// modes' cells, by which mode weights are read off samples.
  public func nearestComponents(_ points: [Double]) -> [Int] {
    let d = dimension
    return (0..<(points.count / d)).map { i in
      var best = 0, bestDistance = Double.infinity
      for (k, c) in components.enumerated() {
        var distance = 0.0
        for j in 0..<d { distance += (points[i * d + j] - c.mean[j]) * (points[i * d + j] - c.mean[j]) }
        if distance < bestDistance { (best, bestDistance) = (k, distance) }
      }
      return best
    }
  }

  /// The mean of the mixture.
  public var mean: [Double] {
    (0..<dimension).map { i in components.reduce(0) { $0 + $1.weight * $1.mean[i] } }
  }
}
