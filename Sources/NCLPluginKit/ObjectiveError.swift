// The error a plugin throws from create, loss or evaluate; the kit turns it into a status and a message.
import NCLPluginAPI

/// An error with the ABI status it maps to (`NCL_ERROR_*`). Throw it from
/// `ObjectiveImplementation.init`, `loss` or `evaluate`: the kit writes `message` into the host's
/// error buffer and returns `status.code`. An `NCLError` of the support layer becomes
/// `.invalidArgument`, any other error `.internal`, with its description as the message.
public struct ObjectiveError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The status codes of the ABI.
  public enum Status: Int32, Sendable, CaseIterable {
    /// A parameter or an argument is out of range (`NCL_ERROR_INVALID_ARGUMENT`).
    case invalidArgument = 1
    /// A data file is missing or malformed; name the file and line (`NCL_ERROR_DATA`).
    case data = 2
    /// NaN or infinity where a finite value is needed (`NCL_ERROR_NUMERIC`).
    case numeric = 3
    /// The host or plugin lacks a capability (`NCL_ERROR_UNSUPPORTED`).
    case unsupported = 4
    /// Anything else (`NCL_ERROR_INTERNAL`).
    case `internal` = 5

    /// The `ncl_status_t` value.
    public var code: ncl_status_t { ncl_status_t(rawValue) }
  }

  public let status: Status
  public let message: String

  public init(_ status: Status, _ message: String) {
    self.status = status
    self.message = message
  }

  public static func invalidArgument(_ message: String) -> ObjectiveError { ObjectiveError(.invalidArgument, message) }
  public static func data(_ message: String) -> ObjectiveError { ObjectiveError(.data, message) }
  public static func numeric(_ message: String) -> ObjectiveError { ObjectiveError(.numeric, message) }
  public static func unsupported(_ message: String) -> ObjectiveError { ObjectiveError(.unsupported, message) }
  public static func `internal`(_ message: String) -> ObjectiveError { ObjectiveError(.internal, message) }

  public var description: String { message }
}
