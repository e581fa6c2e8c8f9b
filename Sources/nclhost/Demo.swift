// `nclhost demo`: the built-in default problem.
import ArgumentParser
import NCLHost

extension NCLHostCommand {
  struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Run the built-in default problem.")

    func run() throws {
      print("nclhost \(NCLVersion.string): engine ready (BLAS core \(BLAS.coreName), \(BLAS.threadCount) threads).")
    }
  }
}
