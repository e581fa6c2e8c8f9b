// A plugin's objective instance, seen by the trainer as a TrainingObjective.
import Foundation
import NCLPluginAPI

/// What a plugin's problem asks of the host: dimension, units, noise, suggested model and batch size.
public struct PluginProblem: Equatable, Sendable {
  public let dimension: Int
  /// The plugin's time horizon, data map and noise (see `ProblemUnits`).
  public let units: ProblemUnits
  /// The model the plugin suggests, with host defaults where it left a field 0.
  public let model: ModelConfiguration
  /// Advisory: points per expectation the plugin draws each step.
  public let batchSize: Int
  /// The training run the plugin suggests (ABI 1.3), for what the user does not set.
  public let suggestedTraining: SuggestedTraining

  /// The plugin's time horizon, mapped onto the model's [0, 1].
  public var horizon: ClosedRange<Double> { units.horizon }
  /// g as a function of model time t in [0, 1], in the plugin's units of noise.
  public var noise: NoiseSchedule { units.noise }
}

/// Why a plugin call failed; the message names the plugin and wraps its own text.
public struct PluginError: Error, CustomStringConvertible, Equatable {
  public let plugin: String
  public let call: String
  public let status: Int32
  public let message: String

  public var description: String {
    "\(plugin): \(call) failed (\(PluginError.statusName(status))): \(message)"
  }

  static func statusName(_ status: Int32) -> String {
    switch status {
    case NCL_ERROR_INVALID_ARGUMENT: return "invalid argument"
    case NCL_ERROR_DATA: return "bad data"
    case NCL_ERROR_NUMERIC: return "non-finite value"
    case NCL_ERROR_UNSUPPORTED: return "unsupported"
    case NCL_ERROR_INTERNAL: return "internal error"
    default: return "status \(status)"
    }
  }
}

