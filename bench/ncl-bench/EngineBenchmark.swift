// Engine benchmark: MLP forward, first-order and second-order training steps, GEMM throughput.
import NCLHost

enum EngineBenchmark {
  static func gemmGFLOPs(m: Int, n: Int, k: Int) -> Double {
    var g = SeededGenerator(seed: 1)
    let a = Tensor<Float>.randomNormal([m, k], using: &g), b = Tensor<Float>.randomNormal([k, n], using: &g)
    let ms = measure { _ = Tensor.matmul(a, b) }
    return 2 * Double(m * n * k) / (ms * 1e-3) / 1e9
  }

  static func run(quick: Bool) {
    let peak = gemmGFLOPs(m: 1024, n: 1024, k: 1024)
    print("BLAS peak (sgemm 1024x1024x1024): \(String(format: "%.1f", peak)) GFLOP/s")
    print("MLP 3 -> [w, w, w] -> 1, SiLU, Float32; times are medians in ms")
    print("  width  batch   forward  1st-order  2nd-order   fwd GFLOP/s  gemm GFLOP/s  gemm/peak")
    for width in quick ? [64] : [64, 128, 256] {
      for batch in quick ? [256] : [256, 1024, 4096] {
        var g = SeededGenerator(seed: 7)
        var model = MLP<Float>(inputSize: 3, hiddenSizes: [width, width, width], outputSize: 1, generator: &g)
        model.parameters = model.parameters.map { $0.requiringGradient() }
        var adam = Adam<Float>()
        let x = Tensor<Float>.randomNormal([batch, 3], using: &g)

        let forward = measure { withoutGradient { _ = model(x) } }
        let firstOrder = measure {
          let loss = model(x).squared().mean()
          model.parameters = adam.step(model.parameters, gradients: gradient(of: [loss], wrt: model.parameters))
        }
        let secondOrder = measure {
          let input = x.requiringGradient()
          let y = model(input)
          let dydx = gradient(of: y.sum(), wrt: input, createGraph: true)
          let loss = y.squared().mean() + dydx.squared().sum(alongAxis: 1).mean()
          model.parameters = adam.step(model.parameters, gradients: gradient(of: [loss], wrt: model.parameters))
        }
        let flops = 2.0 * Double(batch) * Double(3 * width + 2 * width * width + width)
        let gemm = gemmGFLOPs(m: batch, n: width, k: width)
        print([
          pad("\(width)", 7), pad("\(batch)", 6), pad(fmt(forward), 9), pad(fmt(firstOrder), 10),
          pad(fmt(secondOrder), 10), pad(String(format: "%.1f", flops / (forward * 1e-3) / 1e9), 13),
          pad(String(format: "%.1f", gemm), 13), pad(String(format: "%.0f%%", 100 * gemm / peak), 10),
        ].joined(separator: " "))
      }
    }
  }

  static func fmt(_ ms: Double) -> String { String(format: ms < 1 ? "%.3f" : "%.2f", ms) }
}
