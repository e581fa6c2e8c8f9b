// A plugin's ncl_function_def_t as an engine ExternalFunction: C callbacks on double arrays.
import Foundation
import NCLPluginAPI

extension ExternalFunction {
  /// Wraps a plugin's function definition; each callback's status and message become a thrown
  /// error naming the function. `def` must stay valid while the function can be called (the
  /// header says: until the objective's destroy()).
  init(plugin def: UnsafePointer<ncl_function_def_t>) throws {
    let copy: ncl_function_def_t
    do {
      copy = try GrowableStruct.copy(def, minimum: MemoryLayout<ncl_function_def_t>.offset(of: \.vjp)! + MemoryLayout<UnsafeRawPointer>.size)
    } catch let small as GrowableStruct.TooSmall {
      throw NCLError.invalidArgument("apply_function: ncl_function_def_t struct_size \(small.size) < \(small.minimum)")
    }
    guard let namePointer = copy.name else { throw NCLError.invalidArgument("apply_function: the function's name is NULL") }
    let name = String(cString: namePointer)
    guard let forward = copy.forward, let vjp = copy.vjp else {
      throw NCLError.invalidArgument("apply_function: function '\(name)' lacks forward or vjp")
    }
    let userData = copy.user_data
    func run(_ call: String, _ body: (UnsafeMutablePointer<CChar>, Int) -> ncl_status_t) throws {
      let capacity = Int(NCL_MESSAGE_SIZE)
      let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: capacity)
      defer { buffer.deallocate() }
      buffer.initialize(repeating: 0, count: capacity)
      let status = body(buffer, capacity)
      guard status == NCL_OK else {
        let message = String(cString: buffer)
        throw PluginError(plugin: name, call: call, status: status, message: message.isEmpty ? "(no message)" : message)
      }
    }
    let jvpCallback = copy.jvp
    self.init(
      name: name,
      forward: { inputs, outputShape in
        var output = [Double](repeating: 0, count: outputShape.reduce(1, *))
        try CArrays.with(inputs) { cInputs in
          try CArrays.withMutable(&output, shape: outputShape) { cOutput in
            try run("forward") { forward(userData, cInputs.baseAddress, Int32(cInputs.count), cOutput, $0, $1) }
          }
        }
        return output
      },
      vjp: { inputs, output, outputGradient in
        var gradients = inputs.map { [Double](repeating: 0, count: $0.values.count) }
        try CArrays.with(inputs + [output, outputGradient]) { arrays in
          let cInputs = UnsafeBufferPointer(rebasing: arrays[..<inputs.count])
          try CArrays.withMutable(&gradients, shapes: inputs.map(\.shape)) { cGradients in
            try run("vjp") {
              vjp(userData, cInputs.baseAddress, Int32(inputs.count), arrays.baseAddress! + inputs.count,
                  arrays.baseAddress! + inputs.count + 1, cGradients.baseAddress, $0, $1)
            }
          }
        }
        return gradients
      },
      jvp: jvpCallback.map { jvp in
        { inputs, tangents, outputShape in
          var output = [Double](repeating: 0, count: outputShape.reduce(1, *))
          try CArrays.with(inputs + tangents) { arrays in
            try CArrays.withMutable(&output, shape: outputShape) { cOutput in
              try run("jvp") {
                jvp(userData, arrays.baseAddress, Int32(inputs.count), arrays.baseAddress! + inputs.count, cOutput, $0, $1)
              }
            }
          }
          return output
        }
      })
  }
}

/// ncl_array_t views of Swift arrays, valid inside a closure.
enum CArrays {
  /// Read-only views of `arrays` (the C side sees `double *` but must not write).
  static func with<R>(_ arrays: [ExternalFunction.Array], _ body: (UnsafeBufferPointer<ncl_array_t>) throws -> R) throws -> R {
    var copies = arrays.map { $0.values }
    return try withMutable(&copies, shapes: arrays.map(\.shape)) { try body(UnsafeBufferPointer($0)) }
  }

  /// Writable views of `values`, one per shape.
  static func withMutable<R>(
    _ values: inout [[Double]], shapes: [[Int]], _ body: (UnsafeMutableBufferPointer<ncl_array_t>) throws -> R
  ) throws -> R {
    let count = values.count
    let views = UnsafeMutableBufferPointer<ncl_array_t>.allocate(capacity: max(count, 1))
    defer { views.deallocate() }
    let data = values.indices.map { i -> UnsafeMutablePointer<Double> in
      let p = UnsafeMutablePointer<Double>.allocate(capacity: max(values[i].count, 1))
      p.initialize(from: values[i], count: values[i].count)
      return p
    }
    let shapeStorage = shapes.map { shape -> UnsafeMutablePointer<Int64> in
      let p = UnsafeMutablePointer<Int64>.allocate(capacity: max(shape.count, 1))
      p.initialize(from: shape.map(Int64.init), count: shape.count)
      return p
    }
    defer {
      data.forEach { $0.deallocate() }
      shapeStorage.forEach { $0.deallocate() }
    }
    for i in 0..<count {
      views[i] = ncl_array_t(data: data[i], shape: UnsafePointer(shapeStorage[i]), rank: Int32(shapes[i].count), count: Int64(values[i].count))
    }
    let result = try body(UnsafeMutableBufferPointer(rebasing: views[..<count]))
    for i in 0..<count { values[i] = Array(UnsafeBufferPointer(start: data[i], count: values[i].count)) }
    return result
  }

  /// A writable view of one array.
  static func withMutable<R>(_ values: inout [Double], shape: [Int], _ body: (UnsafeMutablePointer<ncl_array_t>) throws -> R) throws -> R {
    var wrapped = [values]
    defer { values = wrapped[0] }
    return try withMutable(&wrapped, shapes: [shape]) { try body($0.baseAddress!) }
  }
}
