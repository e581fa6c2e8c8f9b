// SwiftRing.swift: an NCL plugin in Swift, built on nothing but the C ABI (ncl_plugin.h). The
// template to copy for a Swift objective.
//
// The objective moves a noisy ring of radius radius0 (t = 0) to a noisy ring of radius radius1
// (t = 1): the negative log-likelihood of fresh ring points at both ends plus kinetic_weight times
// the kinetic energy E_t E_{x ~ rho_t} |u|^2 / 2, estimated from the model's own exact samples with
// importance weights rho / detach(rho) (value 1, gradient d log rho) so the gradient of the
// expectation is right although the sampler itself is not differentiable.
//
// Build:  swift build -c release          (gives .build/release/libSwiftExamplePlugin.so)
// Run:    nclhost run SwiftRing --plugin-path .build/release --set radius1=3 --steps 500
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NCLPluginAPI

// MARK: - Static storage: the descriptor and everything it points to live for the process

/// A C string that is never freed (descriptor strings must outlive every use by the host).
private func staticString(_ text: String) -> UnsafePointer<CChar> { UnsafePointer(strdup(text)!) }

/// `sizeof(T)` in C is the stride in Swift (the size plus tail padding).
private func cSize<T>(_: T.Type) -> UInt32 { UInt32(MemoryLayout<T>.stride) }

/// An array copied into memory that is never freed.
private func staticArray<T>(_ elements: [T]) -> UnsafePointer<T> {
  let storage = UnsafeMutablePointer<T>.allocate(capacity: elements.count)
  storage.initialize(from: elements, count: elements.count)
  return UnsafePointer(storage)
}

/// The parameters, in declaration order: create() receives their values in this order.
private enum Parameter: Int, CaseIterable {
  case radius0, radius1, noise, kineticWeight, batch, modelSize
}

// C structs are zero-initialized with T() and filled by member name, like C's designated
// initializers: members a later ABI appends stay 0.
private func parameter(_ name: String, _ type: Int32, _ defaultValue: String, min: Double = 1, max: Double = 0,
                       choices: String? = nil, help: String) -> ncl_param_info_t {
  var p = ncl_param_info_t()
  p.struct_size = cSize(ncl_param_info_t.self)
  p.name = staticString(name)
  p.type = ncl_param_type_t(type)
  p.default_value = staticString(defaultValue)
  (p.min_value, p.max_value) = (min, max)  // min > max: no bounds
  p.choices = choices.map(staticString)
  p.help = staticString(help)
  return p
}

private let parameters: UnsafePointer<ncl_param_info_t> = staticArray([
  parameter("radius0", NCL_PARAM_FLOAT, "1", min: 0.01, max: 100, help: "radius of the ring at t = 0"),
  parameter("radius1", NCL_PARAM_FLOAT, "2", min: 0.01, max: 100, help: "radius of the ring at t = 1"),
  parameter("noise", NCL_PARAM_FLOAT, "0.1", min: 0.001, max: 10, help: "standard deviation of the radial noise of both rings"),
  parameter("kinetic_weight", NCL_PARAM_FLOAT, "0.05", min: 0, max: 1e6, help: "weight of the kinetic energy term"),
  parameter("batch", NCL_PARAM_INT, "256", min: 1, max: 1_048_576, help: "ring points per end and kinetic samples per step"),
  parameter("model_size", NCL_PARAM_CHOICE, "small", choices: "small|large", help: "suggested model: small (8 components, 2x64) or large (16, 3x128)"),
])

// Extra entry points for `nclhost call SwiftRing NAME ARGS...`: exported C symbols plus a signature.

/// Squared W2 between two concentric rings with the same radial noise: the optimal map is radial,
/// so it is the squared difference of the radii (while the noise is small against the radii).
@_cdecl("swift_ring_w2")
public func swiftRingW2(_ radius0: Double, _ radius1: Double) -> Double { (radius1 - radius0) * (radius1 - radius0) }

