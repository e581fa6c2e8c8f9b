// Finite-difference checks of reverse- and forward-mode derivatives, in Double.
import NCLHost

/// Why a derivative check could not run or did not pass.
public enum GradientCheckError: Error, CustomStringConvertible {
  case nonFiniteInput(index: Int, shape: [Int])
  case nonFiniteOutput(shape: [Int])
  case mismatch(what: String, input: Int, element: Int, analytic: Double, numeric: Double)

  public var description: String {
    switch self {
    case let .nonFiniteInput(i, shape): return "input \(i) of shape \(shape) holds NaN or infinity"
    case let .nonFiniteOutput(shape): return "output of shape \(shape) holds NaN or infinity"
    case let .mismatch(what, i, e, a, n):
      return "\(what): input \(i), element \(e): analytic \(a) vs central difference \(n)"
    }
  }
}

/// Central-difference checks against the engine's derivatives.
///
/// Each check reduces a tensor-valued function to a scalar with fixed random weights
/// (L = sum(w * f(x))) and compares every partial derivative of L with
/// (L(x + h e) - L(x - h e)) / 2h. Errors are judged relative to max(1, |numeric|).
public enum GradientCheck {
  public typealias Function = ([Tensor<Double>]) -> Tensor<Double>

  /// Reverse mode: the gradient of sum(w * f(x)) against central differences.
  public static func reverse(
    _ f: @escaping Function, at inputs: [Tensor<Double>], step: Double = 1e-6, tolerance: Double = 1e-6, seed: UInt64 = 1
  ) throws {
    try validate(inputs)
    let weights = weightsFor(f(inputs), seed: seed)
    let loss: Function = { x in (f(x) * weights).sum() }
    let leaves = inputs.map { $0.requiringGradient() }
    let analytic = gradient(of: [loss(leaves)], wrt: leaves)
    for (i, input) in inputs.enumerated() {
      for e in 0..<input.count {
        let numeric = try centralDifference(loss, inputs, input: i, element: e, step: step).scalars[0]
        try compare("gradient", i, e, analytic[i].scalars[e], numeric, tolerance)
      }
    }
  }

  /// Forward mode: jvp(f, x, t) against (f(x + h t) - f(x - h t)) / 2h for random tangents.
  public static func forward(
    _ f: Function, at inputs: [Tensor<Double>], step: Double = 1e-6, tolerance: Double = 1e-6, seed: UInt64 = 2
  ) throws {
    try validate(inputs)
    var generator = SeededGenerator(seed: seed)
    let tangents = inputs.map { Tensor<Double>.randomNormal($0.shape, using: &generator) }
    let leaves = inputs.map { $0.requiringGradient() }
    let analytic = jvp(of: [f(leaves)], wrt: leaves, tangents: tangents, createGraph: false)[0]
    let plus = withoutGradient { f(zip(inputs, tangents).map { $0 + step * $1 }) }
    let minus = withoutGradient { f(zip(inputs, tangents).map { $0 - step * $1 }) }
    let numeric = (plus - minus) / (2 * step)
    for e in 0..<numeric.count {
      try compare("jvp", 0, e, analytic.scalars[e], numeric.scalars[e], tolerance)
    }
  }

  /// The function x -> sum(w * d/dx sum(v * f(x))) with fixed random v, w: its own gradient is a
  /// second derivative of f, so `reverse(gradientOf(f), ...)` is a gradgradcheck, and nesting
  /// twice checks third order.
  public static func gradientOf(_ f: @escaping Function, at inputs: [Tensor<Double>], seed: UInt64 = 3) -> Function {
    let v = weightsFor(withoutGradient { f(inputs) }, seed: seed)
    var generator = SeededGenerator(seed: seed + 100)
    let w = inputs.map { Tensor<Double>.randomNormal($0.shape, using: &generator) }
    return { x in
      let leaves = x.map { $0.requiresGradient ? $0 : $0.requiringGradient() }
      let grads = gradient(of: [(f(leaves) * v).sum()], wrt: leaves, createGraph: true)
      return zip(grads, w).map { ($0 * $1).sum() }.reduce(Tensor(0), +)
    }
  }

  /// The function x -> sum(w * jvp(f, x, t)) with fixed random t, w: checking its gradient
  /// checks that forward-mode results are themselves differentiable.
  public static func tangentOf(_ f: @escaping Function, at inputs: [Tensor<Double>], seed: UInt64 = 4) -> Function {
    var generator = SeededGenerator(seed: seed)
    let tangents = inputs.map { Tensor<Double>.randomNormal($0.shape, using: &generator) }
    let w = weightsFor(withoutGradient { f(inputs) }, seed: seed + 100)
    return { x in
      let leaves = x.map { $0.requiresGradient ? $0 : $0.requiringGradient() }
      return (jvp(of: f(leaves), wrt: leaves[0], tangent: tangents[0]) * w).sum()
    }
  }

  static func validate(_ inputs: [Tensor<Double>]) throws {
    for (i, x) in inputs.enumerated() where x.scalars.contains(where: { !$0.isFinite }) {
      throw GradientCheckError.nonFiniteInput(index: i, shape: x.shape)
    }
  }

  static func weightsFor(_ output: Tensor<Double>, seed: UInt64) -> Tensor<Double> {
    var generator = SeededGenerator(seed: seed)
    return Tensor<Double>.randomNormal(output.shape, using: &generator)
  }

  static func centralDifference(
    _ f: Function, _ inputs: [Tensor<Double>], input i: Int, element e: Int, step: Double
  ) throws -> Tensor<Double> {
    func shifted(_ delta: Double) -> [Tensor<Double>] {
      var values = inputs[i].scalars
      values[e] += delta
      var copy = inputs.map { $0.detached() }
      copy[i] = Tensor(shape: inputs[i].shape, scalars: values)
      return copy
    }
    let plus = f(shifted(step)), minus = f(shifted(-step))
    guard plus.scalars.allSatisfy(\.isFinite), minus.scalars.allSatisfy(\.isFinite) else {
      throw GradientCheckError.nonFiniteOutput(shape: plus.shape)
    }
    return withoutGradient { (plus - minus) / (2 * step) }
  }

  static func compare(_ what: String, _ i: Int, _ e: Int, _ analytic: Double, _ numeric: Double, _ tolerance: Double) throws {
    if !(Swift.abs(analytic - numeric) <= tolerance * Swift.max(1, Swift.abs(numeric))) {
      throw GradientCheckError.mismatch(what: what, input: i, element: e, analytic: analytic, numeric: numeric)
    }
  }
}
