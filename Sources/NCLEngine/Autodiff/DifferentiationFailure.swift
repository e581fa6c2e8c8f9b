// Failures inside derivative rules, which cannot throw: kept here until the caller asks.
import Foundation

/// Derivative rules run inside `gradient` and `jvp`, which do not throw. A rule that cannot
/// produce its derivative (a first-order-only op asked for a second derivative, a foreign
/// callback that failed) records why here and returns no gradient; whoever runs the
/// differentiation calls `check()` afterwards and throws. Never a silent zero.
public enum DifferentiationFailure {
  private static let lock = NSLock()
  nonisolated(unsafe) private static var first: String?

  /// Records a failure; the first one recorded since the last `check()` is kept.
  public static func record(_ message: String) {
    lock.lock()
    defer { lock.unlock() }
    if first == nil { first = message }
  }

  /// The failure recorded since the last `take()` or `check()`, if any; clears it.
  public static func take() -> String? {
    lock.lock()
    defer { lock.unlock() }
    let message = first
    first = nil
    return message
  }

  /// Throws the failure recorded since the last call, if any, and clears it.
  public static func check() throws {
    if let message = take() { throw NCLError.differentiation(message) }
  }
}
