// A tensor handle of the host's per-call arena, with Swift operations.
import NCLPluginAPI

/// A handle to a tensor owned by the host, valid until the call into the plugin that produced it
/// returns: never keep one in the objective's state.
///
/// Operations mirror the C API's NULL chaining: an operation that fails, or that is given a
/// tensor whose handle is nil, returns a tensor whose handle is nil, and the host keeps the first
/// error. Build a whole expression, then check once with `checked(_:)` (or read `host.lastError`).
/// Every operation is differentiable to any order unless its documentation says otherwise.
public struct PluginTensor {
  /// The host's handle, nil after a failed operation.
  public let handle: OpaquePointer?
  public let host: PluginHost

  public init(handle: OpaquePointer?, host: PluginHost) {
    self.handle = handle
    self.host = host
  }

  var api: UnsafePointer<ncl_host_api_t> { host.api }
  func wrap(_ handle: OpaquePointer?) -> PluginTensor { PluginTensor(handle: handle, host: host) }

  /// Whether an earlier operation failed.
  public var isNull: Bool { handle == nil }

  /// This tensor, or an `ObjectiveError` (`.internal`) naming `what` and the host's first error.
  public func checked(_ what: String = "building a tensor") throws -> PluginTensor {
    guard handle != nil else { throw ObjectiveError.internal("\(what) failed: \(host.lastError ?? "(no message)")") }
    return self
  }

  // MARK: - Reading

  /// The shape, or nil for a NULL handle.
  public var shape: [Int]? {
    var dims = [Int64](repeating: 0, count: 16)
    let rank = api.pointee.shape(host.raw, handle, &dims, 16)
    return rank < 0 ? nil : dims.prefix(Int(rank)).map(Int.init)
  }

  /// Number of elements (0 for a NULL handle).
  public var count: Int { Int(max(api.pointee.read(host.raw, handle, nil, 0), 0)) }

  /// The values, row-major; throws (with the host's first error) for a NULL handle.
  public func values() throws -> [Double] {
    let t = try checked("reading values")
    let n = t.count
    var out = [Double](repeating: 0, count: n)
    if n > 0 { _ = api.pointee.read(host.raw, handle, &out, Int64(n)) }
    return out
  }

  /// The first value (of a scalar loss term, say); throws for a NULL handle or an empty tensor.
  public func scalar() throws -> Double {
    guard let value = try values().first else { throw ObjectiveError.internal("reading a scalar: the tensor is empty") }
    return value
  }

  // MARK: - Elementwise

  func unary(_ op: Int32) -> PluginTensor { wrap(api.pointee.unary(host.raw, ncl_unary_op_t(op), handle)) }

  public func exp() -> PluginTensor { unary(NCL_OP_EXP) }
  public func log() -> PluginTensor { unary(NCL_OP_LOG) }
  public func log1p() -> PluginTensor { unary(NCL_OP_LOG1P) }
  public func squared() -> PluginTensor { unary(NCL_OP_SQUARE) }
  public func sqrt() -> PluginTensor { unary(NCL_OP_SQRT) }
  public func reciprocal() -> PluginTensor { unary(NCL_OP_RECIPROCAL) }
  public func sigmoid() -> PluginTensor { unary(NCL_OP_SIGMOID) }
  public func softplus() -> PluginTensor { unary(NCL_OP_SOFTPLUS) }
  public func tanh() -> PluginTensor { unary(NCL_OP_TANH) }
  public func abs() -> PluginTensor { unary(NCL_OP_ABS) }
  public func sin() -> PluginTensor { unary(NCL_OP_SIN) }
  public func cos() -> PluginTensor { unary(NCL_OP_COS) }

  /// scale * self + shift.
  public func affine(scale: Double, shift: Double = 0) -> PluginTensor { wrap(api.pointee.affine(host.raw, handle, scale, shift)) }

  /// Elements clamped to [lower, upper].
  public func clamped(lower: Double, upper: Double) -> PluginTensor { wrap(api.pointee.clamp(host.raw, handle, lower, upper)) }

  // MARK: - Reductions

  func reduce(_ op: Int32, axis: Int?, keepingDimension: Bool) -> PluginTensor {
    wrap(api.pointee.reduce(host.raw, ncl_reduce_op_t(op), handle, axis.map(Int32.init) ?? NCL_ALL_AXES, keepingDimension ? 1 : 0))
  }

  /// Sum along `axis` (negative counts from the end), or over every axis when `axis` is nil.
  public func sum(axis: Int? = nil, keepingDimension: Bool = false) -> PluginTensor {
    reduce(NCL_REDUCE_SUM, axis: axis, keepingDimension: keepingDimension)
  }

  /// Mean along `axis`, or over every axis when `axis` is nil.
  public func mean(axis: Int? = nil, keepingDimension: Bool = false) -> PluginTensor {
    reduce(NCL_REDUCE_MEAN, axis: axis, keepingDimension: keepingDimension)
  }

  /// log sum exp along `axis`, or over every axis when `axis` is nil.
  public func logSumExp(axis: Int? = nil, keepingDimension: Bool = false) -> PluginTensor {
    reduce(NCL_REDUCE_LOGSUMEXP, axis: axis, keepingDimension: keepingDimension)
  }

  // MARK: - Linear algebra and shapes

  /// op(self) op(other) for rank-2 tensors.
  public func matmul(_ other: PluginTensor, transposeSelf: Bool = false, transposeOther: Bool = false) -> PluginTensor {
    wrap(api.pointee.matmul(host.raw, handle, other.handle, transposeSelf ? 1 : 0, transposeOther ? 1 : 0))
  }

  public func reshaped(_ shape: [Int]) -> PluginTensor {
    let dims = shape.map(Int64.init)
    return wrap(api.pointee.reshape(host.raw, handle, dims, Int32(dims.count)))
  }

  /// Elements with index in `range` along `axis`.
  public func slice(axis: Int, _ range: Range<Int>) -> PluginTensor {
    wrap(api.pointee.slice(host.raw, handle, Int32(axis), Int64(range.lowerBound), Int64(range.upperBound)))
  }

  /// Column `i` of a [B, D] tensor as [B, 1].
  public func column(_ i: Int) -> PluginTensor { slice(axis: 1, i..<(i + 1)) }

  // MARK: - Derivatives

  /// The same values, cut from differentiation.
  public func detached() -> PluginTensor { wrap(api.pointee.detach(host.raw, handle)) }

  /// The same values as a new variable that `PluginHost.grad` and `jvp` differentiate with respect to.
  public func variable() -> PluginTensor { wrap(api.pointee.variable(host.raw, handle)) }
}
