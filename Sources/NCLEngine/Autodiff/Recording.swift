// How an op's forward result enters the tape.

extension Tensor {
  /// Wraps a freshly computed `storage` as the output of `op`, recording a node when recording
  /// is on and some input requires a gradient.
  ///
  /// Every differentiable op goes through here; `op` must be listed in `OpIndex` so that the
  /// gradient-check suite covers it.
  static func recordOp(
    _ op: String, inputs: [Tensor], shape: [Int], storage: TensorStorage<Scalar>,
    backward: @escaping (_ gradient: Tensor, _ output: Tensor) -> [Tensor?],
    forward: @escaping (_ tangents: [Tensor?], _ output: Tensor) -> Tensor?
  ) -> Tensor {
    assert(OpIndex.contains(op), "op '\(op)' is not listed in OpIndex; add it and a gradient check")
    guard GradientMode.isEnabled, inputs.contains(where: { $0.requiresGradient }) else {
      return Tensor(shape: shape, storage: storage)
    }
    let node = Node(op: op, inputs: inputs, output: storage, shape: shape,
                    rules: DerivativeRules(backward: backward, forward: forward))
    return Tensor(shape: shape, storage: storage, node: node)
  }
}