private let aboutText = staticString("SwiftRing 0.1.0, a Swift plugin for NCL ABI \(NCL_ABI_VERSION_MAJOR).\(NCL_ABI_VERSION_MINOR).\(NCL_ABI_VERSION_REVISION)")

/// A returned string stays owned by the plugin: static storage.
@_cdecl("swift_ring_about")
public func swiftRingAbout() -> UnsafePointer<CChar> { aboutText }

private func function(_ name: String, symbol: String, signature: String, help: String) -> ncl_function_info_t {
  var f = ncl_function_info_t()
  f.struct_size = cSize(ncl_function_info_t.self)
  f.name = staticString(name)
  f.symbol = staticString(symbol)
  f.signature = staticString(signature)
  f.help = staticString(help)
  return f
}

private let functions: UnsafePointer<ncl_function_info_t> = staticArray([
  function("ring_w2", symbol: "swift_ring_w2", signature: "d(dd)",
           help: "squared W2 between rings of radii r0 and r1 with equal noise: (r1 - r0)^2"),
  function("about", symbol: "swift_ring_about", signature: "s()", help: "what this plugin is and which ABI it was built against"),
])

private let descriptor: UnsafePointer<ncl_plugin_descriptor_t> = {
  var d = ncl_plugin_descriptor_t()
  d.abi_version = ncl_version_t(major: UInt32(NCL_ABI_VERSION_MAJOR), minor: UInt32(NCL_ABI_VERSION_MINOR),
                                revision: UInt32(NCL_ABI_VERSION_REVISION))  // NCL_VERSION_INIT
  d.struct_size = cSize(ncl_plugin_descriptor_t.self)
  d.id = staticString("org.ncl.examples.swift-ring")
  d.name = staticString("SwiftRing")
  d.version = staticString("0.1.0")
  d.description = staticString("Example Swift plugin: transport between two noisy concentric rings in 2-D")
  d.param_count = UInt32(Parameter.allCases.count)
  d.params = parameters
  d.function_count = 2
  d.functions = functions
  d.create = create
  return staticArray([d])
}()

/// The one exported symbol. [load]: only hands out the static descriptor.
@_cdecl("ncl_plugin_entry")
public func nclPluginEntry() -> UnsafePointer<ncl_plugin_descriptor_t> { descriptor }

// MARK: - Errors

/// Writes `message` into the host's buffer (UTF-8, NUL-terminated, truncated on a character boundary).
private func fail(_ status: Int32, _ message: String, _ err: UnsafeMutablePointer<CChar>?, _ capacity: Int) -> ncl_status_t {
  if let err, capacity > 0 {
    let bytes = Array(message.utf8)
    var n = min(bytes.count, capacity - 1)
    while n > 0 && n < bytes.count && bytes[n] & 0xC0 == 0x80 { n -= 1 }  // do not split a character
    for i in 0..<n { err[i] = CChar(bitPattern: bytes[i]) }
    err[n] = 0
  }
  return ncl_status_t(status)
}

// MARK: - The host's operations

/// An opaque handle in the host's per-call arena: valid until the current call returns, never freed.
private typealias Tensor = OpaquePointer?

/// Thin wrappers over the routine table `host.pointee.api.pointee`. Every operation passes a NULL
/// input through as NULL, so a whole expression can be built and checked once at the end.
private struct Host {
  let host: UnsafePointer<ncl_host_t>

  private var api: ncl_host_api_t { host.pointee.api.pointee }

  var lastError: String { api.last_error(host).map { String(cString: $0) } ?? "(no message)" }

  func log(_ level: Int32, _ message: String) { message.withCString { api.log(host, ncl_log_level_t(level), $0) } }

