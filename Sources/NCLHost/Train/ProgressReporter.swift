// Human-readable training progress: one live line on a terminal, plain log lines elsewhere.
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reports step/total, loss, learning rate, steps/s and ETA. On a terminal it redraws one line
/// with a carriage return (at most ~10 times a second, so fast runs do not flood the terminal);
/// redirected to a file or pipe it writes a plain line every `logEvery` updates, which logs and
/// CI keep readably. Text goes to an injectable sink (stdout by default) so tests can read it.
public final class ProgressReporter {
  public enum Mode: Sendable {
    /// A single line updated in place with "\r".
    case terminal
    /// A full line every `logEvery` updates and at the end.
    case plain

    /// `.terminal` when standard output is a terminal.
    public static var automatic: Mode { isatty(STDOUT_FILENO) != 0 ? .terminal : .plain }
  }

  public let mode: Mode
  private let sink: (String) -> Void
  private let clock: () -> Double
  private var total = 0, logEvery = 1, firstStep = 0
  private var start = 0.0, lastDraw = -Double.infinity
  private var lineOpen = false

  /// `sink` receives raw text (lines end in "\n" in plain mode); `clock` gives seconds.
  public init(
    mode: Mode = .automatic,
    sink: @escaping (String) -> Void = ProgressReporter.standardOutput,
    clock: @escaping () -> Double = { Date().timeIntervalSinceReferenceDate }
  ) {
    self.mode = mode
    self.sink = sink
    self.clock = clock
  }

  /// Writes to stdout and flushes, so progress shows even when stdout is a pipe.
  public static func standardOutput(_ text: String) {
    fputs(text, stdout)
    fflush(stdout)
  }

  /// Starts timing a run of `total` updates that resumes after `step` completed ones.
  public func begin(step: Int, total: Int, logEvery: Int) {
    self.total = total
    self.logEvery = max(1, logEvery)
    firstStep = step
    start = clock()
    lastDraw = -Double.infinity
  }

  /// After update `step` (1-based count of completed updates).
  public func update(step: Int, loss: Double, learningRate: Double) {
    let now = clock()
    let line = Self.format(
      step: step, total: total, loss: loss, learningRate: learningRate,
      stepsDone: step - firstStep, seconds: now - start)
    switch mode {
    case .terminal:
      guard step == total || now - lastDraw >= 0.1 else { return }
      lastDraw = now
      sink("\r" + line + "\u{1B}[K")
      lineOpen = true
    case .plain:
      if step % logEvery == 0 || step == total { sink(line + "\n") }
    }
  }

  /// A line of its own (evaluations, checkpoints, warnings) that leaves the live line intact below.
  public func message(_ text: String) {
    closeLine()
    sink(text + "\n")
  }

  /// Ends the live line, if any.
  public func end() {
    closeLine()
  }

  private func closeLine() {
    if lineOpen {
      sink("\n")
      lineOpen = false
    }
  }

  /// "step 120/2000  loss 1.2345  lr 1.00e-03  35.2 steps/s  ETA 53s"; rate and ETA count only
  /// this session's updates, so a resumed run does not look impossibly fast.
  static func format(step: Int, total: Int, loss: Double, learningRate: Double, stepsDone: Int, seconds: Double) -> String {
    let width = String(total).count
    var line = String(format: "step %\(width)d/%d  loss %.4f  lr %.2e", step, total, loss, learningRate)
    if stepsDone > 0 && seconds > 0 {
      let rate = Double(stepsDone) / seconds
      line += String(format: "  %.1f steps/s  ETA ", rate) + duration(Double(total - step) / rate)
    }
    return line
  }

  /// 45s, 12m05s, 3h07m.
  static func duration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "?" }
    let s = Int(seconds.rounded())
    if s < 60 { return "\(s)s" }
    if s < 3600 { return String(format: "%dm%02ds", s / 60, s % 60) }
    return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60)
  }
}
