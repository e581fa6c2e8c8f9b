// Functions computed by foreign code (a plugin's C function), with their derivatives as callbacks.

/// A function of tensors whose values and first derivatives come from callbacks on dense Double
/// arrays (NCLSupport's `ArrayFunction`), e.g. a user's drift b(x) written in C. It enters the tape
/// as the op "external" and differentiates to first order: its gradient is the op
/// "externalDerivative", whose own derivative cannot be computed and is reported through
/// `DifferentiationFailure` (never zero).
public typealias ExternalFunction = ArrayFunction

extension Tensor {
  var externalArray: ExternalFunction.Array { ExternalFunction.Array(values: scalars.map(Double.init), shape: shape) }

  /// Applies a foreign function to `inputs`; throws when its forward callback fails or returns
  /// the wrong number of values.
  public static func external(_ function: ExternalFunction, _ inputs: [Tensor], outputShape: [Int]) throws -> Tensor {
    let arrays = inputs.map(\.externalArray)
    let values = try function.forward(arrays, outputShape)
    let count = outputShape.reduce(1, *)
    guard values.count == count else {
      throw NCLError.invalidArgument("\(function.name): forward returned \(values.count) values for shape \(outputShape)")
    }
    let storage = TensorStorage<Scalar>(uninitializedCount: count)
    for i in 0..<count { storage.pointer[i] = Scalar(values[i]) }
    let shapes = inputs.map(\.shape)
    return recordOp(
      "external", inputs: inputs, shape: outputShape, storage: storage,
      backward: { g, y in
        let gradients: [[Double]]
        do {
          gradients = try function.vjp(arrays, y.externalArray, g.externalArray)
          guard gradients.count == shapes.count, zip(gradients, shapes).allSatisfy({ $0.count == $1.reduce(1, *) }) else {
            throw NCLError.invalidArgument("vjp returned gradients of sizes \(gradients.map(\.count)) for inputs \(shapes)")
          }
        } catch {
          DifferentiationFailure.record("\(function.name): \(error)")
          return shapes.map { _ in nil }
        }
        return zip(zip(inputs, gradients), shapes).map { pair, shape in
          let (input, gradient) = pair
          guard input.requiresGradient else { return nil }
          return externalDerivative(function, Tensor(shape: shape, scalars: gradient.map { Scalar($0) }), dependsOn: inputs + [g])
        }
      },
      forward: { tangents, _ in
        guard tangents.contains(where: { $0 != nil }) else { return nil }
        guard let jvp = function.jvp else {
          DifferentiationFailure.record("\(function.name): forward-mode derivative (jvp) asked, but the function has no jvp callback")
          return nil
        }
        do {
          let t = zip(tangents, shapes).map { tangent, shape in
            tangent?.externalArray ?? ExternalFunction.Array(values: Swift.Array(repeating: 0, count: shape.reduce(1, *)), shape: shape)
          }
          let values = try jvp(arrays, t, outputShape)
          guard values.count == count else { throw NCLError.invalidArgument("jvp returned \(values.count) values for shape \(outputShape)") }
          return externalDerivative(function, Tensor(shape: outputShape, scalars: values.map { Scalar($0) }),
                                    dependsOn: inputs + tangents.compactMap { $0 })
        } catch {
          DifferentiationFailure.record("\(function.name): \(error)")
          return nil
        }
      })
  }

  /// A derivative computed by foreign code: right in value, but it cannot itself be
  /// differentiated. When something it `dependsOn` requires a gradient, it is recorded as the op
  /// "externalDerivative" whose derivative rules record a failure instead of returning zero.
  static func externalDerivative(_ function: ExternalFunction, _ value: Tensor, dependsOn inputs: [Tensor]) -> Tensor {
    let message = "\(function.name): a second derivative through a plugin-defined function was asked; it provides first derivatives only"
    return recordOp(
      "externalDerivative", inputs: inputs, shape: value.shape, storage: value.storage,
      backward: { _, _ in
        DifferentiationFailure.record(message)
        return inputs.map { _ in nil }
      },
      forward: { tangents, _ in
        if tangents.contains(where: { $0 != nil }) { DifferentiationFailure.record(message) }
        return nil
      })
  }
}
