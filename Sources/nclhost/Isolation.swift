// `--isolate`: runs the command in a child process so that a crashing plugin cannot take the host down.
import ArgumentParser
import Foundation

enum Isolation {
  /// The environment variable that marks the child, so it does not isolate again.
  static let childMarker = "NCLHOST_ISOLATED_CHILD"

  static var isChild: Bool { ProcessInfo.processInfo.environment[childMarker] != nil }

  /// Re-runs this command line without `--isolate` in a child process and reports how it ended.
  /// A crash (a signal) becomes an error naming the plugin and the signal; the child's own exit
  /// code is passed through otherwise.
  static func runInChild(plugin: String) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
    process.arguments = Array(CommandLine.arguments.dropFirst()).filter { $0 != "--isolate" }
    var environment = ProcessInfo.processInfo.environment
    environment[childMarker] = "1"
    // Swift's crash handler would print a backtrace and, for some signals, let the child go on;
    // the parent reports the crash itself.
    environment["SWIFT_BACKTRACE"] = "enable=no"
    process.environment = environment
    try process.run()
    process.waitUntilExit()
    switch process.terminationReason {
    case .uncaughtSignal:
      let signal = process.terminationStatus
      let name = String(cString: strsignal(signal))
      FileHandle.standardError.write(Data("""
        error: the plugin '\(plugin)' crashed in its isolated process (signal \(signal): \(name)).
        The host is unaffected; files already written (checkpoints, metrics) are kept.

        """.utf8))
      throw ExitCode(70)
    case .exit:
      if process.terminationStatus != 0 { throw ExitCode(process.terminationStatus) }
    @unknown default:
      throw ExitCode(70)
    }
  }
}
