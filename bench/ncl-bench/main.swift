// ncl-bench: the project's benchmarks. `swift run -c release ncl-bench [engine|kernels|ref-ot2d|query] [--quick]`.
import Foundation
import NCLHost

let arguments = Array(CommandLine.arguments.dropFirst())
let quick = arguments.contains("--quick")
let names = arguments.filter { !$0.hasPrefix("--") }
let benchmarks: [String: (Bool) -> Void] = [
  "engine": EngineBenchmark.run,
  "kernels": KernelBenchmark.run,
  "ref-ot2d": ReferenceOT2D.run,
  "query": QueryBenchmark.run,
  "dot-scaling": DynamicalOTScaling.run,
]

// `NCL_BENCH_THREADS`: cores for matrix products and elementwise loops (default 2, the reference setting).
BLAS.setThreadCount(Int(ProcessInfo.processInfo.environment["NCL_BENCH_THREADS"] ?? "2") ?? 2)

let selected = names.isEmpty ? benchmarks.keys.sorted() : names
for name in selected {
  guard let run = benchmarks[name] else {
    FileHandle.standardError.write("ncl-bench: unknown benchmark '\(name)'; choose from \(benchmarks.keys.sorted().joined(separator: ", "))\n".data(using: .utf8)!)
    exit(2)
  }
  print(MachineReport.header())
  run(quick)
}
