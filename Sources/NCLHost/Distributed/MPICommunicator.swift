// Open MPI, loaded when nclhost runs under mpirun: never linked, so the single-process binary
// needs no MPI on the machine.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// MPI_COMM_WORLD through Open MPI's C library, opened with dlopen at run time.
///
/// Open MPI's handles (MPI_COMM_WORLD, MPI_DOUBLE, MPI_SUM, ...) are the addresses of exported
/// objects (`ompi_mpi_comm_world`, ...), and MPI_IN_PLACE is the address 1: both part of its ABI,
/// stable across 4.x and 5.x (soname libmpi.so.40). MPICH's are integers: another ABI, refused.
public final class MPICommunicator: Communicator {
  public let rank: Int
  public let size: Int

  private typealias Handle = UnsafeMutableRawPointer
  private let world: Handle, double: Handle, byte: Handle, longLong: Handle, sum: Handle, maximum: Handle
  private let allReduce: @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?, Int32, Handle, Handle, Handle) -> Int32
  private let bcast: @convention(c) (UnsafeMutableRawPointer?, Int32, Handle, Int32, Handle) -> Int32
  private let mpiAbort: @convention(c) (Handle, Int32) -> Int32
  private let finalize: @convention(c) () -> Int32
  private var finished = false

  /// The library names tried, in order.
  static let libraryNames = ["libmpi.so.40", "libmpi.so"]

  public init() throws {
    var library: UnsafeMutableRawPointer?
    var reasons: [String] = []
    for name in Self.libraryNames {
      // RTLD_GLOBAL: Open MPI's own components, which it dlopens in turn, resolve against libmpi.
      library = dlopen(name, RTLD_NOW | RTLD_GLOBAL)
      if library != nil { break }
      reasons.append(String(cString: dlerror()))
    }
    guard let library else {
      throw NCLError.invalidArgument(
        "nclhost runs under mpirun, but Open MPI's library could not be loaded (\(reasons.joined(separator: "; "))); install Open MPI (Debian: apt-get install openmpi-bin)")
    }
    func symbol(_ name: String) throws -> UnsafeMutableRawPointer {
      guard let address = dlsym(library, name) else {
        throw NCLError.invalidArgument("the MPI library has no \(name): NCL runs on Open MPI (libmpi.so.40), not another MPI")
      }
      return address
    }
    func function<F>(_ name: String, _ type: F.Type) throws -> F { unsafeBitCast(try symbol(name), to: type) }

    world = try symbol("ompi_mpi_comm_world")
    double = try symbol("ompi_mpi_double")
    byte = try symbol("ompi_mpi_byte")
    longLong = try symbol("ompi_mpi_long_long_int")
    sum = try symbol("ompi_mpi_op_sum")
    maximum = try symbol("ompi_mpi_op_max")
    allReduce = try function("MPI_Allreduce", type(of: allReduce))
    bcast = try function("MPI_Bcast", type(of: bcast))
    mpiAbort = try function("MPI_Abort", type(of: mpiAbort))
    finalize = try function("MPI_Finalize", type(of: finalize))
    let initialize = try function("MPI_Init", (@convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?) -> Int32).self)
    let commRank = try function("MPI_Comm_rank", (@convention(c) (Handle, UnsafeMutablePointer<Int32>) -> Int32).self)
    let commSize = try function("MPI_Comm_size", (@convention(c) (Handle, UnsafeMutablePointer<Int32>) -> Int32).self)

    guard initialize(nil, nil) == 0 else { throw NCLError.invalidArgument("MPI_Init failed") }
    var r: Int32 = 0, s: Int32 = 0
    guard commRank(world, &r) == 0, commSize(world, &s) == 0 else { throw NCLError.invalidArgument("MPI_Comm_rank/size failed") }
    (rank, size) = (Int(r), Int(s))
  }

  /// Open MPI's MPI_IN_PLACE.
  private static let inPlace = UnsafeRawPointer(bitPattern: 1)

  private func check(_ status: Int32, _ what: String) throws {
    guard status == 0 else { throw NCLError.invalidArgument("rank \(rank): \(what) failed with MPI error \(status)") }
  }

  public func allReduceSum(_ values: inout [Double]) throws { try reduce(&values, sum, "MPI_Allreduce (sum)") }
  public func allReduceMaximum(_ values: inout [Double]) throws { try reduce(&values, maximum, "MPI_Allreduce (max)") }

  private func reduce(_ values: inout [Double], _ op: Handle, _ what: String) throws {
    let count = Int32(values.count)
    let status = values.withUnsafeMutableBytes { allReduce(Self.inPlace, $0.baseAddress, count, double, op, world) }
    try check(status, what)
  }

  public func broadcast(_ bytes: inout [UInt8], from root: Int) throws {
    var length = Int64(bytes.count)
    try check(bcast(&length, 1, longLong, Int32(root), world), "MPI_Bcast (length)")
    if rank != root { bytes = [UInt8](repeating: 0, count: Int(length)) }
    guard length > 0 else { return }
    guard length <= Int64(Int32.max) else { throw NCLError.invalidArgument("broadcast of \(length) bytes: more than MPI's 2 GiB count") }
    let status = bytes.withUnsafeMutableBytes { bcast($0.baseAddress, Int32(length), byte, Int32(root), world) }
    try check(status, "MPI_Bcast")
  }

  public func abort(_ message: String) -> Never {
    let prefix = "nclhost rank \(rank) of \(size):"
    FileHandle.standardError.write(Data("\(prefix) \(message)\n\(prefix) ending the job\n".utf8))
    _ = mpiAbort(world, 1)
    exit(1)
  }

  public func finish() {
    guard !finished else { return }
    finished = true
    _ = finalize()
  }
}
