// A tape node: the op that produced a tensor, its inputs, and its derivative rules.

/// Derivative rules of one op, both built only from differentiable tensor ops so that
/// derivatives of derivatives are recorded like any other computation.
struct DerivativeRules<Scalar: TensorScalar> {
  /// Vector-Jacobian product: given the output's gradient and the output itself, one gradient
  /// per input (nil where an input is constant or not differentiable), each shaped like its input.
  let backward: (_ gradient: Tensor<Scalar>, _ output: Tensor<Scalar>) -> [Tensor<Scalar>?]
  /// Jacobian-vector product: given one tangent per input (nil = zero) and the output, the
  /// output's tangent (nil = zero).
  let forward: (_ tangents: [Tensor<Scalar>?], _ output: Tensor<Scalar>) -> Tensor<Scalar>?
}

/// One recorded operation. Holds its inputs (upstream only, so the tape is acyclic and ARC frees
/// it when the last tensor referring to it goes away) and the output's storage rather than the
/// output tensor, which would point back at this node.
public final class Node<Scalar: TensorScalar> {
  /// The op's label, as listed in `OpIndex`; "leaf" for tensors created by `requiringGradient()`.
  public let op: String
  private(set) var inputs: [Tensor<Scalar>]
  let shape: [Int]
  private(set) var rules: DerivativeRules<Scalar>?
  private let outputStorage: TensorStorage<Scalar>?

  init(leafShape: [Int]) {
    op = "leaf"
    inputs = []
    shape = leafShape
    rules = nil
    outputStorage = nil
  }

  init(op: String, inputs: [Tensor<Scalar>], output: TensorStorage<Scalar>, shape: [Int], rules: DerivativeRules<Scalar>) {
    self.op = op
    self.inputs = inputs
    self.shape = shape
    self.rules = rules
    self.outputStorage = output
  }

  var isLeaf: Bool { rules == nil }

  /// Frees the upstream graph with a worklist instead of recursion, so that dropping a very long
  /// chain (thousands of steps of a loop) cannot overflow the stack. Parents are taken into the
  /// worklist before this node lets go of its inputs and rules (whose closures capture them), so
  /// no release here ever frees a parent node inline.
  deinit {
    var pending = inputs.compactMap { $0.node }
    inputs.removeAll()
    rules = nil
    while var node = pending.popLast() {
      if isKnownUniquelyReferenced(&node) {
        pending.append(contentsOf: node.inputs.compactMap { $0.node })
        node.inputs.removeAll()
        node.rules = nil
      }
    }
  }

  /// The output tensor, reattached to this node so rules that reuse it stay differentiable.
  var output: Tensor<Scalar> {
    Tensor(shape: shape, storage: outputStorage!, node: self)
  }
}
