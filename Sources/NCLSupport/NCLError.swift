// Errors the host, the support layer and the plugins' readers report to their callers.

/// A problem with input the caller can fix; the message names what is wrong (for files: the
/// path and, where there is one, the line).
public enum NCLError: Error, CustomStringConvertible, Equatable, Sendable {
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
