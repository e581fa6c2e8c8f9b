// Reverse mode: gradients of outputs with respect to inputs, to any order.

/// Gradients of `outputs` with respect to each of `inputs` (vector-Jacobian products).
///
/// - Parameters:
///   - gradientOutputs: one seed per output, shaped like it; nil seeds each output with ones, so
///     the result is the gradient of the sum of all outputs.
///   - createGraph: record the backward computation itself, so that the returned gradients can be
///     differentiated again (needed whenever a loss contains derivatives of the network).
/// - Returns: one gradient per input, shaped like it; zeros where an input does not influence
///   the outputs.
///
/// Inputs may be leaves or intermediate tensors; they must require gradients.
public func gradient<Scalar>(
  of outputs: [Tensor<Scalar>], wrt inputs: [Tensor<Scalar>],
  gradientOutputs: [Tensor<Scalar>]? = nil, createGraph: Bool = false
) -> [Tensor<Scalar>] {
  let inputNodes = inputs.map { input -> Node<Scalar> in
    guard let node = input.node else {
      preconditionFailure("gradient wrt a tensor of shape \(input.shape) that does not require a gradient")
    }
    return node
  }
  if let seeds = gradientOutputs {
    precondition(seeds.count == outputs.count, "\(seeds.count) gradient outputs for \(outputs.count) outputs")
    for (seed, output) in zip(seeds, outputs) {
      precondition(seed.shape == output.shape, "gradient output of shape \(seed.shape) for an output of shape \(output.shape)")
    }
  }
  let order = Tape.topologicalOrder(from: outputs.compactMap { $0.node })
  let wanted = Set(inputNodes.map(ObjectIdentifier.init))

  // Only nodes with a path to some input need their backward rule run.
  var leadsToInput = Set<ObjectIdentifier>()
  for node in order {
    let id = ObjectIdentifier(node)
    if wanted.contains(id) || node.inputs.contains(where: { $0.node.map { leadsToInput.contains(ObjectIdentifier($0)) } ?? false }) {
      leadsToInput.insert(id)
    }
  }

  var gradients: [ObjectIdentifier: Tensor<Scalar>] = [:]
  func accumulate(_ node: Node<Scalar>, _ g: Tensor<Scalar>) {
    let id = ObjectIdentifier(node)
    guard let existing = gradients.removeValue(forKey: id) else {
      gradients[id] = g
      return
    }
    gradients[id] = Tensor.accumulating(consume existing, g)
  }

  withGradientMode(createGraph) {
    for (index, output) in outputs.enumerated() {
      guard let node = output.node, leadsToInput.contains(ObjectIdentifier(node)) else { continue }
      accumulate(node, gradientOutputs?[index] ?? Tensor.ones(output.shape))
    }
    for node in order.reversed() {
      let id = ObjectIdentifier(node)
      guard let rules = node.rules, leadsToInput.contains(id), let g = gradients[id] else { continue }
      let inputGradients = rules.backward(g, node.output)
      precondition(
        inputGradients.count == node.inputs.count,
        "op '\(node.op)' returned \(inputGradients.count) gradients for \(node.inputs.count) inputs")
      for (input, inputGradient) in zip(node.inputs, inputGradients) {
        guard let parent = input.node, leadsToInput.contains(ObjectIdentifier(parent)),
              let inputGradient else { continue }
        precondition(
          inputGradient.shape == input.shape,
          "op '\(node.op)' returned a gradient of shape \(inputGradient.shape) for an input of shape \(input.shape)")
        accumulate(parent, inputGradient)
      }
      // Free what is no longer needed unless it is a requested result.
      if !wanted.contains(id) { gradients[id] = nil }
    }
  }
  return zip(inputs, inputNodes).map { input, node in
    gradients[ObjectIdentifier(node)] ?? Tensor.zeros(input.shape)
  }
}

/// Gradient of one output with respect to one input.
public func gradient<Scalar>(
  of output: Tensor<Scalar>, wrt input: Tensor<Scalar>, createGraph: Bool = false
) -> Tensor<Scalar> {
  gradient(of: [output], wrt: [input], createGraph: createGraph)[0]
}
