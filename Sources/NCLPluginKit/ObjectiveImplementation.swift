// What a Swift plugin implements; the kit provides the C entry points around it.
import NCLPluginAPI

/// Where a training step stands.
public struct StepInfo: Sendable, Equatable {
  /// 1-based.
  public let step: Int
  /// 0 when the host does not say.
  public let totalSteps: Int

  public init(step: Int, totalSteps: Int) {
    self.step = step
    self.totalSteps = totalSteps
  }

  /// The factor in [0, 1] of a weight warmed up linearly from 0 over the first `fraction` of the
  /// run: 1 from then on, and 1 throughout without a warm-up or when the host does not say the
  /// run's length. Terms that only make sense once the marginals are fitted come in this way.
  public func warmup(_ fraction: Double) -> Double {
    guard fraction > 0, totalSteps > 0 else { return 1 }
    return min(1, Double(step) / (fraction * Double(totalSteps)))
  }
}

/// Identity, parameters and extra functions of a plugin, as `nclhost list` and `info` show them.
public struct PluginInfo: Sendable {
  /// Reverse DNS, eg: "org.ncl.dynamical-ot".
  public let id: String
  /// What users type, eg: "DynamicalOT".
  public let name: String
  public let version: String
  /// One line.
  public let description: String
  public let parameters: [ParameterDeclaration]
  public let functions: [FunctionDeclaration]

  public init(id: String, name: String, version: String, description: String,
              parameters: [ParameterDeclaration] = [], functions: [FunctionDeclaration] = []) {
    self.id = id
    self.name = name
    self.version = version
    self.description = description
    self.parameters = parameters
    self.functions = functions
  }
}

/// A plugin's objective in Swift. One instance per run: the host calls `init` from `create`,
/// `loss` once per step, `evaluate` for metrics, and drops the instance in `destroy`.
///
/// Export the plugin with the entry symbol in the library:
///
/// ```swift
/// @_cdecl("ncl_plugin_entry")
/// public func nclPluginEntry() -> UnsafePointer<ncl_plugin_descriptor_t> { MyObjective.descriptor }
/// ```
///
/// (`descriptor` keeps the type in a slot of the kit, one per image; a library or test binary
/// that holds several objective types uses `PluginExport.descriptor(_:create:)` instead.)
///
/// Errors thrown from any requirement reach the user with their status (`ObjectiveError`) and
/// message. Keep no `PluginTensor` across calls: handles die with the call that made them.
/// Draw randomness from `host.uniform` / `host.normal` so runs are reproducible and resumable.
public protocol ObjectiveImplementation: AnyObject {
  /// The descriptor's contents. Read once, when the library is first listed or loaded.
  static var plugin: PluginInfo { get }

  /// [create] Validates the values (beyond what the host already checked), loads data.
  init(parameters: ParameterValues, host: PluginHost) throws

  /// [create] The problem; read once, right after `init`.
  var problem: ProblemDescription { get }

  /// [train-step] The scalar loss of one step, built from the host's operations.
  func loss(host: PluginHost, step: StepInfo) throws -> PluginTensor

  /// [eval] Named metrics of the current model.
  func evaluate(host: PluginHost) throws -> [String: Double]

  /// [train-step] State kept across steps beyond the model (eg: dual multipliers), saved in every
  /// checkpoint (NCL_EXTENSION_STATE); nil (the default) for none. `StateCoder` writes numbers.
  func savedState() throws -> [UInt8]?

  /// [train-step] Restores what `savedState` returned, when a run resumes.
  func restore(state: [UInt8]) throws
}

extension ObjectiveImplementation {
  public func evaluate(host: PluginHost) throws -> [String: Double] { [:] }
  public func savedState() throws -> [UInt8]? { nil }
  public func restore(state: [UInt8]) throws {
    throw ObjectiveError.unsupported("this objective keeps no state, but the checkpoint holds \(state.count) bytes of it")
  }

  /// The plugin's descriptor, built on first use and kept for the life of the process.
  public static var descriptor: UnsafePointer<ncl_plugin_descriptor_t> { PluginExport.registeredDescriptor(for: Self.self) }

  /// The descriptor's `create` for this type: call it from the closure given to `PluginExport.descriptor`.
  public static func create(
    _ host: UnsafePointer<ncl_host_t>?, _ params: UnsafePointer<ncl_params_t>?,
    _ out: UnsafeMutablePointer<UnsafeMutablePointer<ncl_objective_t>?>?, _ err: UnsafeMutablePointer<CChar>?, _ capacity: Int
  ) -> ncl_status_t {
    PluginExport.create(Self.self, host, params, out, err, capacity)
  }
}
