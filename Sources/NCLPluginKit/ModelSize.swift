// Three suggested model sizes a plugin can offer its users as one choice parameter.

/// A plugin's `model_size` choice: the model it suggests to the host (users may still override
/// each part with `nclhost run --components --hidden --layers`).
public enum ModelSize: String, CaseIterable, Sendable {
  case small, medium, large

  /// (components, hidden width, hidden layers), for `ProblemDescription`.
  public var shape: (Int, Int, Int) {
    switch self {
    case .small: return (4, 32, 2)
    case .medium: return (8, 64, 2)
    case .large: return (16, 128, 3)
    }
  }
}
