// The nclhost command: root type and subcommand list.
import ArgumentParser
import NCLHost

@main
struct NCLHostCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "nclhost",
    abstract: "Train and evaluate simulation-free diffusion dynamics (neural conservation laws).",
    version: NCLVersion.string,
    subcommands: [Demo.self, List.self, Info.self, Run.self, Sweep.self, Eval.self, Sample.self, Fields.self, Plot.self, Call.self, MPICheck.self],
    defaultSubcommand: Demo.self)

  static func main() {
    Isolation.prepareChild()  // nothing unless this process is the child of --isolate
    main(nil)
  }
}
