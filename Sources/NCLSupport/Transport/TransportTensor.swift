// The tensor operations the transport loss is written with, so that host and plugins share it.

/// A differentiable tensor that `TransportLoss` can compute with.
///
/// The host's `Tensor` (NCLHost) and a plugin's `PluginTensor` (NCLPluginKit, tensors of the C
/// ABI) conform, so `nclhost demo` and the DynamicalOT plugin evaluate one implementation of the
/// loss. Every operation must be differentiable (to any order) except `detached()`, which cuts
/// differentiation; shapes broadcast with NumPy's rules.
public protocol TransportTensor {
  static func + (a: Self, b: Self) -> Self
  static func - (a: Self, b: Self) -> Self
  static func * (a: Self, b: Self) -> Self
  static prefix func - (a: Self) -> Self
  /// `scale` times every element.
  func scaled(by scale: Double) -> Self
  func exp() -> Self
  func squared() -> Self
  /// The sums along the last axis of a [n, D] tensor: [n].
  func rowSums() -> Self
  /// The sum of every element: a scalar.
  func elementSum() -> Self
  /// The mean of every element: a scalar.
  func elementMean() -> Self
  /// The same values, cut from differentiation.
  func detached() -> Self
  /// The number of elements.
  var count: Int { get }
}