/// One instance made by the plugin's `create`, destroyed exactly once when this object goes.
public final class PluginObjective: TrainingObjective {
  public let library: PluginLibrary
  public let values: [PluginParameterValue]
  public let problem: PluginProblem
  let bridge: HostBridge
  /// The plugin's struct, passed back as `self` in every call.
  private let objective: UnsafeMutablePointer<ncl_objective_t>
  /// A copy of it, zero-filled past the plugin's struct_size: the host reads members from here.
  private let callbacks: ncl_objective_t
  private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(NCL_MESSAGE_SIZE))

  public init(library: PluginLibrary, values: [PluginParameterValue]) throws {
    self.library = library
    self.values = values
    bridge = HostBridge(pluginPath: library.path)
    let name = library.descriptor.name
    // Parameter values live in C memory for the duration of create().
    let cNames = values.map { strdup($0.parameter.name)! }, cTexts = values.map { strdup($0.text)! }
    defer { (cNames + cTexts).forEach { free($0) } }
    let cValues = values.indices.map { i in
      ncl_param_value_t(name: cNames[i], type: values[i].parameter.kind.code, number: values[i].number, text: cTexts[i])
    }
    let errorBuffer = self.errorBuffer, bridge = self.bridge
    errorBuffer.initialize(repeating: 0, count: Int(NCL_MESSAGE_SIZE))
    var out: UnsafeMutablePointer<ncl_objective_t>?
    PluginCallTrace.enter(name, "create")
    defer { PluginCallTrace.leave() }
    let status = cValues.withUnsafeBufferPointer { buffer -> ncl_status_t in
      var params = ncl_params_t(struct_size: UInt32(MemoryLayout<ncl_params_t>.stride), count: UInt32(values.count), values: buffer.baseAddress)
      return bridge.withCall { library.raw.pointee.create(bridge.host, &params, &out, errorBuffer, Int(NCL_MESSAGE_SIZE)) }
    }
    guard status == NCL_OK else {
      let message = String(cString: errorBuffer)
      errorBuffer.deallocate()
      throw PluginError(plugin: name, call: "create", status: status, message: message.isEmpty ? "(no message)" : message)
    }
    guard let out else {
      errorBuffer.deallocate()
      throw PluginError(plugin: name, call: "create", status: NCL_ERROR_INTERNAL, message: "returned NCL_OK but no objective")
    }
    func invalid(_ what: String) -> PluginError {
      PluginError(plugin: name, call: "create", status: NCL_ERROR_INTERNAL, message: what)
    }
    let callbacks: ncl_objective_t
    do { callbacks = try GrowableStruct.copy(out, minimum: ABI10Size.objective) } catch let small as GrowableStruct.TooSmall {
      errorBuffer.deallocate()
      throw invalid("objective struct_size \(small.size) is smaller than the \(small.minimum) bytes of ABI 1.0")
    }
    guard callbacks.loss != nil, callbacks.destroy != nil, let rawProblem = callbacks.problem else {
      callbacks.destroy?(out)
      errorBuffer.deallocate()
      throw invalid("objective lacks loss, destroy or problem")
    }
    objective = out
    self.callbacks = callbacks
    do {
      problem = try PluginProblem(reading: rawProblem, plugin: name)
    } catch {
      callbacks.destroy(out)
      errorBuffer.deallocate()
      throw error
    }
    bridge.units = problem.units
  }

  deinit {
    PluginCallTrace.enter(library.descriptor.name, "destroy")
    defer { PluginCallTrace.leave() }
    callbacks.destroy(objective)
    errorBuffer.deallocate()
  }

  /// Where the plugin's log messages go (stderr by default).
  public func setLogSink(_ sink: @escaping (Int, String) -> Void) { bridge.logSink = sink }

  private func failure(_ call: String, _ status: Int32) -> PluginError {
    let own = String(cString: errorBuffer)
    // Plugins usually quote last_error() in their own message; the host's error then goes once.
    let host = bridge.lastError.flatMap { $0.isEmpty || own.contains($0) ? nil : "host: \($0)" }
    let message = [own, host].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "; ")
    return PluginError(plugin: library.descriptor.name, call: call, status: status, message: message.isEmpty ? "(no message)" : message)
  }

  /// One call into the plugin with `model` and the trainer's generator lent to the bridge.
  private func call<R>(
    model: NCLModel<Float>, differentiable: Bool, generator: inout SeededGenerator, _ body: () throws -> R
  ) rethrows -> R {
    bridge.model = model
    bridge.generator = generator
    bridge.differentiable = differentiable
    defer {
      generator = bridge.generator
      bridge.model = nil
    }
    errorBuffer[0] = 0
    return try bridge.withCall(body)
  }

  public var units: ProblemUnits { problem.units }

  /// The run's total number of updates, passed to the plugin with every step (0: unknown).
  public private(set) var totalSteps = 0

  public func prepare(totalSteps: Int) {
    self.totalSteps = totalSteps
  }

  public func loss(model: NCLModel<Float>, step: Int, generator: inout SeededGenerator) throws -> (loss: Tensor<Float>, terms: [String: Double]) {
    PluginCallTrace.enter(library.descriptor.name, "loss", step: step)
    defer { PluginCallTrace.leave() }
    return try call(model: model, differentiable: true, generator: &generator) {
      var info = ncl_step_info_t(
        struct_size: UInt32(MemoryLayout<ncl_step_info_t>.stride), step: Int64(step), total_steps: Int64(totalSteps))
      var handle: OpaquePointer?
      let status = callbacks.loss(objective, bridge.host, &info, &handle, errorBuffer, Int(NCL_MESSAGE_SIZE))
      guard status == NCL_OK else { throw failure("loss", status) }
      guard let loss = bridge.tensor(handle, "loss") else { throw failure("loss", NCL_ERROR_INTERNAL) }
      guard loss.count == 1 else {
        throw PluginError(plugin: library.descriptor.name, call: "loss", status: NCL_ERROR_INTERNAL,
                          message: "the loss must be a scalar, got shape \(loss.shape)")
      }
      return (loss.reshaped([]), Dictionary(bridge.reports, uniquingKeysWith: { _, last in last }))
    }
  }

  /// The plugin's NCL_EXTENSION_STATE table, nil when it keeps no state.
  private func stateExtension() throws -> ncl_state_extension_t? {
    guard let getExtension = callbacks.get_extension,
          let raw = NCL_EXTENSION_STATE.withCString({ getExtension(objective, $0) }) else { return nil }
    let table: ncl_state_extension_t
    do { table = try GrowableStruct.copy(raw.assumingMemoryBound(to: ncl_state_extension_t.self), minimum: MemoryLayout<ncl_state_extension_t>.size) } catch {
      throw PluginError(plugin: library.descriptor.name, call: "get_extension", status: NCL_ERROR_INTERNAL,
                        message: "\(NCL_EXTENSION_STATE): struct_size below sizeof(ncl_state_extension_t)")
    }
    guard table.save != nil, table.load != nil else {
      throw PluginError(plugin: library.descriptor.name, call: "get_extension", status: NCL_ERROR_INTERNAL,
                        message: "\(NCL_EXTENSION_STATE): save and load are mandatory")
    }
    return table
  }

  public func savedState() throws -> [UInt8]? {
    guard let state = try stateExtension() else { return nil }
    final class Bytes { var data: [UInt8] = [] }
    let bytes = Bytes()
    var writer = ncl_state_writer_t(writer_data: Unmanaged.passUnretained(bytes).toOpaque()) { writer, raw, size in
      guard let writer, let raw, size > 0 else { return }
      let box = Unmanaged<Bytes>.fromOpaque(writer.pointee.writer_data).takeUnretainedValue()
      box.data += UnsafeRawBufferPointer(start: raw, count: size)
    }
    errorBuffer[0] = 0
    let status = state.save(objective, &writer, errorBuffer, Int(NCL_MESSAGE_SIZE))
    guard status == NCL_OK else { throw failure("save state", status) }
    return bytes.data.isEmpty ? nil : bytes.data
  }

  public func restore(state bytes: [UInt8]) throws {
    guard let state = try stateExtension() else {
      throw PluginError(plugin: library.descriptor.name, call: "load state", status: NCL_ERROR_INVALID_ARGUMENT,
                        message: "the checkpoint holds \(bytes.count) bytes of objective state, and this plugin keeps none")
    }
    errorBuffer[0] = 0
    let status = bytes.withUnsafeBytes { state.load(objective, $0.baseAddress, $0.count, errorBuffer, Int(NCL_MESSAGE_SIZE)) }
    guard status == NCL_OK else { throw failure("load state", status) }
  }

  public func evaluate(model: NCLModel<Float>, generator: inout SeededGenerator) throws -> [String: Double] {
    guard let evaluate = callbacks.evaluate else { return [:] }
    final class Sink { var metrics: [String: Double] = [:] }
    let sink = Sink()
    PluginCallTrace.enter(library.descriptor.name, "evaluate")
    defer { PluginCallTrace.leave() }
    return try call(model: model.detached(), differentiable: false, generator: &generator) {
      var cSink = ncl_metric_sink_t(sink_data: Unmanaged.passUnretained(sink).toOpaque()) { sink, name, value in
        guard let sink, let name else { return }
        let box = Unmanaged<Sink>.fromOpaque(sink.pointee.sink_data).takeUnretainedValue()
        box.metrics[String(cString: name)] = value
      }
      let status = evaluate(objective, bridge.host, &cSink, errorBuffer, Int(NCL_MESSAGE_SIZE))
      guard status == NCL_OK else { throw failure("evaluate", status) }
      return sink.metrics
    }
  }
}

