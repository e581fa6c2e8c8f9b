// The host side of the ABI: the routine table, tensor handles and the per-call arena.
import Foundation
import NCLPluginAPI

/// Serves one plugin instance: owns its `ncl_host_t`, resolves tensor handles, records the first
/// error of each call, and gives the plugin the model, the seeded generator and the tensor ops.
///
/// Handles are not pointers to memory: a handle's bits are (call generation << 40 | slot epoch
/// << 24 | index + 1) into the current call's arena. A handle kept past the call that produced
/// it, released by a closed scope (its slot was reused under a new epoch), or invented, is
/// rejected with a message instead of reading freed memory.
final class HostBridge {
  let host: UnsafeMutablePointer<ncl_host_t>
  private let hostName = strdup("nclhost")!
  private let hostVersion = strdup(NCLVersion.string)!
  private let pluginPath: UnsafeMutablePointer<CChar>

  // State of the current call into the plugin.
  private var arena: [(tensor: Tensor<Float>, epoch: UInt64)] = []
  private var generation: UInt64 = 0
  /// Bumped by every closed scope, so handles to released slots never match a reused slot.
  private var epoch: UInt64 = 0
  private var firstError: String?
  private var errorText: UnsafeMutablePointer<CChar>?
  private var fieldCache: [FieldKey: UnitFields<Float>] = [:]
  var reports: [(String, Double)] = []
  var model: NCLModel<Float>?
  var generator = SeededGenerator(seed: 0)
  /// The plugin's horizon, data map and noise: every time and point crossing the boundary is in these units.
  var units = ProblemUnits.model
  /// Whether fields are recorded for differentiation (loss) or evaluated cheaply (evaluate).
  var differentiable = true
  /// Messages the plugin logs; the CLI prints them.
  var logSink: (Int, String) -> Void = { _, message in FileHandle.standardError.write(Data((message + "\n").utf8)) }

  private struct FieldKey: Hashable {
    let t: UInt, x: UInt
  }

  /// `pluginPath`: the plugin library's absolute path, handed to it as `host->plugin_path`.
  init(pluginPath: String = "") {
    self.pluginPath = strdup(pluginPath)!
    host = .allocate(capacity: 1)
    host.initialize(to: ncl_host_t(
      abi_version: ncl_version_t(major: UInt32(NCL_ABI_VERSION_MAJOR), minor: UInt32(NCL_ABI_VERSION_MINOR), revision: UInt32(NCL_ABI_VERSION_REVISION)),
      struct_size: UInt32(MemoryLayout<ncl_host_t>.stride),
      name: UnsafePointer(hostName), version: UnsafePointer(hostVersion),
      host_data: nil, api: HostBridge.api, plugin_path: UnsafePointer(self.pluginPath)))
    host.pointee.host_data = Unmanaged.passUnretained(self).toOpaque()
  }

  deinit {
    host.deallocate()
    free(hostName)
    free(hostVersion)
    free(pluginPath)
    free(errorText)
  }

  static func from(_ host: UnsafePointer<ncl_host_t>?) -> HostBridge {
    Unmanaged<HostBridge>.fromOpaque(host!.pointee.host_data!).takeUnretainedValue()
  }

  // MARK: - Calls

  /// Runs one call into the plugin with a fresh arena; afterwards every handle of the call is invalid.
  func withCall<R>(_ body: () throws -> R) rethrows -> R {
    generation &+= 1
    arena.removeAll(keepingCapacity: true)
    fieldCache.removeAll()
    reports.removeAll()
    firstError = nil
    defer {
      arena.removeAll(keepingCapacity: true)
      fieldCache.removeAll()
    }
    return try body()
  }

  var lastError: String? { firstError }

  func fail(_ message: String) -> OpaquePointer? {
    if firstError == nil { firstError = message }
    return nil
  }

  private static let indexBits: UInt64 = 24, epochBits: UInt64 = 16

  func handle(_ tensor: Tensor<Float>) -> OpaquePointer? {
    guard UInt64(arena.count) < (1 << Self.indexBits) - 1 else {
      return fail("too many tensors in one call (\(arena.count)); release them with open_scope/close_scope")
    }
    arena.append((tensor, epoch))
    let bits = (generation & 0xFF_FFFF) << (Self.indexBits + Self.epochBits)
      | (epoch & ((1 << Self.epochBits) - 1)) << Self.indexBits | UInt64(arena.count)
    return OpaquePointer(bitPattern: UInt(bits))
  }

  /// A scope's mark: the arena's size when it opened.
  func openScope() -> Int64 { Int64(arena.count) }

  /// Releases every handle made since `mark`; later handles reuse the slots under a new epoch.
  func closeScope(_ mark: Int64) {
    guard mark >= 0, Int(mark) <= arena.count else {
      _ = fail("close_scope: mark \(mark) is not an open scope of this call (arena holds \(arena.count))")
      return
    }
    arena.removeSubrange(Int(mark)...)
    epoch &+= 1
    fieldCache.removeAll()
  }

