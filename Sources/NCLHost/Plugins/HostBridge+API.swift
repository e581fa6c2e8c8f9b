// The routine table (ncl_host_api_t) the host hands to every plugin instance.
import Foundation
import NCLPluginAPI

extension HostBridge {
  /// One table for the process; each entry finds its instance through `host->host_data`.
  static let api: UnsafePointer<ncl_host_api_t> = {
    let table = UnsafeMutablePointer<ncl_host_api_t>.allocate(capacity: 1)
    table.initialize(to: ncl_host_api_t())
    table.pointee.struct_size = UInt32(MemoryLayout<ncl_host_api_t>.stride)
    fill(table)
    return UnsafePointer(table)
  }()

  private static func fill(_ t: UnsafeMutablePointer<ncl_host_api_t>) {
    t.pointee.log = { host, level, message in
      let bridge = HostBridge.from(host)
      bridge.logSink(Int(level), message.map { String(cString: $0) } ?? "")
    }
    t.pointee.last_error = { host in HostBridge.from(host).copyLastError() }

    t.pointee.tensor = { host, data, shape, rank in
      let bridge = HostBridge.from(host)
      guard let dims = bridge.shape(shape, rank, "tensor") else { return nil }
      let count = dims.reduce(1, *)
      guard count == 0 || data != nil else { return bridge.fail("tensor: data is NULL for shape \(dims)") }
      let values = (0..<count).map { Float(data![$0]) }
      return bridge.handle(Tensor(shape: dims, scalars: values))
    }
    t.pointee.full = { host, value, shape, rank in
      let bridge = HostBridge.from(host)
      guard let dims = bridge.shape(shape, rank, "full") else { return nil }
      return bridge.handle(Tensor(repeating: Float(value), shape: dims))
    }
    t.pointee.shape = { host, x, out, capacity in
      let bridge = HostBridge.from(host)
      guard let tensor = bridge.tensor(x, "shape") else { return -1 }
      for (i, d) in tensor.shape.enumerated() where i < Int(capacity) { out?[i] = Int64(d) }
      return Int32(tensor.rank)
    }
    t.pointee.read = { host, x, out, count in
      let bridge = HostBridge.from(host)
      guard let tensor = bridge.tensor(x, "read") else { return -1 }
      let n = min(Int(max(count, 0)), tensor.count)
      if n > 0, let out {
        for i in 0..<n { out[i] = Double(tensor.storage.pointer[i]) }
      }
      return Int64(tensor.count)
    }

    t.pointee.uniform = { host, shape, rank, low, high in
      let bridge = HostBridge.from(host)
      guard let dims = bridge.shape(shape, rank, "uniform") else { return nil }
      guard low < high else { return bridge.fail("uniform: low \(low) must be < high \(high)") }
      return bridge.handle(Tensor.randomUniform(dims, lower: Float(low), upper: Float(high), using: &bridge.generator))
    }
    t.pointee.normal = { host, shape, rank, mean, std in
      let bridge = HostBridge.from(host)
      guard let dims = bridge.shape(shape, rank, "normal") else { return nil }
      guard std >= 0 else { return bridge.fail("normal: std \(std) must be >= 0") }
      return bridge.handle(Tensor.randomNormal(dims, scale: Float(std), using: &bridge.generator) + Float(mean))
    }

    t.pointee.field = { host, kind, tHandle, xHandle in HostBridge.from(host).field(kind, tHandle, xHandle) }
    t.pointee.sample = { host, tHandle in
      let bridge = HostBridge.from(host)
      guard let (model, times) = bridge.sampleTimes(tHandle, "sample") else { return nil }
      return bridge.handle(bridge.units.dataPoints(model.sample(at: bridge.units.modelTime(times), using: &bridge.generator)))
    }
    // ABI 1.1: the same samples with the gradient of the inverse CDFs (see `reparameterizedSample`).
    t.pointee.sample_reparameterized = { host, tHandle in
      let bridge = HostBridge.from(host)
      guard let (model, times) = bridge.sampleTimes(tHandle, "sample_reparameterized") else { return nil }
      return bridge.handle(bridge.units.dataPoints(model.reparameterizedSample(at: bridge.units.modelTime(times), using: &bridge.generator)))
    }
    t.pointee.integrate = { host, x0Handle, t0, t1, steps, g in
      let bridge = HostBridge.from(host)
      guard g >= 0, g.isFinite else { return bridge.fail("integrate: g = \(g) must be finite and >= 0") }
      guard let path = bridge.integratePath("integrate", x0Handle, times: [t0, t1], steps: steps, noise: .constant(g)) else { return nil }
      return bridge.handle(path.slice(alongAxis: 0, 1..<2).reshaped(Array(path.shape.dropFirst())))
    }

    // ABI 1.2: samples and their log-density from one sampling pass.
    t.pointee.sample_with_log_density = { host, tHandle, logDensityOut in
      let bridge = HostBridge.from(host)
      guard let (model, times) = bridge.sampleTimes(tHandle, "sample_with_log_density") else { return nil }
      let (samples, logDensity) = model.sampleWithLogDensity(at: bridge.units.modelTime(times), using: &bridge.generator)
      if let logDensityOut {
        logDensityOut.pointee = bridge.handle(bridge.units.dataLogDensity(logDensity))
      }
      return bridge.handle(bridge.units.dataPoints(samples))
    }
    // ABI 1.2: states at requested times along the problem's (or a given) noise schedule.
    t.pointee.integrate_path = { host, x0Handle, times, count, steps, noise in
      let bridge = HostBridge.from(host)
      guard count >= 1, let times else { return bridge.fail("integrate_path: no times (count \(count))") }
      var schedule = bridge.units.noise
      if let noise {
        let minimum = MemoryLayout<ncl_noise_t>.size
        guard let copy = try? GrowableStruct.copy(noise, minimum: minimum) else {
          return bridge.fail("integrate_path: noise struct_size \(noise.pointee.struct_size) < \(minimum)")
        }
        switch Int32(copy.kind) {
        case NCL_NOISE_CONSTANT: schedule = .constant(copy.start)
        case NCL_NOISE_LINEAR: schedule = .linear(start: copy.start, end: copy.end)
        default: return bridge.fail("integrate_path: unknown noise kind \(copy.kind)")
        }
        guard [copy.start, copy.end].allSatisfy({ $0 >= 0 && $0.isFinite }) else {
          return bridge.fail("integrate_path: noise must be finite and >= 0, got \(copy.start) to \(copy.end)")
        }
      }
      let requested = Array(UnsafeBufferPointer(start: times, count: Int(count)))
      guard let path = bridge.integratePath("integrate_path", x0Handle, times: requested, steps: steps, noise: schedule) else { return nil }
      return bridge.handle(path)
    }
    t.pointee.open_scope = { host in HostBridge.from(host).openScope() }
    t.pointee.close_scope = { host, mark in HostBridge.from(host).closeScope(mark) }
    t.pointee.apply_function = { host, def, inputs, count, outShape, outRank in
      let bridge = HostBridge.from(host)
      guard let def else { return bridge.fail("apply_function: the function definition is NULL") }
      guard count >= 0, count == 0 || inputs != nil else { return bridge.fail("apply_function: inputs is NULL for count \(count)") }
      var tensors: [Tensor<Float>] = []
      for i in 0..<Int(count) {
        guard let input = bridge.tensor(inputs![i], "apply_function") else { return nil }
        tensors.append(input)
      }
      guard let shape = bridge.shape(outShape, outRank, "apply_function") else { return nil }
      do {
        return bridge.handle(try Tensor.external(ExternalFunction(plugin: def), tensors, outputShape: shape))
      } catch {
        return bridge.fail("apply_function: \(error)")
      }
    }

    t.pointee.unary = { host, op, xHandle in
      let bridge = HostBridge.from(host)
      guard let x = bridge.tensor(xHandle, "unary") else { return nil }
      let f: ((Tensor<Float>) -> Tensor<Float>)?
      switch Int32(op) {
      case NCL_OP_NEGATE: f = { -$0 }
      case NCL_OP_EXP: f = { $0.exp() }
      case NCL_OP_LOG: f = { $0.log() }
      case NCL_OP_LOG1P: f = { $0.log1p() }
      case NCL_OP_SQUARE: f = { $0.squared() }
      case NCL_OP_SQRT: f = { $0.sqrt() }
      case NCL_OP_RECIPROCAL: f = { $0.reciprocal() }
      case NCL_OP_SIGMOID: f = { $0.sigmoid() }
      case NCL_OP_SOFTPLUS: f = { $0.softplus() }
      case NCL_OP_TANH: f = { $0.tanh() }
      case NCL_OP_ABS: f = { $0.abs() }
      case NCL_OP_SIN: f = { $0.sin() }
      case NCL_OP_COS: f = { $0.cos() }
      case NCL_OP_IS_FINITE: f = { $0.isFinite() }
      default: f = nil
      }
      guard let f else { return bridge.fail("unary: unknown op \(op)") }
      return bridge.handle(f(x))
    }
    t.pointee.binary = { host, op, aHandle, bHandle in
      let bridge = HostBridge.from(host)
      guard let a = bridge.tensor(aHandle, "binary"), let b = bridge.tensor(bHandle, "binary") else { return nil }
      let f: ((Tensor<Float>, Tensor<Float>) -> Tensor<Float>)?
      switch Int32(op) {
      case NCL_OP_ADD: f = (+)
      case NCL_OP_SUBTRACT: f = (-)
      case NCL_OP_MULTIPLY: f = (*)
      case NCL_OP_DIVIDE: f = (/)
      case NCL_OP_MINIMUM: f = Tensor.minimum
      case NCL_OP_MAXIMUM: f = Tensor.maximum
      case NCL_OP_POWER: f = { $0.pow($1) }
      default: f = nil
      }
      guard let f else { return bridge.fail("binary: unknown op \(op)") }
      return bridge.checked("binary", [a, b], .broadcast) { f(a, b) }
    }
    // ABI 1.2: comparisons (constants) and where.
    t.pointee.compare = { host, op, aHandle, bHandle in
      let bridge = HostBridge.from(host)
      guard let a = bridge.tensor(aHandle, "compare"), let b = bridge.tensor(bHandle, "compare") else { return nil }
      let f: ((Tensor<Float>, Tensor<Float>) -> Tensor<Float>)?
      switch Int32(op) {
      case NCL_COMPARE_LESS: f = { $0.less($1) }
      case NCL_COMPARE_LESS_EQUAL: f = { $0.lessOrEqual($1) }
      case NCL_COMPARE_GREATER: f = { $0.greater($1) }
      case NCL_COMPARE_GREATER_EQUAL: f = { $0.greaterOrEqual($1) }
      case NCL_COMPARE_EQUAL: f = { $0.equal($1) }
      case NCL_COMPARE_NOT_EQUAL: f = { $0.notEqual($1) }
      default: f = nil
      }
      guard let f else { return bridge.fail("compare: unknown op \(op)") }
      return bridge.checked("compare", [a, b], .broadcast) { f(a, b) }
    }
    t.pointee.where = { host, maskHandle, aHandle, bHandle in
      let bridge = HostBridge.from(host)
      guard let mask = bridge.tensor(maskHandle, "where"), let a = bridge.tensor(aHandle, "where"),
            let b = bridge.tensor(bHandle, "where") else { return nil }
      guard let ab = StridedLayout.broadcast(a.shape, b.shape), StridedLayout.broadcast(mask.shape, ab) != nil else {
        return bridge.fail("where: shapes \(mask.shape), \(a.shape) and \(b.shape) do not broadcast")
      }
      return bridge.handle(Tensor.where(mask, a, b))
    }
    t.pointee.affine = { host, xHandle, scale, shift in
      let bridge = HostBridge.from(host)
      guard let x = bridge.tensor(xHandle, "affine") else { return nil }
      return bridge.handle(x.affine(scale: Float(scale), shift: Float(shift)))
    }
    t.pointee.reduce = { host, op, xHandle, axis, keep in
      let bridge = HostBridge.from(host)
      guard let x = bridge.tensor(xHandle, "reduce") else { return nil }
      return bridge.checked("reduce", [x], .axis(axis, allowAll: true)) {
        let all = axis == NCL_ALL_AXES
        let flat = all ? x.reshaped([x.count]) : x
        let a = all ? 0 : Int(axis)
        let keepDimension = keep != 0 && !all
        switch Int32(op) {
        case NCL_REDUCE_MEAN: return flat.mean(alongAxis: a, keepingDimension: keepDimension)
        case NCL_REDUCE_LOGSUMEXP: return flat.logSumExp(alongAxis: a, keepingDimension: keepDimension)
        default: return flat.sum(alongAxis: a, keepingDimension: keepDimension)
        }
      }
    }
    t.pointee.matmul = { host, aHandle, bHandle, ta, tb in
      let bridge = HostBridge.from(host)
      guard let a = bridge.tensor(aHandle, "matmul"), let b = bridge.tensor(bHandle, "matmul") else { return nil }
      return bridge.checked("matmul", [a, b], .matmul(ta != 0, tb != 0)) {
        Tensor.matmul(a, b, transposeA: ta != 0, transposeB: tb != 0)
      }
    }
    t.pointee.clamp = { host, xHandle, lower, upper in
      let bridge = HostBridge.from(host)
      guard let x = bridge.tensor(xHandle, "clamp") else { return nil }
      guard lower <= upper else { return bridge.fail("clamp: lower \(lower) > upper \(upper)") }
      return bridge.handle(x.clamped(lower: Float(lower), upper: Float(upper)))
    }

    t.pointee.reshape = { host, xHandle, shape, rank in
      let bridge = HostBridge.from(host)
      guard let x = bridge.tensor(xHandle, "reshape"), let dims = bridge.shape(shape, rank, "reshape") else { return nil }
      guard dims.reduce(1, *) == x.count else { return bridge.fail("reshape: \(x.shape) has \(x.count) elements, \(dims) has \(dims.reduce(1, *))") }
      return bridge.handle(x.reshaped(dims))
    }
    t.pointee.slice = { host, xHandle, axis, start, end in
      let bridge = HostBridge.from(host)
      guard let x = bridge.tensor(xHandle, "slice") else { return nil }
      if let problem = ShapeRule.axis(axis, allowAll: false).problem([x]) { return bridge.fail("slice: \(problem)") }
      let a = axis < 0 ? Int(axis) + x.rank : Int(axis)
      guard start >= 0, start <= end, end <= x.shape[a] else {
        return bridge.fail("slice: [\(start), \(end)) out of bounds for axis \(axis) of shape \(x.shape)")
      }
      return bridge.handle(x.slice(alongAxis: a, Int(start)..<Int(end)))
    }
    t.pointee.concatenate = { host, parts, count, axis in
      let bridge = HostBridge.from(host)
      guard count > 0, let parts else { return bridge.fail("concatenate: no tensors") }
      var tensors: [Tensor<Float>] = []
      for i in 0..<Int(count) {
        guard let part = bridge.tensor(parts[i], "concatenate") else { return nil }
        tensors.append(part)
      }
      if let problem = ShapeRule.axis(axis, allowAll: false).problem([tensors[0]]) { return bridge.fail("concatenate: \(problem)") }
      let a = axis < 0 ? Int(axis) + tensors[0].rank : Int(axis)
      let offAxis = { (s: [Int]) -> [Int] in var s = s; if a < s.count { s[a] = 0 }; return s }
      guard tensors.allSatisfy({ $0.rank == tensors[0].rank && offAxis($0.shape) == offAxis(tensors[0].shape) }) else {
        return bridge.fail("concatenate: shapes \(tensors.map(\.shape)) differ off axis \(axis)")
      }
      return bridge.handle(Tensor.concatenate(tensors, alongAxis: a))
    }

    t.pointee.detach = { host, xHandle in
      let bridge = HostBridge.from(host)
      guard let x = bridge.tensor(xHandle, "detach") else { return nil }
      return bridge.handle(x.detached())
    }
    t.pointee.variable = { host, xHandle in
      let bridge = HostBridge.from(host)
      guard let x = bridge.tensor(xHandle, "variable") else { return nil }
      return bridge.handle(x.detached().requiringGradient())
    }
    t.pointee.grad = { host, yHandle, xHandle in
      let bridge = HostBridge.from(host)
      guard let y = bridge.tensor(yHandle, "grad"), let x = bridge.tensor(xHandle, "grad") else { return nil }
      guard x.requiresGradient else { return bridge.fail("grad: x of shape \(x.shape) is not a variable (make it with variable())") }
      let result = gradient(of: [y.sum()], wrt: [x], createGraph: true)[0]
      if let failure = DifferentiationFailure.take() { return bridge.fail("grad: \(failure)") }
      return bridge.handle(result)
    }
    t.pointee.jvp = { host, yHandle, xHandle, tangentHandle in
      let bridge = HostBridge.from(host)
      guard let y = bridge.tensor(yHandle, "jvp"), let x = bridge.tensor(xHandle, "jvp"),
            let tangent = bridge.tensor(tangentHandle, "jvp") else { return nil }
      guard x.requiresGradient else { return bridge.fail("jvp: x of shape \(x.shape) is not a variable (make it with variable())") }
      guard tangent.shape == x.shape else { return bridge.fail("jvp: tangent \(tangent.shape) must be shaped like x \(x.shape)") }
      let result = NCLHost.jvp(of: y, wrt: x, tangent: tangent)
      if let failure = DifferentiationFailure.take() { return bridge.fail("jvp: \(failure)") }
      return bridge.handle(result)
    }
    t.pointee.report = { host, name, scalarHandle in
      let bridge = HostBridge.from(host)
      guard let value = bridge.tensor(scalarHandle, "report"), let name else { return }
      bridge.recordReport(String(cString: name), Double(value.storage.buffer.reduce(0, +)) / Double(max(value.count, 1)))
    }
  }
}

