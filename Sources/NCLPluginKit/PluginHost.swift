// The host's routine table, wrapped for Swift.
import NCLPluginAPI

/// The host as a plugin sees it during `create`, `loss` and `evaluate`: constructors of tensors,
/// random numbers from the host's seeded stream, the model's fields, samples and integrals,
/// derivatives, and reporting. Every tensor returned belongs to the current call (see
/// `PluginTensor`); a failed operation returns a tensor whose handle is nil and records the first
/// error, which `lastError` returns.
public struct PluginHost {
  /// The host structure handed to the plugin.
  public let raw: UnsafePointer<ncl_host_t>

  public init(_ raw: UnsafePointer<ncl_host_t>) { self.raw = raw }

  /// The routine table, read member by member (`api.pointee.member` loads only that member):
  /// a host of an older ABI has a shorter table, and a reader must not touch what lies beyond it.
  var api: UnsafePointer<ncl_host_api_t> { raw.pointee.api }

  /// Whether the host's table holds the member at `offset` (`MemoryLayout.offset(of:)`), which
  /// plugins must check before calling a routine added after ABI 1.0.
  func provides(_ offset: Int?) -> Bool {
    guard let offset else { return false }
    return Int(api.pointee.struct_size) >= offset + MemoryLayout<UnsafeRawPointer?>.size
  }

  /// The absolute path of the plugin's own library (ABI 1.2 `host->plugin_path`), or nil when the
  /// host predates it.
  public var pluginPath: String? {
    let offset = MemoryLayout<ncl_host_t>.offset(of: \.plugin_path)!
    guard Int(raw.pointee.struct_size) >= offset + MemoryLayout<UnsafeRawPointer?>.size,
          let path = raw.pointee.plugin_path, path.pointee != 0 else { return nil }
    return String(cString: path)
  }

  /// The host's name and version, eg: "nclhost 0.1.0".
  public var name: String {
    let name = raw.pointee.name.map { String(cString: $0) } ?? "?"
    return raw.pointee.version.map { name + " " + String(cString: $0) } ?? name
  }

  func wrap(_ handle: OpaquePointer?) -> PluginTensor { PluginTensor(handle: handle, host: self) }

  // MARK: - Messages

  /// The first error recorded during the current call, or nil.
  public var lastError: String? { api.pointee.last_error(raw).map { String(cString: $0) } }

  public func log(_ message: String, level: LogLevel = .info) {
    message.withCString { api.pointee.log(raw, ncl_log_level_t(level.rawValue), $0) }
  }

  // MARK: - Constants

  /// A constant tensor holding `values` (row-major) with `shape`; `shape` defaults to [count].
  public func tensor(_ values: [Double], shape: [Int]? = nil) -> PluginTensor {
    let dims = (shape ?? [values.count]).map(Int64.init)
    guard dims.reduce(1, *) == Int64(values.count) else {
      // Let the host record the mismatch: a NULL data pointer with a non-empty shape fails there.
      return wrap(api.pointee.tensor(raw, nil, dims, Int32(dims.count)))
    }
    return wrap(values.withUnsafeBufferPointer { api.pointee.tensor(raw, $0.baseAddress, dims, Int32(dims.count)) })
  }

  /// A constant with every element equal to `value`; an empty shape gives a scalar.
  public func full(_ value: Double, shape: [Int] = []) -> PluginTensor {
    let dims = shape.map(Int64.init)
    return wrap(dims.isEmpty ? api.pointee.full(raw, value, nil, 0) : api.pointee.full(raw, value, dims, Int32(dims.count)))
  }

  /// A scalar constant.
  public func scalar(_ value: Double) -> PluginTensor { full(value) }

  // MARK: - Randomness (the host's seeded stream: reproducible and resumable)

  public func uniform(_ shape: [Int], low: Double = 0, high: Double = 1) -> PluginTensor {
    let dims = shape.map(Int64.init)
    return wrap(api.pointee.uniform(raw, dims, Int32(dims.count), low, high))
  }

  public func normal(_ shape: [Int], mean: Double = 0, std: Double = 1) -> PluginTensor {
    let dims = shape.map(Int64.init)
    return wrap(api.pointee.normal(raw, dims, Int32(dims.count), mean, std))
  }

  // MARK: - The model

  /// A field of the model; calls with the same `t` and `x` tensors share one evaluation.
  public func field(_ field: ModelField, t: PluginTensor, x: PluginTensor) -> PluginTensor {
    wrap(api.pointee.field(raw, field.code, t.handle, x.handle))
  }

  /// Exact samples of rho_t at times t [B, 1]: a constant [B, D] (no gradient through the sampler).
  public func sample(t: PluginTensor) -> PluginTensor { wrap(api.pointee.sample(raw, t.handle)) }

  /// Exact samples of rho_t at one time.
  public func sample(time: Double, count: Int) -> PluginTensor { sample(t: full(time, shape: [count, 1])) }

  /// Whether the host offers `sampleReparameterized` (ABI 1.1 and later).
  public var providesReparameterizedSamples: Bool {
    provides(MemoryLayout<ncl_host_api_t>.offset(of: \.sample_reparameterized))
  }

  /// Exact samples of rho_t at times t [B, 1], [B, D], differentiable with respect to the model's
  /// parameters (implicit reparameterization of the sampler), so mean(f(x)) has the pathwise
  /// gradient of E_{rho_t}[f]. Throws `.unsupported` when the host predates ABI 1.1.
  public func sampleReparameterized(t: PluginTensor) throws -> PluginTensor {
    guard providesReparameterizedSamples, let routine = api.pointee.sample_reparameterized else {
      throw ObjectiveError.unsupported(
        "the host (\(name), routine table of \(api.pointee.struct_size) bytes) has no sample_reparameterized: it needs NCL plugin ABI 1.1 or later")
    }
    return wrap(routine(raw, t.handle))
  }

  /// Integrates x0 [B, D] from t0 to t1 in `steps` steps along the drift for constant noise g
  /// (g = 0: the probability-flow ODE by RK4; g > 0: Euler-Maruyama). A constant. [eval]
  public func integrate(_ x0: PluginTensor, from t0: Double, to t1: Double, steps: Int, noise g: Double = 0) -> PluginTensor {
    wrap(api.pointee.integrate(raw, x0.handle, t0, t1, Int32(clamping: steps), g))
  }

  // MARK: - Derivatives

  /// d sum(y) / d x, shaped like x (x made with `variable()`); recorded, so it may enter a loss.
  public func grad(of y: PluginTensor, wrt x: PluginTensor) -> PluginTensor { wrap(api.pointee.grad(raw, y.handle, x.handle)) }

  /// Directional derivative of y along `tangent` at x (x made with `variable()`); recorded.
  public func jvp(of y: PluginTensor, wrt x: PluginTensor, tangent: PluginTensor) -> PluginTensor {
    wrap(api.pointee.jvp(raw, y.handle, x.handle, tangent.handle))
  }

  // MARK: - Shapes

  /// The parts joined along `axis`.
  public func concatenate(_ parts: [PluginTensor], axis: Int) -> PluginTensor {
    let handles: [OpaquePointer?] = parts.map { $0.handle }
    return wrap(api.pointee.concatenate(raw, handles, Int32(handles.count), Int32(axis)))
  }

  // MARK: - Reporting

  /// Logs a scalar term of the loss under `name` with this step's metrics. [train-step]
  public func report(_ name: String, _ scalar: PluginTensor) {
    name.withCString { api.pointee.report(raw, $0, scalar.handle) }
  }
}
