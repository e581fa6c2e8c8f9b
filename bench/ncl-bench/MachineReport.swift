// What a benchmark ran on: CPU, cores, BLAS core and threads.
import Foundation
import NCLHost

enum MachineReport {
  static func cpuModel() -> String {
    guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown CPU" }
    let line = info.split(separator: "\n").first { $0.hasPrefix("model name") }
    return line.map { String($0.split(separator: ":", maxSplits: 1)[1]).trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
  }

  static func header() -> String {
    let env = ProcessInfo.processInfo.environment
    let coreType = env["OPENBLAS_CORETYPE"].map { " (OPENBLAS_CORETYPE=\($0))" } ?? ""
    return """
      machine: \(cpuModel()), \(ProcessInfo.processInfo.activeProcessorCount) cores
      BLAS: OpenBLAS core \(BLAS.coreName)\(coreType), \(BLAS.threadCount) threads; elementwise kernels: \(BLAS.elementwiseInstructionSet)
      date: \(ISO8601DateFormatter().string(from: Date()))
      """
  }
}

/// Median wall time of `body` in milliseconds, after warm-up, over enough repetitions to be stable.
func measure(minimumSeconds: Double = 0.3, warmup: Int = 2, _ body: () -> Void) -> Double {
  for _ in 0..<warmup { body() }
  var samples: [Double] = []
  let clock = ContinuousClock()
  let start = clock.now
  repeat {
    let t0 = clock.now
    body()
    samples.append((clock.now - t0).milliseconds)
  } while (clock.now - start).seconds < minimumSeconds || samples.count < 3
  return samples.sorted()[samples.count / 2]
}

extension Duration {
  var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
  var milliseconds: Double { seconds * 1e3 }
}

func pad(_ s: String, _ width: Int) -> String {
  s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
}
