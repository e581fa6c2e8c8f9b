// The C side of a Swift plugin: the descriptor and the trampolines into ObjectiveImplementation.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NCLPluginAPI
import NCLSupport

/// Builds a plugin's descriptor and serves the ABI's function pointers for an `ObjectiveImplementation`.
///
/// A C function pointer cannot carry a Swift type. `MyObjective.descriptor` therefore keeps the
/// type in a slot of the kit (one per loaded image). The explicit form keeps no state in the kit:
/// the plugin passes a closure written in its own code that names its objective type, and keeps
/// the descriptor in a global `let` of its own (initialized once, thread-safely, on first use):
///
/// ```swift
/// private let descriptor = PluginExport.descriptor(MyObjective.plugin) { MyObjective.create($0, $1, $2, $3, $4) }
///
/// @_cdecl("ncl_plugin_entry")
/// public func nclPluginEntry() -> UnsafePointer<ncl_plugin_descriptor_t> { descriptor }
/// ```
public enum PluginExport {
  /// The descriptor's `create`.
  public typealias CreateFunction = @convention(c) (
    UnsafePointer<ncl_host_t>?, UnsafePointer<ncl_params_t>?, UnsafeMutablePointer<UnsafeMutablePointer<ncl_objective_t>?>?,
    UnsafeMutablePointer<CChar>?, Int
  ) -> ncl_status_t

  /// A descriptor for `info` and `create`, its strings and arrays copied into never-freed memory.
  /// Call it once per library and keep the result (it allocates).
  public static func descriptor(_ info: PluginInfo, create: CreateFunction) -> UnsafePointer<ncl_plugin_descriptor_t> {
    var d = ncl_plugin_descriptor_t()
    d.abi_version = ncl_version_t(major: UInt32(NCL_ABI_VERSION_MAJOR), minor: UInt32(NCL_ABI_VERSION_MINOR),
                                  revision: UInt32(NCL_ABI_VERSION_REVISION))
    d.struct_size = CStrings.size(ncl_plugin_descriptor_t.self)
    d.id = CStrings.permanent(info.id)
    d.name = CStrings.permanent(info.name)
    d.version = CStrings.permanent(info.version)
    d.description = CStrings.permanent(info.description)
    d.param_count = UInt32(info.parameters.count)
    d.params = CStrings.permanentArray(info.parameters.map { $0.cValue() })
    d.function_count = UInt32(info.functions.count)
    d.functions = CStrings.permanentArray(info.functions.map { $0.cValue() })
    d.create = create
    return CStrings.permanentArray([d])!
  }

  // MARK: - The one-line form: `MyObjective.descriptor`