  /// The tensor behind a handle, or nil after recording why (NULL, stale, or unknown handle).
  func tensor(_ handle: OpaquePointer?, _ op: String) -> Tensor<Float>? {
    guard let handle else {
      if firstError == nil { firstError = "\(op): a NULL tensor was passed (an earlier operation failed?)" }
      return nil
    }
    let bits = UInt64(UInt(bitPattern: handle))
    let index = Int(bits & ((1 << Self.indexBits) - 1)) - 1
    let handleEpoch = (bits >> Self.indexBits) & ((1 << Self.epochBits) - 1)
    guard bits >> (Self.indexBits + Self.epochBits) == generation & 0xFF_FFFF, index >= 0, index < arena.count,
          arena[index].epoch & ((1 << Self.epochBits) - 1) == handleEpoch else {
      _ = fail("\(op): invalid tensor handle \(String(bits, radix: 16)) (kept from an earlier call, or released by close_scope?)")
      return nil
    }
    return arena[index].tensor
  }

  func shape(_ pointer: UnsafePointer<Int64>?, _ rank: Int32, _ op: String) -> [Int]? {
    guard rank >= 0, rank <= 16 else { _ = fail("\(op): rank \(rank) out of range 0...16"); return nil }
    if rank == 0 { return [] }
    guard let pointer else { _ = fail("\(op): shape is NULL for rank \(rank)"); return nil }
    let dims = (0..<Int(rank)).map { Int(pointer[$0]) }
    guard dims.allSatisfy({ $0 >= 0 }) else { _ = fail("\(op): negative dimension in \(dims)"); return nil }
    return dims
  }

  /// Runs a tensor operation, turning a shape problem into a recorded error instead of a crash.
  func checked(_ op: String, _ inputs: [Tensor<Float>], _ rule: ShapeRule, _ body: () -> Tensor<Float>) -> OpaquePointer? {
    if let problem = rule.problem(inputs) { return fail("\(op): \(problem)") }
    return handle(body())
  }

  func copyLastError() -> UnsafePointer<CChar>? {
    guard let firstError else { return nil }
    free(errorText)
    errorText = strdup(firstError)
    return UnsafePointer(errorText)
  }

  func field(_ kind: ncl_field_t, _ tHandle: OpaquePointer?, _ xHandle: OpaquePointer?) -> OpaquePointer? {
    guard let model else { return fail("field: no model in this call") }
    guard let t = tensor(tHandle, "field"), let x = tensor(xHandle, "field") else { return nil }
    guard x.rank == 2, x.shape[1] == model.dimension else {
      return fail("field: x must have shape [B, \(model.dimension)], got \(x.shape)")
    }
    let batch = x.shape[0]
    guard t.shape == [batch, 1] || t.shape == [batch] || t.count == 1 else {
      return fail("field: t of shape \(t.shape) does not fit x of shape \(x.shape) (use [\(batch), 1], [\(batch)] or a scalar)")
    }
    let key = FieldKey(t: UInt(bitPattern: tHandle), x: UInt(bitPattern: xHandle))
    // Times, points, densities, rates and velocities in the plugin's units (see UnitFields).
    let fields = fieldCache[key] ?? units.fields(of: model, t: t.count == 1 ? t.reshaped([]) : t, x: x, differentiable: differentiable)
    fieldCache[key] = fields
    switch Int32(kind) {
    case NCL_FIELD_LOG_DENSITY: return handle(fields.logDensity)
    case NCL_FIELD_LOG_CONDITIONALS: return handle(fields.logConditionals)
    case NCL_FIELD_CDF: return handle(fields.cdf)
    case NCL_FIELD_TIME_DERIVATIVE: return handle(fields.timeDerivativeOfLogDensity)
    case NCL_FIELD_SCORE: return handle(fields.score)
    case NCL_FIELD_VELOCITY: return handle(fields.velocity)
    case NCL_FIELD_DRIFT: return handle(fields.drift(noise: units.noise))
    case NCL_FIELD_FLUX: return handle(fields.flux)
    case NCL_FIELD_DIVERGENCE_FREE: return handle(fields.divergenceFreeVelocity)
    default: return fail("field: unknown field \(kind)")
    }
  }
}

/// Shape preconditions of host operations, checked before the engine (which would stop the process).
enum ShapeRule {
  case any, broadcast, matmul(Bool, Bool), axis(Int32, allowAll: Bool)

  func problem(_ inputs: [Tensor<Float>]) -> String? {
    switch self {
    case .any: return nil
    case .broadcast:
      return StridedLayout.broadcast(inputs[0].shape, inputs[1].shape) == nil
        ? "shapes \(inputs[0].shape) and \(inputs[1].shape) do not broadcast" : nil
    case let .matmul(ta, tb):
      let (a, b) = (inputs[0], inputs[1])
      guard a.rank == 2, b.rank == 2 else { return "needs rank-2 tensors, got \(a.shape) and \(b.shape)" }
      let k = ta ? a.shape[0] : a.shape[1], kb = tb ? b.shape[1] : b.shape[0]
      return k == kb ? nil : "inner dimensions differ: \(a.shape)\(ta ? "ᵀ" : "") x \(b.shape)\(tb ? "ᵀ" : "")"
    case let .axis(axis, allowAll):
      if allowAll && axis == NCL_ALL_AXES { return nil }
      let rank = Int32(inputs[0].rank)
      return (axis >= -rank && axis < rank) ? nil : "axis \(axis) out of range for shape \(inputs[0].shape)"
    }
  }
}
