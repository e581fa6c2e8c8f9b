// `nclhost mpi-check`: whether MPI works across a job's processes, before a long run relies on it.
import ArgumentParser
import Foundation
import NCLHost

extension NCLHostCommand {
  struct MPICheck: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "mpi-check",
      abstract: "Check the collectives of a data-parallel job: run it as `mpirun -np N nclhost mpi-check`.",
      discussion: """
        Every rank contributes known values to the all-reduces and the broadcast that training uses; \
        each checks the results it gets, and rank 0 prints the ranks' hosts, whether every result was \
        right, and how long an all-reduce of --count doubles took (about one model's gradient).
        """)

    @Option(help: "Doubles per all-reduce (a model's parameter count is typical).")
    var count = 100_000

    func run() throws {
      guard count >= 1 else { throw ValidationError("--count must be at least 1, got \(count)") }
      let group = try ProcessGroup.fromEnvironment(ProcessInfo.processInfo.environment)
      defer { group.finish() }
      let (rank, size) = (group.rank, group.size)
      var failures: [String] = []

      // Sum: rank r gives (r + 1) * (i + 1); the sum is (i + 1) * size (size + 1) / 2, exactly.
      var values = (0..<count).map { Double(rank + 1) * Double($0 + 1) }
      let clock = ContinuousClock()
      let start = clock.now
      try group.allReduceSum(&values)
      let elapsed = clock.now - start
      let ranksSum = Double(size * (size + 1) / 2)
      if let i = (0..<count).first(where: { values[$0] != Double($0 + 1) * ranksSum }) {
        failures.append("all-reduce sum: element \(i) is \(values[i]), not \(Double(i + 1) * ranksSum)")
      }
      // Maximum: rank r gives r and -r; the results are size - 1 and 0.
      var extremes = [Double(rank), -Double(rank)]
      try group.allReduceMaximum(&extremes)
      if extremes != [Double(size - 1), 0] { failures.append("all-reduce maximum gave \(extremes), not [\(size - 1), 0]") }
      // Broadcast: rank 0's host name and a byte pattern longer than any one message header.
      let host = ProcessInfo.processInfo.hostName
      var bytes = rank == 0 ? Array(host.utf8) + (0..<4096).map { UInt8($0 % 251) } : [UInt8(rank)]
      try group.broadcast(&bytes, from: 0)
      let pattern = (0..<4096).map { UInt8($0 % 251) }
      if bytes.count < 4096 || Array(bytes.suffix(4096)) != pattern { failures.append("broadcast from rank 0 arrived changed") }

      // Every rank's verdict and host reach rank 0 through one more all-reduce.
      var verdicts = [Double](repeating: 0, count: size)
      verdicts[rank] = failures.isEmpty ? 1 : -1
      try group.allReduceSum(&verdicts)
      for failure in failures { FileHandle.standardError.write(Data("rank \(rank) on \(host): \(failure)\n".utf8)) }
      guard group.isLeader else {
        if !failures.isEmpty { throw ExitCode.failure }
        return
      }
      let milliseconds = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1e3
      let bad = verdicts.indices.filter { verdicts[$0] != 1 }
      print("\(size) rank\(size == 1 ? "" : "s")\(size == 1 ? " (not under mpirun)" : ""); rank 0 on \(host)")
      print(String(format: "all-reduce of %d doubles (%.1f MB): %.2f ms on rank 0", count, Double(count * 8) / 1e6, milliseconds))
      if bad.isEmpty {
        print("all-reduce sum, all-reduce maximum and broadcast: correct on every rank")
      } else {
        print("wrong results on rank\(bad.count == 1 ? "" : "s") \(bad.map(String.init).joined(separator: ", ")) (details above)")
        throw ExitCode.failure
      }
    }
  }
}
