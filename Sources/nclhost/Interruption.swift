// Ctrl-C during training: finish the step, write a checkpoint, exit.
import Foundation

enum Interruption {
  /// Set by the SIGINT handler; read by the trainer between steps. A plain flag is enough: the
  /// handler only ever stores true, and the trainer only reads it.
  nonisolated(unsafe) static var requested = false

  static func install() {
    signal(SIGINT) { _ in
      if Interruption.requested { _exit(130) }  // a second Ctrl-C stops at once
      Interruption.requested = true
    }
  }
}