  func full(_ value: Double, _ shape: [Int64] = []) -> Tensor {
    api.full(host, value, shape.isEmpty ? nil : shape, Int32(shape.count))
  }
  func uniform(_ shape: [Int64], _ low: Double, _ high: Double) -> Tensor { api.uniform(host, shape, Int32(shape.count), low, high) }
  func normal(_ shape: [Int64], mean: Double, std: Double) -> Tensor { api.normal(host, shape, Int32(shape.count), mean, std) }
  /// The first element of x, or nil.
  func scalar(_ x: Tensor) -> Double? {
    var value = 0.0
    return x != nil && api.read(host, x, &value, 1) >= 1 ? value : nil
  }

  func field(_ field: Int32, _ t: Tensor, _ x: Tensor) -> Tensor { api.field(host, ncl_field_t(field), t, x) }
  func sample(_ t: Tensor) -> Tensor { api.sample(host, t) }
  func integrate(_ x0: Tensor, from t0: Double, to t1: Double, steps: Int32) -> Tensor { api.integrate(host, x0, t0, t1, steps, 0) }

  func unary(_ op: Int32, _ x: Tensor) -> Tensor { api.unary(host, ncl_unary_op_t(op), x) }
  func binary(_ op: Int32, _ a: Tensor, _ b: Tensor) -> Tensor { api.binary(host, ncl_binary_op_t(op), a, b) }
  func affine(_ x: Tensor, scale: Double, shift: Double = 0) -> Tensor { api.affine(host, x, scale, shift) }
  func reduce(_ op: Int32, _ x: Tensor, axis: Int32 = NCL_ALL_AXES) -> Tensor { api.reduce(host, ncl_reduce_op_t(op), x, axis, 0) }
  func concatenate(_ parts: [Tensor], axis: Int32) -> Tensor { api.concatenate(host, parts, Int32(parts.count), axis) }
  func detach(_ x: Tensor) -> Tensor { api.detach(host, x) }
  func report(_ name: String, _ scalar: Tensor) { name.withCString { api.report(host, $0, scalar) } }

  // Composites.
  func add(_ a: Tensor, _ b: Tensor) -> Tensor { binary(NCL_OP_ADD, a, b) }
  func mean(_ x: Tensor) -> Tensor { reduce(NCL_REDUCE_MEAN, x) }
  /// |x_b|^2 for every row of x [B, D]: [B].
  func squaredNorms(_ x: Tensor) -> Tensor { reduce(NCL_REDUCE_SUM, unary(NCL_OP_SQUARE, x), axis: 1) }
}

// MARK: - The objective

/// One instance's state, owned by the objective's ctx (a retained reference) until destroy().
private final class Ring {
  let radius0, radius1, noise, kineticWeight: Double
  let batch: Int64
  let problem: UnsafeMutablePointer<ncl_problem_t>

  init(radius0: Double, radius1: Double, noise: Double, kineticWeight: Double, batch: Int64, large: Bool) {
    (self.radius0, self.radius1, self.noise, self.kineticWeight, self.batch) = (radius0, radius1, noise, kineticWeight, batch)
    var p = ncl_problem_t()  // zero: time horizon [0, 1], no noise, host defaults
    p.struct_size = cSize(ncl_problem_t.self)
    p.dimension = 2
    p.noise_kind = ncl_noise_kind_t(NCL_NOISE_CONSTANT)
    (p.components, p.hidden_width, p.hidden_layers) = large ? (16, 128, 3) : (8, 64, 2)
    p.flux = ncl_flux_kind_t(NCL_FLUX_TELESCOPING)
    p.flux_tau = 1
    p.batch_size = UInt32(batch)
    problem = .allocate(capacity: 1)
    problem.initialize(to: p)
  }

  deinit { problem.deallocate() }

  static func of(_ objective: UnsafePointer<ncl_objective_t>) -> Ring {
    Unmanaged<Ring>.fromOpaque(objective.pointee.ctx).takeUnretainedValue()
  }

