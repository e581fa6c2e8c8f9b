// The list of every differentiable op: the gradient-check suite covers exactly these.

/// Every op label that `recordOp` accepts. A new op must be added here and to the gradient-check
/// cases in `Tests/NCLHostTests/Autodiff/OpGradientTests.swift`; a test fails when the two differ.
public enum OpIndex {
  public static let all: [String] = [
    // Unary (Unary.swift)
    "exp", "log", "log1p", "sigmoid", "softplus", "silu", "siluDerivative", "siluSecondDerivative", "siluTangent", "tanh", "logisticLogDensity", "sqrt", "square",
    "reciprocal", "sin", "cos", "abs", "sign", "pow", "clamp", "affine",
    // Arithmetic (Arithmetic.swift)
    "add", "subtract", "multiply", "divide", "powTensor",
    // Reductions (Reduce.swift)
    "sum", "logSumExp", "cumulativeSum", "product",
    // Shape (Shape.swift)
    "reshape", "broadcast", "permute", "slice", "pad", "concatenate",
    // Elementwise choice (Select.swift); the comparisons of Compare.swift are constants, not ops
    "select", "minimum", "maximum",
    // Matrix products (MatMul.swift)
    "matmul", "linear",
    // Foreign functions (External.swift): first order only, by design
    "external", "externalDerivative",
  ]

  /// Ops whose derivatives are first order only: a second derivative records a
  /// `DifferentiationFailure` naming the function instead of returning zero.
  public static let firstOrderOnly: Set<String> = ["external", "externalDerivative"]

  static let set = Set(all)

  public static func contains(_ op: String) -> Bool { set.contains(op) }
}