extension PluginProblem {
  init(reading raw: UnsafePointer<ncl_problem_t>, plugin: String) throws {
    func fail(_ message: String) -> PluginError {
      PluginError(plugin: plugin, call: "create", status: NCL_ERROR_INTERNAL, message: "problem: \(message)")
    }
    let p: ncl_problem_t
    do { p = try GrowableStruct.copy(raw, minimum: ABI10Size.problem) } catch let small as GrowableStruct.TooSmall {
      throw fail("struct_size \(small.size) is smaller than the \(small.minimum) bytes of ABI 1.0")
    }
    guard p.dimension >= 1 else { throw fail("dimension must be >= 1") }
    dimension = Int(p.dimension)
    guard p.time_start.isFinite, p.time_end.isFinite, p.time_start < p.time_end || (p.time_start == 0 && p.time_end == 0) else {
      throw fail("time horizon [\(p.time_start), \(p.time_end)] must be finite with start < end")
    }
    var units = ProblemUnits()
    if p.time_start != 0 || p.time_end != 0 { units.horizon = p.time_start...p.time_end }
    switch Int32(p.noise_kind) {
    case NCL_NOISE_CONSTANT: units.noise = .constant(p.noise_start)
    case NCL_NOISE_LINEAR: units.noise = .linear(start: p.noise_start, end: p.noise_end)
    default: throw fail("unknown noise kind \(p.noise_kind)")
    }
    guard units.noise(0) >= 0, units.noise(1) >= 0, units.noise(0).isFinite, units.noise(1).isFinite else {
      throw fail("noise g must be finite and >= 0, got \(p.noise_start) to \(p.noise_end)")
    }
    // ABI 1.2: the data map (zero, hence absent, in older plugins' copies).
    if let shift = p.data_shift { units.shift = Array(UnsafeBufferPointer(start: shift, count: dimension)) }
    if let scale = p.data_scale { units.scale = Array(UnsafeBufferPointer(start: scale, count: dimension)) }
    do { try units.validate(dimension: dimension) } catch { throw fail("\(error)") }
    self.units = units
    var model = ModelConfiguration(dimension: dimension)
    if p.components > 0 { model.components = Int(p.components) }
    let width = p.hidden_width > 0 ? Int(p.hidden_width) : model.hiddenSizes[0]
    let layers = p.hidden_layers > 0 ? Int(p.hidden_layers) : model.hiddenSizes.count
    model.hiddenSizes = Array(repeating: width, count: layers)
    switch Int32(p.flux) {
    case NCL_FLUX_TELESCOPING: model.flux = .telescoping(tau: p.flux_tau > 0 ? p.flux_tau : 1)
    case NCL_FLUX_NAIVE: model.flux = .naive
    case NCL_FLUX_KNOTHE_ROSENBLATT: model.flux = .knotheRosenblatt
    case NCL_FLUX_FACTORIZED: model.flux = .factorized
    default: throw fail("unknown flux kind \(p.flux)")
    }
    if p.divergence_free != 0 && dimension >= 2 { model.divergenceFreeHiddenSizes = [width / 2, width / 2].map { max($0, 8) } }
    self.model = model
    batchSize = p.batch_size > 0 ? Int(p.batch_size) : 256
    // ABI 1.3: the suggested run (zero, hence absent, in older plugins' copies).
    guard p.suggested_learning_rate.isFinite, p.suggested_learning_rate >= 0 else {
      throw fail("suggested_learning_rate must be finite and >= 0 (0: the host's), got \(p.suggested_learning_rate)")
    }
    var suggested = SuggestedTraining()
    if p.suggested_steps > 0 { suggested.steps = Int(p.suggested_steps) }
    if p.suggested_learning_rate > 0 { suggested.learningRate = p.suggested_learning_rate }
    switch Int32(p.suggested_schedule) {
    case NCL_SCHEDULE_DEFAULT: break
    case NCL_SCHEDULE_CONSTANT: suggested.schedule = .constant
    case NCL_SCHEDULE_COSINE: suggested.schedule = .cosine(minimumFactor: SuggestedTraining.cosineFloor)
    default: throw fail("unknown suggested_schedule \(p.suggested_schedule)")
    }
    suggestedTraining = suggested
  }
}