  /// `count` points r (cos a, sin a) with a ~ U[0, 2 pi), r ~ N(radius, noise^2), drawn from the
  /// host's seeded stream so that runs are reproducible and resumable.
  func points(_ h: Host, radius: Double, count: Int64) -> Tensor {
    let angle = h.uniform([count, 1], 0, 2 * Double.pi)
    let r = h.normal([count, 1], mean: radius, std: noise)
    return h.concatenate([h.binary(NCL_OP_MULTIPLY, r, h.unary(NCL_OP_COS, angle)),
                          h.binary(NCL_OP_MULTIPLY, r, h.unary(NCL_OP_SIN, angle))], axis: 1)
  }

  /// -E log rho_t over fresh ring points.
  func negativeLogLikelihood(_ h: Host, time: Double, radius: Double, count: Int64) -> Tensor {
    h.affine(h.mean(h.field(NCL_FIELD_LOG_DENSITY, h.full(time), points(h, radius: radius, count: count))), scale: -1)
  }
}

/// [train-step] The loss of one step, built from the host's operations only.
private func loss(_ objective: UnsafePointer<ncl_objective_t>?, _ hostPointer: UnsafePointer<ncl_host_t>?,
                  _ step: UnsafePointer<ncl_step_info_t>?, _ out: UnsafeMutablePointer<OpaquePointer?>?,
                  _ err: UnsafeMutablePointer<CChar>?, _ capacity: Int) -> ncl_status_t {
  guard let objective, let hostPointer, let out else { return fail(NCL_ERROR_INVALID_ARGUMENT, "loss: NULL argument", err, capacity) }
  let ring = Ring.of(objective), h = Host(host: hostPointer)
  let nll0 = ring.negativeLogLikelihood(h, time: 0, radius: ring.radius0, count: ring.batch)
  let nll1 = ring.negativeLogLikelihood(h, time: 1, radius: ring.radius1, count: ring.batch)

  // Kinetic energy at t ~ U[0, 1], x ~ rho_t (exact samples, constants). The weight
  // rho / detach(rho) = exp(log rho - detach(log rho)) is 1 but carries d log rho, the score-function
  // part of the gradient of the expectation.
  let t = h.uniform([ring.batch, 1], 0, 1)
  let x = h.sample(t)
  let logDensity = h.field(NCL_FIELD_LOG_DENSITY, t, x)  // same t and x handles: one model evaluation
  let weight = h.unary(NCL_OP_EXP, h.binary(NCL_OP_SUBTRACT, logDensity, h.detach(logDensity)))
  let speed = h.squaredNorms(h.field(NCL_FIELD_DRIFT, t, x))
  let kinetic = h.affine(h.mean(h.binary(NCL_OP_MULTIPLY, weight, speed)), scale: 0.5)

  h.report("nll0", nll0)
  h.report("nll1", nll1)
  h.report("kinetic", kinetic)
  guard let total = h.add(h.add(nll0, nll1), h.affine(kinetic, scale: ring.kineticWeight)) else {
    return fail(NCL_ERROR_INTERNAL, "building the loss failed: \(h.lastError)", err, capacity)
  }
  out.pointee = total
  return ncl_status_t(NCL_OK)
}

