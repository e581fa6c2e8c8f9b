// A user's own problem: b, f and G (and, where given, their derivatives) as C functions in a
// shared library, evaluated on whole batches.
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import NCLPluginKit

/// The functions PREFIX{drift, running_cost, terminal_cost} of a shared library, each
///   int fn(int64_t n, int64_t d, const double *x, double *out)
/// on n points x (row-major n x d): out is n x d for the drift, n for the costs; and optionally
/// their derivatives
///   int PREFIXdrift_vjp(int64_t n, int64_t d, const double *x, const double *v, double *out)
///       out[i, k] = sum_j v[i, j] d b_j / d x_k (x_i)
///   int PREFIXrunning_cost_grad / PREFIXterminal_cost_grad(int64_t n, int64_t d, const double *x, double *out)
///       out = the gradient, n x d.
/// A non-zero return is an error. A missing b, f or G is zero.
final class UserFunctions {
  typealias Function = @convention(c) (Int64, Int64, UnsafePointer<Double>?, UnsafeMutablePointer<Double>?) -> Int32
  typealias VJP = @convention(c) (Int64, Int64, UnsafePointer<Double>?, UnsafePointer<Double>?, UnsafeMutablePointer<Double>?) -> Int32

  enum Which: String, CaseIterable {
    case drift, running = "running_cost", terminal = "terminal_cost"
  }

  let path: String
  let prefix: String
  private var functions: [Which: Function] = [:]
  private var driftVJP: VJP?
  private var gradients: [Which: Function] = [:]
  /// The differentiable functions handed to the host (kept for the objective's life).
  private(set) var definitions: [Which: DifferentiableFunction] = [:]

  init(path: String, prefix: String) throws {
    (self.path, self.prefix) = (path, prefix)
    guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
      throw ObjectiveError.invalidArgument("library=\(path): \(String(cString: dlerror()))")
    }
    func symbol(_ name: String) -> UnsafeMutableRawPointer? { dlsym(handle, prefix + name) }
    for which in Which.allCases {
      if let f = symbol(which.rawValue) { functions[which] = unsafeBitCast(f, to: Function.self) }
    }
    guard !functions.isEmpty else {
      throw ObjectiveError.invalidArgument(
        "library=\(path) exports none of \(Which.allCases.map { prefix + $0.rawValue }.joined(separator: ", ")) (symbol_prefix=\(prefix))")
    }
    if let f = symbol("drift_vjp") { driftVJP = unsafeBitCast(f, to: VJP.self) }
    for which in [Which.running, .terminal] {
      if let f = symbol(which.rawValue + "_grad") { gradients[which] = unsafeBitCast(f, to: Function.self) }
    }
    for which in Which.allCases where functions[which] != nil { definitions[which] = makeDefinition(which) }
  }

  func has(_ which: Which) -> Bool { functions[which] != nil }

  /// Every function given has its derivative.
  var hasDerivatives: Bool {
    functions.keys.allSatisfy { $0 == .drift ? driftVJP != nil : gradients[$0] != nil }
  }

  /// The names of the functions given without a derivative.
  var missingDerivatives: [String] {
    functions.keys.filter { $0 == .drift ? driftVJP == nil : gradients[$0] == nil }
      .map { prefix + ($0 == .drift ? "drift_vjp" : $0.rawValue + "_grad") }.sorted()
  }

  /// The function on n points (row-major n x d); zeros when it is not given.
  func evaluate(_ which: Which, _ x: [Double], dimension d: Int) throws -> [Double] {
    let n = x.count / d
    let size = which == .drift ? n * d : n
    guard let f = functions[which] else { return [Double](repeating: 0, count: size) }
    var out = [Double](repeating: 0, count: size)
    let status = x.withUnsafeBufferPointer { xp in out.withUnsafeMutableBufferPointer { f(Int64(n), Int64(d), xp.baseAddress, $0.baseAddress) } }
    guard status == 0 else { throw ObjectiveError.numeric("\(prefix)\(which.rawValue) in \(path) returned \(status)") }
    if let bad = out.firstIndex(where: { !$0.isFinite }) {
      throw ObjectiveError.numeric("\(prefix)\(which.rawValue) in \(path) returned \(out[bad]) at point \(bad / (which == .drift ? d : 1))")
    }
    return out
  }

  /// The function applied to a host tensor x [B, D] as a plugin-defined differentiable function.
  func apply(_ which: Which, host: PluginHost, _ x: PluginTensor, dimension d: Int) throws -> PluginTensor {
    guard let definition = definitions[which] else { throw ObjectiveError.internal("\(which.rawValue) is not given") }
    guard let shape = x.shape, shape.count == 2 else { throw ObjectiveError.internal("\(which.rawValue): x must be [B, D]") }
    return try host.apply(definition, to: [x], outputShape: which == .drift ? [shape[0], d] : [shape[0]])
  }

  private func makeDefinition(_ which: Which) -> DifferentiableFunction {
    DifferentiableFunction(
      name: prefix + which.rawValue,
      forward: { [unowned self] inputs, _ in try self.evaluate(which, inputs[0].values, dimension: inputs[0].shape[1]) },
      vjp: { [unowned self] inputs, _, outputGradient in
        let x = inputs[0].values, n = inputs[0].shape[0], d = inputs[0].shape[1]
        var out = [Double](repeating: 0, count: n * d)
        let status: Int32
        if which == .drift {
          guard let vjp = self.driftVJP else {
            throw ObjectiveError.unsupported("\(self.prefix)drift has no \(self.prefix)drift_vjp: use estimator=score")
          }
          status = x.withUnsafeBufferPointer { xp in outputGradient.values.withUnsafeBufferPointer { vp in
            out.withUnsafeMutableBufferPointer { vjp(Int64(n), Int64(d), xp.baseAddress, vp.baseAddress, $0.baseAddress) } } }
        } else {
          guard let grad = self.gradients[which] else {
            throw ObjectiveError.unsupported("\(self.prefix)\(which.rawValue) has no \(self.prefix)\(which.rawValue)_grad: use estimator=score")
          }
          status = x.withUnsafeBufferPointer { xp in out.withUnsafeMutableBufferPointer { grad(Int64(n), Int64(d), xp.baseAddress, $0.baseAddress) } }
          for i in 0..<n { for k in 0..<d { out[i * d + k] *= outputGradient.values[i] } }
        }
        guard status == 0 else { throw ObjectiveError.numeric("a derivative of \(self.prefix)\(which.rawValue) in \(self.path) returned \(status)") }
        return [out]
      })
  }
}
