// Keeps large tensor buffers in the heap so that reusing them costs no page faults.

/// glibc's mallopt (declared in <malloc.h>, which the Glibc module does not export).
@_silgen_name("mallopt")
private func mallopt(_ parameter: Int32, _ value: Int32) -> Int32

enum Allocation {
  /// glibc serves blocks above 128 KiB (adaptively up to 32 MiB) with fresh mmap'd pages, which
  /// the kernel zero-fills on first touch: every op's output would pay page faults. Raising the
  /// thresholds keeps freed buffers in the heap for the next op, as a caching allocator would.
  static let configured: Bool = {
    #if os(Linux)
    let mmapThreshold: Int32 = -3, trimThreshold: Int32 = -1  // M_MMAP_THRESHOLD, M_TRIM_THRESHOLD
    _ = mallopt(mmapThreshold, 512 << 20)
    _ = mallopt(trimThreshold, 1024 << 20)
    #endif
    return true
  }()
}