  /// The type behind `ObjectiveImplementation.descriptor`, and its descriptor: one per loaded image
  /// (each plugin library has its own copy of the kit, and nclhost loads plugins with RTLD_LOCAL).
  /// Guarded by a pthread mutex ([load] may come from any thread; `Synchronization.Mutex` would
  /// need macOS 15).
  private final class Registry: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)  // never freed: lives with the image
    private var type: (any ObjectiveImplementation.Type)?
    private var descriptor: UnsafePointer<ncl_plugin_descriptor_t>?

    init() {
      mutex.initialize(to: pthread_mutex_t())
      pthread_mutex_init(mutex, nil)
    }

    func withLock<R>(_ body: (inout (any ObjectiveImplementation.Type)?, inout UnsafePointer<ncl_plugin_descriptor_t>?) -> R) -> R {
      pthread_mutex_lock(mutex)
      defer { pthread_mutex_unlock(mutex) }
      return body(&type, &descriptor)
    }
  }

  private static let registry = Registry()

  static func registeredDescriptor(for type: any ObjectiveImplementation.Type) -> UnsafePointer<ncl_plugin_descriptor_t> {
    registry.withLock { registered, descriptor in
      if let descriptor {
        precondition(registered == type, "NCLPluginKit: \(type).descriptor after \(registered!).descriptor in one image; " +
                     "use PluginExport.descriptor(_:create:) for more than one objective type")
        return descriptor
      }
      let built = PluginExport.descriptor(type.plugin) { host, params, out, err, capacity in
        guard let type = PluginExport.registry.withLock({ registered, _ in registered }) else { return ObjectiveError.Status.internal.code }
        return PluginExport.create(type, host, params, out, err, capacity)
      }
      (registered, descriptor) = (type, built)
      return built
    }
  }

  // MARK: - Instances

  /// One instance: the Swift objective and the C problem it poses; retained by the objective's ctx.
  final class Instance {
    let implementation: any ObjectiveImplementation
    let problem: UnsafeMutablePointer<ncl_problem_t>
    /// The data map's arrays, which `problem` points into.
    private let dataMap: [UnsafeMutablePointer<Double>]

    init(_ implementation: any ObjectiveImplementation) {
      self.implementation = implementation
      let description = implementation.problem
      problem = .allocate(capacity: 1)
      problem.initialize(to: description.cValue())
      dataMap = [description.dataShift, description.dataScale].map { values in
        let p = UnsafeMutablePointer<Double>.allocate(capacity: max(values.count, 1))
        p.initialize(from: values, count: values.count)
        return p
      }
      if !description.dataShift.isEmpty { problem.pointee.data_shift = UnsafePointer(dataMap[0]) }
      if !description.dataScale.isEmpty { problem.pointee.data_scale = UnsafePointer(dataMap[1]) }
    }

    deinit {
      problem.deallocate()
      dataMap.forEach { $0.deallocate() }
    }

    static func of(_ objective: UnsafePointer<ncl_objective_t>) -> Instance {
      Unmanaged<Instance>.fromOpaque(objective.pointee.ctx).takeUnretainedValue()
    }
  }

  /// Runs `body`, turning a thrown error into its status and a message in the host's buffer.
  static func guarded(_ err: UnsafeMutablePointer<CChar>?, _ capacity: Int, _ body: () throws -> Void) -> ncl_status_t {
    do {
      try body()
      return ncl_status_t(NCL_OK)
    } catch let error as ObjectiveError {
      CStrings.write(error.message, into: err, capacity: capacity)
      return error.status.code
    } catch let error as NCLError {
      // The support layer's errors (a file it cannot write, a bad size) are the caller's to fix.
      CStrings.write(error.description, into: err, capacity: capacity)
      return ObjectiveError.Status.invalidArgument.code
    } catch {
      CStrings.write("\(error)", into: err, capacity: capacity)
      return ObjectiveError.Status.internal.code
    }
  }

  /// [create] Makes an instance of `type` and the objective struct around it.
  public static func create(_ type: any ObjectiveImplementation.Type, _ hostPointer: UnsafePointer<ncl_host_t>?,
                            _ params: UnsafePointer<ncl_params_t>?, _ out: UnsafeMutablePointer<UnsafeMutablePointer<ncl_objective_t>?>?,
                            _ err: UnsafeMutablePointer<CChar>?, _ capacity: Int) -> ncl_status_t {
    guarded(err, capacity) {
      guard let hostPointer, let out else { throw ObjectiveError.invalidArgument("create: NULL host or output") }
      let implementation = try type.init(parameters: ParameterValues(params), host: PluginHost(hostPointer))
      let instance = Instance(implementation)
      var o = ncl_objective_t()
      o.struct_size = CStrings.size(ncl_objective_t.self)
      o.ctx = Unmanaged.passRetained(instance).toOpaque()
      o.problem = UnsafePointer(instance.problem)
      o.loss = { objective, host, step, loss, err, capacity in PluginExport.loss(objective, host, step, loss, err, capacity) }
      o.evaluate = { objective, host, sink, err, capacity in PluginExport.evaluate(objective, host, sink, err, capacity) }
      o.get_extension = { _, id in
        guard let id, String(cString: id) == NCL_EXTENSION_STATE else { return nil }
        return UnsafeRawPointer(PluginExport.stateExtension)
      }
      o.destroy = { objective in
        guard let objective else { return }
        Unmanaged<Instance>.fromOpaque(objective.pointee.ctx).release()
        objective.deinitialize(count: 1)
        objective.deallocate()
      }
      let objective = UnsafeMutablePointer<ncl_objective_t>.allocate(capacity: 1)
      objective.initialize(to: o)
      out.pointee = objective
    }
  }

  /// The NCL_EXTENSION_STATE table every Swift objective offers: `savedState` / `restore(state:)`
  /// (an objective without state writes nothing, which the host reads as none).
  nonisolated(unsafe) static let stateExtension: UnsafePointer<ncl_state_extension_t> = {
    let table = UnsafeMutablePointer<ncl_state_extension_t>.allocate(capacity: 1)
    table.initialize(to: ncl_state_extension_t(
      struct_size: CStrings.size(ncl_state_extension_t.self),
      save: { objective, writer, err, capacity in
        PluginExport.guarded(err, capacity) {
          guard let objective, let writer else { throw ObjectiveError.invalidArgument("save: NULL argument") }
          guard let bytes = try Instance.of(objective).implementation.savedState(), !bytes.isEmpty else { return }
          bytes.withUnsafeBytes { writer.pointee.write(writer, $0.baseAddress, $0.count) }
        }
      },
      load: { objective, bytes, size, err, capacity in
        PluginExport.guarded(err, capacity) {
          guard let objective else { throw ObjectiveError.invalidArgument("load: NULL objective") }
          let state = size > 0 && bytes != nil ? [UInt8](UnsafeRawBufferPointer(start: bytes, count: size)) : []
          try Instance.of(objective).implementation.restore(state: state)
        }
      }))
    return UnsafePointer(table)
  }()

  static func loss(_ objective: UnsafePointer<ncl_objective_t>?, _ hostPointer: UnsafePointer<ncl_host_t>?,
                   _ step: UnsafePointer<ncl_step_info_t>?, _ out: UnsafeMutablePointer<OpaquePointer?>?,
                   _ err: UnsafeMutablePointer<CChar>?, _ capacity: Int) -> ncl_status_t {
    guarded(err, capacity) {
      guard let objective, let hostPointer, let out else { throw ObjectiveError.invalidArgument("loss: NULL argument") }
      let info = StepInfo(step: Int(step?.pointee.step ?? 0), totalSteps: Int(step?.pointee.total_steps ?? 0))
      let loss = try Instance.of(objective).implementation.loss(host: PluginHost(hostPointer), step: info)
      guard let handle = loss.handle else { throw ObjectiveError.internal("building the loss failed") }
      out.pointee = handle
    }
  }

  static func evaluate(_ objective: UnsafePointer<ncl_objective_t>?, _ hostPointer: UnsafePointer<ncl_host_t>?,
                       _ sink: UnsafePointer<ncl_metric_sink_t>?,
                       _ err: UnsafeMutablePointer<CChar>?, _ capacity: Int) -> ncl_status_t {
    guarded(err, capacity) {
      guard let objective, let hostPointer, let sink else { throw ObjectiveError.invalidArgument("evaluate: NULL argument") }
      let metrics = try Instance.of(objective).implementation.evaluate(host: PluginHost(hostPointer))
      for (name, value) in metrics.sorted(by: { $0.key < $1.key }) {
        name.withCString { sink.pointee.add(sink, $0, value) }
      }
    }
  }
}
