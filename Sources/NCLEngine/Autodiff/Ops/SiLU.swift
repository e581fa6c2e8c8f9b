// SiLU, the default activation, with its forward-mode tangent as an op of its own.
import NCLKernels

/// The NCL losses differentiate every hidden layer twice: once in t (forward mode, for the flux)
/// and then in the parameters. Through generic elementwise rules that chain is five or six
/// passes over each [batch, width] activation (silu', the tangent product, silu'' and three more
/// products); here the tangent s'(a) t is one op whose first-order backward is one fused Float32
/// pass (`ncl_silu_tangent_backward`). When a backward is itself recorded (higher orders), the
/// rules fall back to differentiable ops, so every order still works; the two paths agree to
/// Float rounding (`FusedSiLUTests`).
extension Tensor {
  /// x sigmoid(x), a smooth activation whose derivatives of every order exist.
  public func silu() -> Tensor {
    let x = self
    return Tensor.recordOp(
      "silu", inputs: [x], shape: shape, storage: applying(.silu),
      backward: { g, _ in [x.fusedFloat(g, ncl_silu_backward, constantOnly: true) ?? g * x.siluDerivative()] },
      forward: { t, _ in x.siluTangent(t[0]!) })
  }

  /// silu'(self) * t: the tangent of `silu()` along t, shaped like self.
  public func siluTangent(_ t: Tensor) -> Tensor {
    precondition(t.shape == shape, "siluTangent: tangent \(t.shape) for an input of shape \(shape)")
    let a = self
    let storage = a.fusedFloat(t, ncl_silu_tangent, constantOnly: false)?.storage
      ?? withoutGradient { (t * a.siluDerivative()).storage }
    return Tensor.recordOp(
      "siluTangent", inputs: [a, t], shape: shape, storage: storage,
      backward: { g, _ in
        if let (gradA, gradT) = a.fusedTangentBackward(t, g) { return [gradA, gradT] }
        return [a.requiresGradient ? g * t * a.siluSecondDerivative() : nil, t.requiresGradient ? g * a.siluDerivative() : nil]
      },
      forward: { tangents, _ in
        Tensor.sumOfTangents(
          tangents[0].map { $0 * t * a.siluSecondDerivative() }, tangents[1].map { a.siluTangent($0) }, shape: a.shape)
      })
  }

  /// `kernel(self, other)` into fresh constant storage for Float32; nil for other types and, with
  /// `constantOnly`, when the result would have to be recorded (a backward of a higher order).
  private func fusedFloat(
    _ other: Tensor, _ kernel: (UnsafePointer<Float>?, UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int) -> Void,
    constantOnly: Bool
  ) -> Tensor? {
    let recorded = GradientMode.isEnabled && (requiresGradient || other.requiresGradient)
    guard Scalar.self == Float.self, !(constantOnly && recorded), other.shape == shape else { return nil }
    let out = TensorStorage<Scalar>(uninitializedCount: count)
    let (x, y, z) = (floats(storage.pointer), floats(other.storage.pointer), UnsafeMutablePointer(mutating: floats(out.pointer)))
    Parallel.forEachChunk(count) { start, n in kernel(x + start, y + start, z + start, n) }
    return Tensor(shape: shape, storage: out)
  }

  /// (g t silu''(self), g silu'(self)) in one Float32 pass, when nothing records them.
  private func fusedTangentBackward(_ t: Tensor, _ g: Tensor) -> (Tensor, Tensor)? {
    let recorded = GradientMode.isEnabled && (requiresGradient || t.requiresGradient || g.requiresGradient)
    guard Scalar.self == Float.self, !recorded, t.shape == shape, g.shape == shape else { return nil }
    let gradA = TensorStorage<Scalar>(uninitializedCount: count), gradT = TensorStorage<Scalar>(uninitializedCount: count)
    let (a, tp, gp) = (floats(storage.pointer), floats(t.storage.pointer), floats(g.storage.pointer))
    let (ga, gt) = (UnsafeMutablePointer(mutating: floats(gradA.pointer)), UnsafeMutablePointer(mutating: floats(gradT.pointer)))
    Parallel.forEachChunk(count) { start, n in
      ncl_silu_tangent_backward(a + start, tp + start, gp + start, ga + start, gt + start, n)
    }
    return (Tensor(shape: shape, storage: gradA), Tensor(shape: shape, storage: gradT))
  }

  private func floats(_ p: UnsafeMutablePointer<Scalar>) -> UnsafePointer<Float> {
    UnsafeRawPointer(p).assumingMemoryBound(to: Float.self)
  }
}
