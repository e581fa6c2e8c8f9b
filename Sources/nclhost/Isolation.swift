// `--isolate`: runs the command in a child process so that a crashing plugin cannot take the host down.
import ArgumentParser
import Foundation
import NCLHost

enum Isolation {
  /// The environment variable that marks the child, so it does not isolate again; its value is
  /// the file the child records its plugin calls in.
  static let childMarker = "NCLHOST_ISOLATED_CHILD"

  static var isChild: Bool { ProcessInfo.processInfo.environment[childMarker] != nil }

  /// Swift's crash handler in the child: a backtrace of the crashed thread, no prompt, no
  /// registers or image list (the parent puts it in its report). A SWIFT_BACKTRACE of the
  /// user's own is kept.
  static let backtraceSettings = "enable=yes,interactive=no,threads=crashed,registers=none,images=none"

  /// Lines from the child's standard error that start its crash handler's report.
  static let crashMarkers = ["*** Signal ", "*** Program crashed"]

  /// In the child (run first thing by `main`): records every plugin call in the trace file the
  /// parent named, and flushes standard output by line, so that what was printed before a crash
  /// is not lost with the process.
  static func prepareChild() {
    guard let path = ProcessInfo.processInfo.environment[childMarker], path.hasPrefix("/") else { return }
    setvbuf(stdout, nil, _IOLBF, 0)
    let descriptor = open(path, O_WRONLY)
    guard descriptor >= 0 else { return }
    PluginCallTrace.observer = { call in
      // One record at offset 0, NUL-terminated: what the parent reads is always the latest.
      var record = Array(TraceRecord(call).text.utf8)
      record.append(0)
      _ = record.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }
  }

  /// Re-runs this command line without `--isolate` in a child process and reports how it ended.
  /// A crash (a signal) becomes an error naming the plugin, the call it was in (create, loss,
  /// evaluate, call ...), the training step, and the signal, followed by the child's backtrace;
  /// the child's own exit code is passed through otherwise. The child's standard output and error
  /// reach the terminal as they are written.
  static func runInChild(plugin: String) throws {
    let trace = FileManager.default.temporaryDirectory
      .appendingPathComponent("nclhost-isolated-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString).trace")
    guard FileManager.default.createFile(atPath: trace.path, contents: nil) else {
      throw NCLError.invalidArgument("--isolate: cannot create \(trace.path)")
    }
    defer { try? FileManager.default.removeItem(at: trace) }

    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
    process.arguments = withoutIsolateFlag(Array(CommandLine.arguments.dropFirst()))
    var environment = ProcessInfo.processInfo.environment
    environment[childMarker] = trace.path
    if environment["SWIFT_BACKTRACE"] == nil { environment["SWIFT_BACKTRACE"] = backtraceSettings }
    process.environment = environment
    let errors = Pipe()
    process.standardError = errors
    let relay = StandardErrorRelay(errors.fileHandleForReading)
    try process.run()
    // Ctrl-C reaches the child too; it decides (a run writes a checkpoint and exits 130).
    let previous = signal(SIGINT, SIG_IGN)
    defer { signal(SIGINT, previous) }
    process.waitUntilExit()
    let crashReport = relay.finish()

    switch process.terminationReason {
    case .uncaughtSignal:
      let signal = process.terminationStatus
      let name = String(cString: strsignal(signal))
      let record = (try? Data(contentsOf: trace)).flatMap { TraceRecord(data: $0) }
      var text = "error: the plugin '\(record?.plugin ?? plugin)' crashed in its isolated process"
      if let record {
        text += record.inProgress ? " during \(record.call)" : " after \(record.call) had returned (in the host's code)"
      }
      text += " (signal \(signal): \(name)).\nThe host is unaffected; files already written (checkpoints, metrics) are kept.\n"
      if !crashReport.isEmpty {
        text += "Backtrace of the isolated process:\n"
        text += crashReport.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : "  " + $0 }
          .joined(separator: "\n")
        if !text.hasSuffix("\n") { text += "\n" }
      }
      FileHandle.standardError.write(Data(text.utf8))
      throw ExitCode(70)
    case .exit:
      if process.terminationStatus != 0 { throw ExitCode(process.terminationStatus) }
    @unknown default:
      throw ExitCode(70)
    }
  }

  /// The arguments without `--isolate`, except after the `--` that ends the options (there it
  /// is an argument, e.g. a string for `call`).
  static func withoutIsolateFlag(_ arguments: [String]) -> [String] {
    let end = arguments.firstIndex(of: "--") ?? arguments.count
    return arguments[..<end].filter { $0 != "--isolate" } + arguments[end...]
  }

  /// What the child records about its current plugin call: "plugin TAB call TAB step TAB in|after".
  struct TraceRecord {
    var plugin: String
    var call: String
    var inProgress: Bool

    init(_ call: PluginCallTrace.Call) {
      plugin = call.plugin
      self.call = call.description
      inProgress = call.inProgress
    }

    var text: String { [plugin, call, inProgress ? "in" : "after"].joined(separator: "\t") }

    init?(data: Data) {
      let fields = String(decoding: data.prefix { $0 != 0 }, as: UTF8.self).split(separator: "\t", omittingEmptySubsequences: false)
      guard fields.count == 3 else { return nil }
      plugin = String(fields[0])
      call = String(fields[1])
      inProgress = fields[2] == "in"
    }
  }
}

/// Copies the child's standard error to ours line by line as it arrives, until a line starts the
/// crash handler's report; from there on it keeps the text for the parent's report instead.
final class StandardErrorRelay: @unchecked Sendable {
  private let handle: FileHandle
  private let done = DispatchSemaphore(value: 0)
  private var kept = Data()

  init(_ handle: FileHandle) {
    self.handle = handle
    Thread.detachNewThread { [self] in
      var pending = Data()
      var crashed = false
      while true {
        let chunk = handle.availableData
        if chunk.isEmpty { break }
        if crashed { kept.append(chunk); continue }
        pending.append(chunk)
        // Forward complete lines (LF or CR); the first marker line switches to keeping.
        while let end = pending.firstIndex(where: { $0 == 0x0A || $0 == 0x0D }) {
          let line = pending[pending.startIndex...end]
          let text = String(decoding: line, as: UTF8.self)
          if Isolation.crashMarkers.contains(where: { text.hasPrefix($0) }) {
            crashed = true
            kept.append(pending[pending.startIndex...])
            pending.removeAll()
            break
          }
          FileHandle.standardError.write(Data(line))
          pending.removeSubrange(pending.startIndex...end)
        }
      }
      if !pending.isEmpty { FileHandle.standardError.write(pending) }
      self.done.signal()
    }
  }

  /// Waits for the child's standard error to close; returns the crash handler's report, if any.
  func finish() -> String {
    done.wait()
    return String(decoding: kept, as: UTF8.self).trimmingCharacters(in: .newlines)
  }
}
