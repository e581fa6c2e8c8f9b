// A plugin's own function of tensors with its derivatives, as ABI 1.2's ncl_function_def_t.
import NCLPluginAPI
import NCLSupport

/// A function computed by the plugin's own code (a user's drift b(x), a cost f(x)) that enters a
/// loss like a host operation, with a pathwise gradient from its `vjp`. Keep it in the
/// objective's state: the host calls `vjp` while it differentiates the loss, after `loss` returns.
///
/// Arrays are dense and row-major; `Array.shape` gives their shape. A thrown error becomes the
/// callback's status and message (the host then fails the step, naming the function).
public final class DifferentiableFunction {
  public typealias Array = ArrayFunction.Array

  /// The function and its derivatives.
  public let function: ArrayFunction
  public var name: String { function.name }

  /// The C definition handed to the host; its `user_data` points back at this object.
  let definition: UnsafeMutablePointer<ncl_function_def_t>
  private let cName: UnsafeMutablePointer<CChar>

  public init(
    name: String,
    forward: @escaping ([Array], [Int]) throws -> [Double],
    vjp: @escaping ([Array], Array, Array) throws -> [[Double]],
    jvp: (([Array], [Array], [Int]) throws -> [Double])? = nil
  ) {
    function = ArrayFunction(name: name, forward: forward, vjp: vjp, jvp: jvp)
    cName = strdup(name)!
    definition = .allocate(capacity: 1)
    definition.initialize(to: ncl_function_def_t())
    definition.pointee.struct_size = CStrings.size(ncl_function_def_t.self)
    definition.pointee.name = UnsafePointer(cName)
    definition.pointee.user_data = Unmanaged.passUnretained(self).toOpaque()
    definition.pointee.forward = { user, inputs, count, output, err, capacity in
      DifferentiableFunction.call(user, err, capacity) { f in
        let values = try f.function.forward(DifferentiableFunction.arrays(inputs, count), DifferentiableFunction.shape(output!.pointee))
        try DifferentiableFunction.write(values, into: output!.pointee, what: "forward")
      }
    }
    definition.pointee.vjp = { user, inputs, count, output, outputGradient, gradients, err, capacity in
      DifferentiableFunction.call(user, err, capacity) { f in
        let arrays = DifferentiableFunction.arrays(inputs, count)
        let result = try f.function.vjp(arrays, DifferentiableFunction.arrays(output, 1)[0], DifferentiableFunction.arrays(outputGradient, 1)[0])
        guard result.count == arrays.count else {
          throw ObjectiveError.internal("vjp returned \(result.count) gradients for \(arrays.count) inputs")
        }
        for (i, g) in result.enumerated() { try DifferentiableFunction.write(g, into: gradients![i], what: "vjp gradient \(i)") }
      }
    }
    if jvp != nil {
      definition.pointee.jvp = { user, inputs, count, tangents, output, err, capacity in
        DifferentiableFunction.call(user, err, capacity) { f in
          let values = try f.function.jvp!(DifferentiableFunction.arrays(inputs, count), DifferentiableFunction.arrays(tangents, count), DifferentiableFunction.shape(output!.pointee))
          try DifferentiableFunction.write(values, into: output!.pointee, what: "jvp")
        }
      }
    }
  }

  deinit {
    definition.deallocate()
    free(cName)
  }

  // MARK: - C callbacks

  private static func call(
    _ user: UnsafeMutableRawPointer?, _ err: UnsafeMutablePointer<CChar>?, _ capacity: Int, _ body: (DifferentiableFunction) throws -> Void
  ) -> ncl_status_t {
    let function = Unmanaged<DifferentiableFunction>.fromOpaque(user!).takeUnretainedValue()
    return PluginExport.guarded(err, capacity) { try body(function) }
  }

  private static func shape(_ array: ncl_array_t) -> [Int] {
    (0..<Int(array.rank)).map { Int(array.shape[$0]) }
  }

  private static func arrays(_ pointer: UnsafePointer<ncl_array_t>?, _ count: Int32) -> [Array] {
    (0..<Int(count)).map { i in
      let a = pointer![i]
      return Array(values: Swift.Array(UnsafeBufferPointer(start: a.data, count: Int(a.count))), shape: shape(a))
    }
  }

  private static func write(_ values: [Double], into array: ncl_array_t, what: String) throws {
    guard values.count == Int(array.count) else {
      throw ObjectiveError.internal("\(what): \(values.count) values for an array of \(array.count)")
    }
    values.withUnsafeBufferPointer { array.data.update(from: $0.baseAddress!, count: values.count) }
  }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
