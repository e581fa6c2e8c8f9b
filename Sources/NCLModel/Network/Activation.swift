// Smooth activation functions for networks that are differentiated with respect to their inputs.

/// Activations with derivatives of every order. ReLU is deliberately absent: the NCL losses
/// contain d/dt and d/dx of the network, and a piecewise-linear network has zero second
/// derivatives almost everywhere.
public enum Activation: String, CaseIterable, Codable, Sendable {
  case silu, tanh, softplus

  public func callAsFunction<Scalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
    switch self {
    case .silu: return x.silu()
    case .tanh: return x.tanh()
    case .softplus: return x.softplus()
    }
  }
}
