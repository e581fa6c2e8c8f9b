// Forward mode: directional derivatives of recorded outputs, pushed along the tape.

/// Jacobian-vector products: the derivative of each of `outputs` along `tangents` of `inputs`.
///
/// Runs on an already recorded forward pass: tangents flow from the inputs through every node
/// between them and the outputs, using each op's forward rule. One call gives, for example, d/dt
/// of every coordinate's CDF for a whole batch at the cost of about one more forward pass.
///
/// - Parameter createGraph: record the tangent computation so that the result can itself be
///   differentiated (with respect to network parameters, say). On by default, because the
///   typical use is inside a loss.
/// - Returns: one tangent per output, shaped like it; zeros where an output does not depend on
///   the inputs.
public func jvp<Scalar>(
  of outputs: [Tensor<Scalar>], wrt inputs: [Tensor<Scalar>], tangents: [Tensor<Scalar>],
  createGraph: Bool = true
) -> [Tensor<Scalar>] {
  precondition(inputs.count == tangents.count, "\(tangents.count) tangents for \(inputs.count) inputs")
  var tangentOf: [ObjectIdentifier: Tensor<Scalar>] = [:]
  for (input, tangent) in zip(inputs, tangents) {
    guard let node = input.node else {
      preconditionFailure("jvp wrt a tensor of shape \(input.shape) that does not require a gradient")
    }
    precondition(tangent.shape == input.shape, "tangent of shape \(tangent.shape) for an input of shape \(input.shape)")
    tangentOf[ObjectIdentifier(node)] = tangent
  }
  let order = Tape.topologicalOrder(from: outputs.compactMap { $0.node })
  withGradientMode(createGraph) {
    for node in order {
      guard let rules = node.rules, tangentOf[ObjectIdentifier(node)] == nil else { continue }
      let inputTangents = node.inputs.map { input in input.node.flatMap { tangentOf[ObjectIdentifier($0)] } }
      guard inputTangents.contains(where: { $0 != nil }),
            let tangent = rules.forward(inputTangents, node.output) else { continue }
      precondition(
        tangent.shape == node.shape,
        "op '\(node.op)' returned a tangent of shape \(tangent.shape) for an output of shape \(node.shape)")
      tangentOf[ObjectIdentifier(node)] = tangent
    }
  }
  return outputs.map { output in
    output.node.flatMap { tangentOf[ObjectIdentifier($0)] } ?? Tensor.zeros(output.shape)
  }
}

/// Derivative of one output along one input's tangent.
public func jvp<Scalar>(
  of output: Tensor<Scalar>, wrt input: Tensor<Scalar>, tangent: Tensor<Scalar>, createGraph: Bool = true
) -> Tensor<Scalar> {
  jvp(of: [output], wrt: [input], tangents: [tangent], createGraph: createGraph)[0]
}
