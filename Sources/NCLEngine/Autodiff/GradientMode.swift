// Whether ops record themselves on the tape.

/// Recording switch, scoped per task/thread. Evaluation code runs inside `withoutGradient`
/// so that no tape is built and memory stays flat.
public enum GradientMode {
  @TaskLocal public static var isEnabled = true
}

/// Runs `body` without recording: every tensor it creates is a constant.
@discardableResult
public func withoutGradient<R>(_ body: () throws -> R) rethrows -> R {
  try GradientMode.$isEnabled.withValue(false, operation: body)
}

/// Runs `body` with recording on or off.
@discardableResult
func withGradientMode<R>(_ enabled: Bool, _ body: () throws -> R) rethrows -> R {
  try GradientMode.$isEnabled.withValue(enabled, operation: body)
}
