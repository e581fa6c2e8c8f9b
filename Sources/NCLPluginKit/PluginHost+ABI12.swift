// The routines of ABI 1.2, wrapped for Swift: comparisons, where, samples with densities, paths, scopes.
import NCLPluginAPI

extension PluginHost {
  /// Whether the host speaks ABI 1.2 (its table reaches `apply_function`, the last 1.2 routine).
  public var providesABI12: Bool { provides(MemoryLayout<ncl_host_api_t>.offset(of: \.apply_function)) }

  func requireABI12(_ routine: String) throws {
    guard providesABI12 else {
      throw ObjectiveError.unsupported(
        "the host (\(name), routine table of \(api.pointee.struct_size) bytes) has no \(routine): it needs NCL plugin ABI 1.2 or later")
    }
  }

  /// The relation `compare` tests.
  public enum Comparison: Int32, Sendable {
    case less = 0, lessOrEqual = 1, greater = 2, greaterOrEqual = 3, equal = 4, notEqual = 5
  }

  /// 1 where `a relation b` holds, else 0, broadcasting; a constant (no gradient).
  public func compare(_ a: PluginTensor, _ relation: Comparison, _ b: PluginTensor) throws -> PluginTensor {
    try requireABI12("compare")
    return wrap(api.pointee.compare(raw, ncl_compare_op_t(relation.rawValue), a.handle, b.handle))
  }

  /// `a` where `mask` != 0, else `b`, broadcasting; the gradient reaches only the chosen side, so
  /// NaNs of the other side poison nothing.
  public func `where`(_ mask: PluginTensor, _ a: PluginTensor, _ b: PluginTensor) throws -> PluginTensor {
    try requireABI12("where")
    return wrap(api.pointee.where(raw, mask.handle, a.handle, b.handle))
  }

  /// Exact samples of rho_t at times t [B, 1] and their exact log rho_t [B], from one sampling
  /// pass; both constants.
  public func sampleWithLogDensity(t: PluginTensor) throws -> (samples: PluginTensor, logDensity: PluginTensor) {
    try requireABI12("sample_with_log_density")
    var logDensity: OpaquePointer?
    let samples = wrap(api.pointee.sample_with_log_density(raw, t.handle, &logDensity))
    return (samples, wrap(logDensity))
  }

  /// States [times.count, B, D] of the learned SDE from x0 [B, D] at `times[0]` through every
  /// later requested time, along `noise` (nil: the problem's), in `steps` steps in all. A constant.
  public func integratePath(
    _ x0: PluginTensor, times: [Double], steps: Int, noise: ProblemDescription.Noise? = nil
  ) throws -> PluginTensor {
    try requireABI12("integrate_path")
    guard let noise else {
      return wrap(api.pointee.integrate_path(raw, x0.handle, times, Int32(clamping: times.count), Int32(clamping: steps), nil))
    }
    var c = ncl_noise_t()
    c.struct_size = CStrings.size(ncl_noise_t.self)
    switch noise {
    case .constant(let g): (c.kind, c.start, c.end) = (ncl_noise_kind_t(NCL_NOISE_CONSTANT), g, g)
    case .linear(let start, let end): (c.kind, c.start, c.end) = (ncl_noise_kind_t(NCL_NOISE_LINEAR), start, end)
    }
    return wrap(api.pointee.integrate_path(raw, x0.handle, times, Int32(clamping: times.count), Int32(clamping: steps), &c))
  }

  /// Runs `body` in a scope: every tensor it makes is released when it returns, so read what you
  /// keep (`values()`) inside. For long evaluation loops.
  public func withScope<R>(_ body: () throws -> R) throws -> R {
    try requireABI12("open_scope")
    let mark = api.pointee.open_scope(raw)
    defer { api.pointee.close_scope(raw, mark) }
    return try body()
  }

  /// Your function applied to `inputs`, giving a tensor of `outputShape`; differentiable to first
  /// order through its `vjp`.
  public func apply(_ function: DifferentiableFunction, to inputs: [PluginTensor], outputShape: [Int]) throws -> PluginTensor {
    try requireABI12("apply_function")
    let handles: [OpaquePointer?] = inputs.map(\.handle)
    let dims = shape64(outputShape)
    return wrap(handles.withUnsafeBufferPointer { h in
      api.pointee.apply_function(raw, function.definition, h.baseAddress, Int32(h.count), dims, Int32(dims.count))
    })
  }

  func shape64(_ shape: [Int]) -> [Int64] { shape.map(Int64.init) }
}

extension PluginTensor {
  /// Elementwise minimum (ties: the gradient goes to self); ABI 1.2.
  public func minimum(_ other: PluginTensor) -> PluginTensor { binary(NCL_OP_MINIMUM, other) }
  /// Elementwise maximum (ties: the gradient goes to self); ABI 1.2.
  public func maximum(_ other: PluginTensor) -> PluginTensor { binary(NCL_OP_MAXIMUM, other) }
  /// self^exponent, elementwise (self > 0 unless the exponent holds integers); ABI 1.2.
  public func pow(_ exponent: PluginTensor) -> PluginTensor { binary(NCL_OP_POWER, exponent) }
  /// 1 where finite, 0 at NaN and infinities; a constant; ABI 1.2.
  public func isFinite() -> PluginTensor { unary(NCL_OP_IS_FINITE) }
}
