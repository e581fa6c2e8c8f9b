// Facts about the BLAS library that runs matrix products: core, threads.
import COpenBLAS
import NCLKernels
#if canImport(Glibc)
import Glibc
#endif

/// The OpenBLAS build in use. Benchmarks print `coreName`.
///
/// Before the first product the engine makes sure OpenBLAS runs the widest kernels the CPU
/// supports: an OpenBLAS older than the CPU falls back to SSE3 kernels (Debian 12's 0.3.21 on
/// a Xeon of 2023: 2-2.5x slower products), so where its choice is narrower than the CPU's
/// features the engine switches it (`ncl_blas_select_core`). An `OPENBLAS_CORETYPE` set by the
/// user is their choice and is kept, even when it is slower.
public enum BLAS {
  /// The CPU kernel family OpenBLAS dispatches to, e.g. "Haswell" or "SkylakeX".
  public static var coreName: String {
    _ = prepared
    return String(cString: openblas_get_corename())
  }

  /// The kernel family OpenBLAS chose by itself when it loaded, if the engine replaced it.
  public static var detectedCoreName: String? {
    _ = prepared
    return replacedCore
  }

  /// Kernel families at least as wide as AVX2 with FMA, which the engine never replaces.
  static let wideCores: Set<String> = ["haswell", "zen", "skylakex", "cooperlake", "sapphirerapids"]

  nonisolated(unsafe) private static var replacedCore: String?

  /// OpenBLAS single-threaded and on the CPU's widest kernels, once, before the first product.
  static let prepared: Void = {
    openblas_set_num_threads(1)
    let chosen = String(cString: openblas_get_corename())
    guard getenv("OPENBLAS_CORETYPE") == nil, let best = ncl_cpu_blas_core().map({ String(cString: $0) }) else { return }
    let isNarrower = !wideCores.contains(chosen.lowercased()) || (chosen.lowercased() == "haswell" && best == "SkylakeX")
    if isNarrower && ncl_blas_select_core(best) == 0 { replacedCore = chosen }
  }()

  /// How many cores a matrix product (and a long elementwise loop) may use.
  public static var threadCount: Int { Parallel.threads }

  /// The cores this process may run on: its affinity mask (`taskset`, cpusets, MPI binding), which
  /// can be fewer than the machine's; the default thread count.
  public static var availableCores: Int { Parallel.cores }

  /// Sets how many cores matrix products may use. The engine splits each product into blocks
  /// itself and runs OpenBLAS single-threaded on each: OpenBLAS's own threads spin between
  /// calls, taking the cores the elementwise kernels need in between.
  public static func setThreadCount(_ count: Int) {
    precondition(count >= 1, "BLAS thread count must be at least 1, got \(count)")
    Parallel.threads = count
  }


  /// The vector instruction set of the engine's own elementwise kernels on this CPU
  /// ("avx512f", "avx2" or "sse2"); benchmarks print it next to the BLAS core.
  public static var elementwiseInstructionSet: String { FastMath.instructionSet }

  /// Configuration string of the library (version, build options).
  public static var configuration: String {
    _ = prepared
    return String(cString: openblas_get_config())
  }
}
