// Facts about the BLAS library that runs matrix products: core, threads.
import COpenBLAS

/// The OpenBLAS build in use. Benchmarks print `coreName`: `OPENBLAS_CORETYPE` in the
/// environment can pick a slower kernel than the CPU supports, and we report it rather than
/// override it.
public enum BLAS {
  /// The CPU kernel family OpenBLAS dispatches to, e.g. "Haswell" or "SkylakeX".
  public static var coreName: String { String(cString: openblas_get_corename()) }

  /// How many cores a matrix product (and a long elementwise loop) may use.
  public static var threadCount: Int { Parallel.threads }

  /// Sets how many cores matrix products may use. The engine splits each product into blocks
  /// itself and runs OpenBLAS single-threaded on each: OpenBLAS's own threads spin between
  /// calls, taking the cores the elementwise kernels need in between.
  public static func setThreadCount(_ count: Int) {
    precondition(count >= 1, "BLAS thread count must be at least 1, got \(count)")
    Parallel.threads = count
  }

  /// OpenBLAS's own threading off, once, before the first product.
  static let singleThreaded: Void = openblas_set_num_threads(1)

  /// The vector instruction set of the engine's own elementwise kernels on this CPU
  /// ("avx512f", "avx2" or "sse2"); benchmarks print it next to the BLAS core.
  public static var elementwiseInstructionSet: String { FastMath.instructionSet }

  /// Configuration string of the library (version, build options).
  public static var configuration: String { String(cString: openblas_get_config()) }
}
