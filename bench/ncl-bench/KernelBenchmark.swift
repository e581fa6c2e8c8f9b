// Elementwise kernel benchmark: ns per element of the engine's Float32 functions, next to libm.
import Foundation
import NCLHost

enum KernelBenchmark {
  static let count = 1 << 20

  static func run(quick: Bool) {
    print("elementwise Float32 kernels (\(BLAS.elementwiseInstructionSet)), \(count) elements, \(BLAS.threadCount) cores; ns per element")
    print("  function               engine   libm, 1 core   ratio")
    var g = SeededGenerator(seed: 1)
    let x = withoutGradient { Tensor<Float>.randomUniform([count], lower: -8, upper: 8, using: &g) }
    let positive = withoutGradient { x.abs() + 1e-3 }
    let cases: [(String, Tensor<Float>, (Tensor<Float>) -> Tensor<Float>, (Float) -> Float)] = [
      ("exp", x, { $0.exp() }, { Foundation.exp($0) }),
      ("log", positive, { $0.log() }, { Foundation.log($0) }),
      ("log1p", positive, { $0.log1p() }, { Foundation.log1p($0) }),
      ("tanh", x, { $0.tanh() }, { Foundation.tanh($0) }),
      ("sigmoid", x, { $0.sigmoid() }, { 1 / (1 + Foundation.exp(-$0)) }),
      ("softplus", x, { $0.softplus() }, { Swift.max($0, 0) + Foundation.log1p(Foundation.exp(-Swift.abs($0))) }),
      ("silu", x, { $0.silu() }, { $0 / (1 + Foundation.exp(-$0)) }),
      ("siluDerivative", x, { $0.siluDerivative() }, { v in let s = 1 / (1 + Foundation.exp(-v)); return s + v * s * (1 - s) }),
      ("logisticLogDensity", x, { $0.logisticLogDensity() }, { v in -Swift.abs(v) - 2 * Foundation.log1p(Foundation.exp(-Swift.abs(v))) }),
    ]
    for (name, input, engine, libm) in quick ? Array(cases.prefix(2)) : cases {
      let engineMs = measure { _ = withoutGradient { engine(input) } }
      let values = input.scalars
      var out = [Float](repeating: 0, count: count)
      let libmMs = measure { for i in 0..<values.count { out[i] = libm(values[i]) } }
      let (a, b) = (engineMs * 1e6 / Double(count), libmMs * 1e6 / Double(count))
      print("  \(name.padding(toLength: 20, withPad: " ", startingAt: 0))  \(pad(String(format: "%.3f", a), 7))   \(pad(String(format: "%.2f", b), 12))   \(pad(String(format: "%.1fx", b / a), 6))")
    }
  }
}
