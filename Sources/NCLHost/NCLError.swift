// Errors the library reports to its callers.

/// A problem with input the caller can fix; the message names what is wrong.
public enum NCLError: Error, CustomStringConvertible, Equatable {
  case invalidArgument(String)
  /// A derivative that cannot be computed (see `DifferentiationFailure`).
  case differentiation(String)

  public var description: String {
    switch self {
    case .invalidArgument(let message): return message
    case .differentiation(let message): return "differentiation failed: \(message)"
    }
  }
}
