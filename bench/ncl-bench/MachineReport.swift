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
    let coreType = env["OPENBLAS_CORETYPE"].map { " (OPENBLAS_CORETYPE=\($0))" }
      ?? BLAS.detectedCoreName.map { " (chosen by the engine; OpenBLAS detected \($0))" } ?? ""
    return """
      machine: \(cpuModel()), \(ProcessInfo.processInfo.activeProcessorCount) cores\(BLAS.availableCores == ProcessInfo.processInfo.activeProcessorCount ? "" : " (\(BLAS.availableCores) in this process's affinity mask)")
      BLAS: OpenBLAS core \(BLAS.coreName)\(coreType), \(BLAS.threadCount) threads; elementwise kernels: \(BLAS.elementwiseInstructionSet)
      date: \(ISO8601DateFormatter().string(from: Date()))\(env["NCL_BENCH_CLOCK"] == "cpu" ? "; times are the main thread's CPU time" : "")
      """
  }
}

/// Median wall time (or thread CPU time, see below) of `body` in milliseconds, after warm-up,
/// over enough repetitions to be stable.
func measure(minimumSeconds: Double = 0.3, warmup: Int = 2, _ body: () -> Void) -> Double {
  for _ in 0..<warmup { body() }
  var samples: [Double] = []
  let clock = ContinuousClock()
  let start = clock.now
  // NCL_BENCH_CLOCK=cpu: the calling thread's CPU time instead of wall time. With
  // NCL_BENCH_THREADS=1 it compares code on a busy machine, where wall time measures the others' load.
  func cpu() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) * 1e3 + Double(ts.tv_nsec) * 1e-6
  }
  let useCPU = ProcessInfo.processInfo.environment["NCL_BENCH_CLOCK"] == "cpu"
  repeat {
    let t0 = clock.now, c0 = cpu()
    body()
    samples.append(useCPU ? cpu() - c0 : (clock.now - t0).milliseconds)
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
