// The immutable, reference-counted buffer behind a Tensor.

/// A contiguous, 64-byte aligned buffer of scalars. Written once when an op creates it and
/// never mutated afterwards, so tensors can share it freely and the tape can keep it as a
/// saved value without copies. (The one exception, gradient accumulation, adds into a storage
/// only while it holds the sole reference: nothing else can see the write.)
public final class TensorStorage<Scalar: TensorScalar> {
  public let count: Int
  package let pointer: UnsafeMutablePointer<Scalar>

  /// Uninitialized storage; the creating op must write every element before sharing it.
  init(uninitializedCount count: Int) {
    self.count = count
    _ = Allocation.configured
    let raw = UnsafeMutableRawPointer.allocate(
      byteCount: max(count, 1) * MemoryLayout<Scalar>.stride, alignment: 64)
    pointer = raw.bindMemory(to: Scalar.self, capacity: max(count, 1))
  }

  convenience init(repeating value: Scalar, count: Int) {
    self.init(uninitializedCount: count)
    pointer.initialize(repeating: value, count: count)
  }

  convenience init<C: Collection>(_ values: C) where C.Element == Scalar {
    self.init(uninitializedCount: values.count)
    _ = UnsafeMutableBufferPointer(start: pointer, count: count).initialize(from: values)
  }

  deinit {
    UnsafeMutableRawPointer(pointer).deallocate()
  }

  package var buffer: UnsafeBufferPointer<Scalar> { UnsafeBufferPointer(start: pointer, count: count) }
}