extension HostBridge {
  /// The model and sampling times [B, 1] of a sampling call, or nil after recording why.
  func sampleTimes(_ tHandle: OpaquePointer?, _ op: String) -> (NCLModel<Float>, Tensor<Float>)? {
    guard let model else { _ = fail("\(op): no model in this call"); return nil }
    guard let times = tensor(tHandle, op) else { return nil }
    guard times.rank == 2, times.shape[1] == 1 else { _ = fail("\(op): t must have shape [B, 1], got \(times.shape)"); return nil }
    if let outside = times.scalars.first(where: { units.modelTime(Double($0)) < -1e-6 || units.modelTime(Double($0)) > 1 + 1e-6 }) {
      _ = fail("\(op): time \(outside) lies outside the horizon [\(units.horizon.lowerBound), \(units.horizon.upperBound)]")
      return nil
    }
    return (model, times)
  }

  /// States [times.count, B, D] along the learned SDE (see `ProblemUnits.integratePath`), or nil
  /// after recording why.
  func integratePath(_ op: String, _ x0Handle: OpaquePointer?, times: [Double], steps: Int32, noise: NoiseSchedule) -> Tensor<Float>? {
    guard let model else { _ = fail("\(op): no model in this call"); return nil }
    guard let x0 = tensor(x0Handle, op) else { return nil }
    do {
      return try units.integratePath(of: model, from: x0, times: times, steps: Int(steps), noise: noise, using: &generator)
    } catch {
      _ = fail("\(op): \(error)")
      return nil
    }
  }

  func recordReport(_ name: String, _ value: Double) {
    reports.append((name, value))
  }
}
