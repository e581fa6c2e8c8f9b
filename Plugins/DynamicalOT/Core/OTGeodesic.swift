// A population on an exact optimal-transport geodesic in any dimension: the known answer of the
// leave-one-time-out evaluation.
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import NCLSupport

/// X_t = (1 - t) X_0 + t grad phi(X_0) with phi convex, so by Brenier's theorem grad phi is the
/// optimal map from the law of X_0 to that of X_1 and t -> law(X_t) is McCann's displacement
/// interpolation: the least-action path through every snapshot.
///
/// phi(x) = m.x + x^T A x / 2 + c1 log cosh(w1.x) + c2 softplus(w2.x), with A = a I + b v v^T
/// (rotated, anisotropic), so grad phi is nonlinear (the log cosh splits the population along w1,
/// the softplus shears it) and its Jacobian A + c1 sech^2(w1.x) w1 w1^T + c2 sigmoid'(w2.x) w2 w2^T
/// is symmetric positive definite. X_0 is a mixture of three Gaussians (non-Gaussian, multimodal).
/// Every constant is a fixed function of D, so only the sampling depends on the seed.
struct OTGeodesic {
  let dimension: Int
  /// Translation m, quadratic part A = a I + b v v^T, and the two ridge terms (c, w).
  let shift: [Double]
  let isotropic = 0.7, rankOne = 0.8
  let direction: [Double]
  let splitWeight = 0.6, splitDirection: [Double]
  let shearWeight = 1.5, shearDirection: [Double]
  /// X_0: equal-weight mixture of N(center_j, 0.4^2 I).
  let centers: [[Double]]
  let spread: Double
  /// The law of X_0 as a density, behind `logDensity` (`start` draws from it with its own stream).
  let startLaw: GaussianMixture

  init(dimension d: Int) {
    precondition(d >= 2, "OTGeodesic needs D >= 2")
    dimension = d
    func vector(_ head: [Double], rest: Double) -> [Double] { (0..<d).map { $0 < head.count ? head[$0] : rest } }
    func unit(_ v: [Double]) -> [Double] { let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot(); return v.map { $0 / n } }
    shift = vector([3, 0], rest: 0.5)
    direction = unit(vector([1, 0.6], rest: -0.4))
    splitDirection = vector([0, 1.5], rest: 0)
    shearDirection = unit(vector([0.3, -0.5], rest: 0.8)).map { 1.2 * $0 }
    centers = [vector([-2, 0], rest: 0), vector([-1, 1.4], rest: 0.5), vector([-1, -1.4], rest: -0.5)]
    let spread = 0.4
    self.spread = spread
    startLaw = GaussianMixture(centers.map { .init(mean: $0, std: Array(repeating: spread, count: d)) })
  }

  private func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

  /// One draw of X_0.
  func start<R: RandomSource>(_ g: inout R) -> [Double] {
    let j = min(Int(g.nextUniform() * Double(centers.count)), centers.count - 1)
    return centers[j].map { $0 + spread * g.nextNormal() }
  }

  /// phi(x) itself (log cosh and softplus written to stay finite far out).
  func potential(_ x: [Double]) -> Double {
    let vx = dot(direction, x), s = dot(splitDirection, x), r = dot(shearDirection, x)
    let logCosh = abs(s) + log1p(exp(-2 * abs(s))) - log(2.0), softplus = max(r, 0) + log1p(exp(-abs(r)))
    return dot(shift, x) + isotropic * dot(x, x) / 2 + rankOne * vx * vx / 2 + splitWeight * logCosh + shearWeight * softplus
  }

  /// The optimal map grad phi(x).
  func map(_ x: [Double]) -> [Double] {
    let vx = dot(direction, x), s = dot(splitDirection, x), r = dot(shearDirection, x)
    let split = splitWeight * tanh(s), shear = shearWeight / (1 + exp(-r))
    return (0..<dimension).map { k in
      shift[k] + isotropic * x[k] + rankOne * vx * direction[k] + split * splitDirection[k] + shear * shearDirection[k]
    }
  }

  /// The Hessian of phi (the Jacobian of `map`), row-major [D * D].
  func hessian(_ x: [Double]) -> [Double] {
    let s = dot(splitDirection, x), r = dot(shearDirection, x)
    let sech = 1 / cosh(s), sigmoid = 1 / (1 + exp(-r))
    let split = splitWeight * sech * sech, shear = shearWeight * sigmoid * (1 - sigmoid)
    var h = [Double](repeating: 0, count: dimension * dimension)
    for i in 0..<dimension {
      for j in 0..<dimension {
        h[i * dimension + j] = (i == j ? isotropic : 0) + rankOne * direction[i] * direction[j]
          + split * splitDirection[i] * splitDirection[j] + shear * shearDirection[i] * shearDirection[j]
      }
    }
    return h
  }

  /// The squared W2 between the laws at t = 0 and t = 1, E|grad phi(X_0) - X_0|^2 (Brenier: the map
  /// is optimal), by Monte Carlo over `count` draws of X_0: the transport cost a model should learn.
  func transportCost(count: Int, seed: UInt64) -> Double {
    var g = SeededGenerator(seed: seed)
    var total = 0.0
    for _ in 0..<count {
      let x = start(&g)
      total += zip(map(x), x).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
    }
    return total / Double(count)
  }

  /// The point of the geodesic from x0 at time t in [0, 1].
  func position(_ x0: [Double], at t: Double) -> [Double] {
    zip(x0, map(x0)).map { (1 - t) * $0 + t * $1 }
  }

  /// The Jacobian (1 - t) I + t Hess phi(x0) of x0 -> x_t, row-major [D * D]: symmetric positive
  /// definite (phi is convex), so the map is one to one at every t.
  func jacobian(_ x0: [Double], at t: Double) -> [Double] {
    var j = hessian(x0).map { t * $0 }
    for k in 0..<dimension { j[k * dimension + k] += 1 - t }
    return j
  }

  /// The log-density of the law at time t at `position(x0, at: t)`, by the change of variables:
  /// X_0's log-density less log det of the map's Jacobian. With it, KL(true law || model) is exact
  /// up to Monte Carlo (`kl<k>`), where W1 between samples reads mostly sampling noise.
  func logDensity(start x0: [Double], at t: Double) -> Double {
    startLaw.logDensity(x0) - CholeskyFactor(jacobian(x0, at: t), dimension: dimension).logDeterminant
  }

  /// The origin x0 of the particle at x at time t: Newton's method on (1 - t) x0 + t grad phi(x0) = x
  /// from x0 = x (the map is the gradient of a strongly convex function, so the root is unique); a
  /// dozen steps reach machine precision here.
  func origin(of x: [Double], at t: Double) -> [Double] {
    var x0 = x
    for _ in 0..<50 {
      let residual = zip(position(x0, at: t), x).map { $0 - $1 }
      if residual.allSatisfy({ abs($0) < 1e-13 }) { break }
      let step = CholeskyFactor(jacobian(x0, at: t), dimension: dimension).solve(residual)
      for k in 0..<dimension { x0[k] -= step[k] }
    }
    return x0
  }
}
