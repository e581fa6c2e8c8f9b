// Facts about the BLAS library that runs matrix products: core, threads.
import COpenBLAS

/// The OpenBLAS build in use. Benchmarks print `coreName`: `OPENBLAS_CORETYPE` in the
/// environment can pick a slower kernel than the CPU supports, and we report it rather than
/// override it.
public enum BLAS {
  /// The CPU kernel family OpenBLAS dispatches to, e.g. "Haswell" or "SkylakeX".
  public static var coreName: String { String(cString: openblas_get_corename()) }

  public static var threadCount: Int { Int(openblas_get_num_threads()) }

  /// Sets how many threads gemm may use.
  public static func setThreadCount(_ count: Int) {
    precondition(count >= 1, "BLAS thread count must be at least 1, got \(count)")
    openblas_set_num_threads(Int32(count))
  }

  /// Configuration string of the library (version, build options).
  public static var configuration: String { String(cString: openblas_get_config()) }
}
