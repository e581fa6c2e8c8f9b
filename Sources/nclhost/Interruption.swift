// Ctrl-C, SIGTERM or SIGUSR1 during training: finish the step, write a checkpoint, exit.
import Foundation

enum Interruption {
  /// Set by the signal handler; read by the trainer between steps. A plain flag is enough: the
  /// handler only ever stores true, and the trainer only reads it.
  nonisolated(unsafe) static var requested = false

  /// SIGINT is Ctrl-C; SIGTERM is what batch schedulers send before they kill a job at its time
  /// limit; SIGUSR1 is the signal Open MPI's mpirun passes on to every rank (its own Ctrl-C kills
  /// the job at once), so `kill -USR1 <mpirun's pid>` stops a multi-rank run with a checkpoint.
  static func install() {
    for signalNumber in [SIGINT, SIGTERM, SIGUSR1] {
      signal(signalNumber) { _ in
        if Interruption.requested { _exit(130) }  // a second signal stops at once
        Interruption.requested = true
      }
    }
  }
}