/// [eval] Metrics of the current model: likelihoods of fresh rings, radii of the model's samples,
/// and the transport cost along the learned ODE against the exact one.
private func evaluate(_ objective: UnsafePointer<ncl_objective_t>?, _ hostPointer: UnsafePointer<ncl_host_t>?,
                      _ sink: UnsafePointer<ncl_metric_sink_t>?, _ err: UnsafeMutablePointer<CChar>?, _ capacity: Int) -> ncl_status_t {
  guard let objective, let hostPointer, let sink else { return fail(NCL_ERROR_INVALID_ARGUMENT, "evaluate: NULL argument", err, capacity) }
  let ring = Ring.of(objective), h = Host(host: hostPointer)
  let count: Int64 = 1000
  func meanRadius(_ x: Tensor) -> Tensor { h.mean(h.unary(NCL_OP_SQRT, h.squaredNorms(x))) }
  let x0 = h.sample(h.full(0, [count, 1]))
  let x1 = h.sample(h.full(1, [count, 1]))
  let pushed = h.integrate(x0, from: 0, to: 1, steps: 40)
  let metrics: [(String, Tensor)] = [
    ("nll0", ring.negativeLogLikelihood(h, time: 0, radius: ring.radius0, count: count)),
    ("nll1", ring.negativeLogLikelihood(h, time: 1, radius: ring.radius1, count: count)),
    ("radius0", meanRadius(x0)),
    ("radius1", meanRadius(x1)),
    ("pushed_radius1", meanRadius(pushed)),
    ("transport_cost", h.mean(h.squaredNorms(h.binary(NCL_OP_SUBTRACT, pushed, x0)))),
  ]
  for (name, tensor) in metrics {
    guard let value = h.scalar(tensor) else {
      return fail(NCL_ERROR_INTERNAL, "evaluating \(name) failed: \(h.lastError)", err, capacity)
    }
    name.withCString { sink.pointee.add(sink, $0, value) }
  }
  "exact_w2_squared".withCString { sink.pointee.add(sink, $0, swiftRingW2(ring.radius0, ring.radius1)) }
  return ncl_status_t(NCL_OK)
}

/// Frees the instance: the Ring (and with it the problem) and the objective struct. Called once.
private func destroy(_ objective: UnsafeMutablePointer<ncl_objective_t>?) {
  guard let objective else { return }
  Unmanaged<Ring>.fromOpaque(objective.pointee.ctx).release()
  objective.deinitialize(count: 1)
  objective.deallocate()
}

/// [create] Reads the (already parsed and range-checked) values, checks what only the plugin can,
/// and returns a new objective.
private func create(_ hostPointer: UnsafePointer<ncl_host_t>?, _ params: UnsafePointer<ncl_params_t>?,
                    _ out: UnsafeMutablePointer<UnsafeMutablePointer<ncl_objective_t>?>?,
                    _ err: UnsafeMutablePointer<CChar>?, _ capacity: Int) -> ncl_status_t {
  guard let hostPointer, let params, let out, let values = params.pointee.values,
        params.pointee.count == Parameter.allCases.count else {
    return fail(NCL_ERROR_INVALID_ARGUMENT, "expected \(Parameter.allCases.count) parameters", err, capacity)
  }
  func number(_ p: Parameter) -> Double { values[p.rawValue].number }
  func text(_ p: Parameter) -> String { values[p.rawValue].text.map { String(cString: $0) } ?? "" }
  let radius0 = number(.radius0), radius1 = number(.radius1), noise = number(.noise)
  guard noise <= 0.25 * min(radius0, radius1) else {
    return fail(NCL_ERROR_INVALID_ARGUMENT,
                "noise=\(noise) must be at most a quarter of the smaller radius (\(0.25 * min(radius0, radius1))), or the rings are discs",
                err, capacity)
  }
  if abs(radius1 - radius0) < 2 * noise {
    Host(host: hostPointer).log(NCL_LOG_WARNING, "SwiftRing: the rings overlap (|radius1 - radius0| < 2 noise); there is little to transport")
  }
  let ring = Ring(radius0: radius0, radius1: radius1, noise: noise, kineticWeight: number(.kineticWeight),
                  batch: Int64(number(.batch)), large: text(.modelSize) == "large")
  var o = ncl_objective_t()
  o.struct_size = cSize(ncl_objective_t.self)
  o.ctx = Unmanaged.passRetained(ring).toOpaque()
  o.problem = UnsafePointer(ring.problem)
  o.loss = loss
  o.evaluate = evaluate
  o.get_extension = nil  // no extensions
  o.destroy = destroy
  let objective = UnsafeMutablePointer<ncl_objective_t>.allocate(capacity: 1)
  objective.initialize(to: o)
  out.pointee = objective
  return ncl_status_t(NCL_OK)
}
