// Which call into a plugin the process is in: what a crash report names.

/// The call into a plugin in progress, or the last one made.
///
/// A plugin that crashes ends the process inside its own code, so nothing the host does
/// afterwards can say where it was. The loader, `PluginObjective` and `PluginLibrary.call`
/// announce each call here on entry and exit; an `observer` can store that somewhere that
/// survives the process (`nclhost --isolate` writes it to a file its parent reads after the child
/// died). Calls happen on the host's main thread ([create], [train-step], [eval]); the observer
/// runs on the calling thread and must be cheap.
public enum PluginCallTrace {
  public struct Call: Equatable, Sendable, CustomStringConvertible {
    /// The plugin's name, or its library's path while its descriptor is being read.
    public var plugin: String
    /// "ncl_plugin_entry", "create", "loss", "evaluate", "destroy" or "call FUNCTION".
    public var name: String
    /// The training step of a loss (1-based); for other calls, the step the process was at (the
    /// last loss, or the checkpoint's for `nclhost eval`); nil before any.
    public var step: Int?
    /// false once the call has returned.
    public var inProgress: Bool

    public init(plugin: String, name: String, step: Int?, inProgress: Bool) {
      self.plugin = plugin
      self.name = name
      self.step = step
      self.inProgress = inProgress
    }

    /// "loss at step 3", "create".
    public var description: String { name + (step.map { " at step \($0)" } ?? "") }
  }

  /// Told of every call on entry and on return.
  nonisolated(unsafe) public static var observer: ((Call) -> Void)?

  /// The training step the process is at: each loss call sets it; set it for calls outside
  /// training (`nclhost eval` sets the checkpoint's step).
  nonisolated(unsafe) public static var step: Int?

  /// The call in progress, or the last one.
  nonisolated(unsafe) public private(set) static var current: Call?

  /// Announces a call into `plugin`; `step` is given by loss calls.
  public static func enter(_ plugin: String, _ name: String, step newStep: Int? = nil) {
    if let newStep { step = newStep }
    let call = Call(plugin: plugin, name: name, step: step, inProgress: true)
    current = call
    observer?(call)
  }

  /// Announces that the call last entered has returned.
  public static func leave() {
    guard var call = current else { return }
    call.inProgress = false
    current = call
    observer?(call)
  }
}
