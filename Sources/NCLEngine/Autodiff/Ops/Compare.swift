// Comparisons and finiteness tests: 0/1 masks that are constants, never recorded on the tape.

// Masks feed `select` (`where`), `minimum`, `maximum` and the weights of a loss. They are
// piecewise constant in their inputs, so their derivative is zero wherever it exists: they are
// returned as constants even when an input requires a gradient, and no op label is recorded.
extension Tensor {
  /// Runs a broadcasting comparison kernel; the result is a constant.
  private func comparing(_ kernel: BinaryKernel, _ other: Tensor, _ op: String) -> Tensor {
    let (shape, storage) = Tensor.combining(kernel, self, other, op: op)
    return Tensor(shape: shape, storage: storage)
  }

  /// 1 where self < other, else 0, broadcast as NumPy does. False (0) wherever either is NaN.
  /// A constant: it carries no gradient.
  public func less(_ other: Tensor) -> Tensor { comparing(.less, other, "less") }

  /// 1 where self <= other, else 0, broadcast as NumPy does. False (0) wherever either is NaN.
  /// A constant: it carries no gradient.
  public func lessOrEqual(_ other: Tensor) -> Tensor { comparing(.lessOrEqual, other, "lessOrEqual") }

  /// 1 where self > other, else 0, broadcast as NumPy does. False (0) wherever either is NaN.
  /// A constant: it carries no gradient.
  public func greater(_ other: Tensor) -> Tensor { comparing(.greater, other, "greater") }

  /// 1 where self >= other, else 0, broadcast as NumPy does. False (0) wherever either is NaN.
  /// A constant: it carries no gradient.
  public func greaterOrEqual(_ other: Tensor) -> Tensor { comparing(.greaterOrEqual, other, "greaterOrEqual") }

  /// 1 where self == other, else 0, broadcast as NumPy does (0 == -0; NaN equals nothing, not
  /// even itself). A constant: it carries no gradient.
  public func equal(_ other: Tensor) -> Tensor { comparing(.equal, other, "equal") }

  /// 1 where self != other, else 0, broadcast as NumPy does (1 wherever either is NaN, so
  /// `x.notEqual(x)` marks the NaNs of x). A constant: it carries no gradient.
  public func notEqual(_ other: Tensor) -> Tensor { comparing(.notEqual, other, "notEqual") }

  /// 1 where the element is finite, 0 at NaN, +infinity and -infinity; shaped like self.
  /// A constant: it carries no gradient. With `select`, it guards a computation against
  /// overflowed or undefined elements without letting them reach the result.
  public func isFinite() -> Tensor { Tensor(shape: shape, storage: applying(.isFinite)) }
}
