// The processes a training run is spread over, and the collective operations training needs.

/// One process's view of a data-parallel job: its rank among `size` processes, and the
/// collectives the trainer synchronizes them with. Every rank must call each collective in the
/// same order with the same lengths; the trainer does, step by step.
///
/// `SingleProcess` (no MPI at all) is the default; `MPICommunicator` runs under `mpirun`.
public protocol Communicator: AnyObject {
  /// This process's rank, 0..<size; rank 0 alone writes files and prints progress.
  var rank: Int { get }
  /// The number of processes of the job.
  var size: Int { get }
  /// Element-wise sum over every rank, in place: each rank ends with the same values.
  func allReduceSum(_ values: inout [Double]) throws
  /// Element-wise maximum over every rank, in place.
  func allReduceMaximum(_ values: inout [Double]) throws
  /// Rank `root`'s bytes on every rank (the others' input is replaced, whatever its length).
  func broadcast(_ bytes: inout [UInt8], from root: Int) throws
  /// Ends every process of the job after printing `message`: a rank that cannot go on must not
  /// leave the others waiting in a collective.
  func abort(_ message: String) -> Never
  /// Ends the job's communication (MPI_Finalize); call once, after the last collective.
  func finish()
}

extension Communicator {
  /// Whether this rank writes the run's files and prints (rank 0).
  public var isLeader: Bool { rank == 0 }
}

/// A job of one process: every collective is the identity.
public final class SingleProcess: Communicator {
  public init() {}
  public var rank: Int { 0 }
  public var size: Int { 1 }
  public func allReduceSum(_ values: inout [Double]) {}
  public func allReduceMaximum(_ values: inout [Double]) {}
  public func broadcast(_ bytes: inout [UInt8], from root: Int) {}
  public func abort(_ message: String) -> Never { fatalError(message) }
  public func finish() {}
}

/// The communicator of this process: MPI when an MPI launcher started it, else one process.
public enum ProcessGroup {
  /// How many ranks of the job run on this machine (Open MPI's OMPI_COMM_WORLD_LOCAL_SIZE; 1
  /// outside mpirun): they share its cores, so each should use its share of them.
  public static func localRanks(_ environment: [String: String]) -> Int {
    environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap(Int.init).map { Swift.max($0, 1) } ?? 1
  }

  /// Open MPI's `mpirun` sets OMPI_COMM_WORLD_SIZE in every process it starts; without it the
  /// process is alone and MPI is never loaded, so a machine without MPI runs nclhost as before.
  public static func fromEnvironment(_ environment: [String: String]) throws -> any Communicator {
    guard let size = environment["OMPI_COMM_WORLD_SIZE"] else {
      if environment["PMI_SIZE"] != nil || environment["PMIX_RANK"] != nil {
        throw NCLError.invalidArgument(
          "started by an MPI launcher other than Open MPI's mpirun (PMI_SIZE or PMIX_RANK is set, OMPI_COMM_WORLD_SIZE is not): NCL runs on Open MPI only")
      }
      return SingleProcess()
    }
    guard Int(size) != nil else { throw NCLError.invalidArgument("OMPI_COMM_WORLD_SIZE is \"\(size)\", not a number") }
    return try MPICommunicator()
  }
}

extension Communicator {
  /// Runs `body` on rank 0 alone and gives its bytes to every rank. If it throws, rank 0
  /// rethrows its error and the others throw one that points to rank 0's: all fail together.
  public func fromLeader(_ body: () throws -> [UInt8]) throws -> [UInt8] {
    guard size > 1 else { return try body() }
    var message: [UInt8] = []
    var failure: Error? = nil
    if isLeader {
      do { message = [0] + (try body()) } catch {
        failure = error
        message = [1] + Array("\(error)".utf8)
      }
    }
    try broadcast(&message, from: 0)
    if let failure { throw failure }
    guard let status = message.first else { throw NCLError.invalidArgument("rank \(rank): rank 0 sent nothing") }
    if status != 0 { throw NCLError.invalidArgument("rank 0 failed: \(String(decoding: message.dropFirst(), as: UTF8.self))") }
    return Array(message.dropFirst())
  }
}
