// The n-dimensional array every NCL computation is written in.

/// An immutable n-dimensional array in row-major order, optionally recorded on the autodiff tape.
///
/// A tensor is a value: a shape, a shared immutable storage, and a `node` that is non-nil when
/// the tensor takes part in differentiation (a leaf created with `requiringGradient()`, or the
/// output of an op with such an input while recording is enabled). Ops never mutate storage, so
/// sharing is safe and the tape can keep values it saved for backward.
public struct Tensor<Scalar: TensorScalar> {
  public let shape: [Int]
  public let storage: TensorStorage<Scalar>
  /// The tape node that produced this tensor; nil for constants.
  public internal(set) var node: Node<Scalar>?

  init(shape: [Int], storage: TensorStorage<Scalar>, node: Node<Scalar>? = nil) {
    precondition(storage.count == shape.reduce(1, *), "storage of \(storage.count) elements does not fit shape \(shape)")
    self.shape = shape
    self.storage = storage
    self.node = node
  }

  /// A tensor with the given elements in row-major order.
  public init(shape: [Int], scalars: [Scalar]) {
    precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
    precondition(
      scalars.count == shape.reduce(1, *),
      "\(scalars.count) scalars do not fill shape \(shape) (\(shape.reduce(1, *)) elements)")
    self.init(shape: shape, storage: TensorStorage(scalars))
  }

  /// A tensor of `shape` with every element equal to `value`.
  public init(repeating value: Scalar, shape: [Int]) {
    precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
    self.init(shape: shape, storage: TensorStorage(repeating: value, count: shape.reduce(1, *)))
  }

  /// A rank-0 tensor.
  public init(_ value: Scalar) {
    self.init(shape: [], storage: TensorStorage([value]))
  }

  /// Rows of equal length as a rank-2 tensor.
  public init(_ rows: [[Scalar]]) {
    let width = rows.first?.count ?? 0
    precondition(rows.allSatisfy { $0.count == width }, "rows of unequal length: \(rows.map(\.count))")
    self.init(shape: [rows.count, width], scalars: rows.flatMap { $0 })
  }

  public static func zeros(_ shape: [Int]) -> Tensor { Tensor(repeating: 0, shape: shape) }
  public static func ones(_ shape: [Int]) -> Tensor { Tensor(repeating: 1, shape: shape) }

  public var rank: Int { shape.count }
  public var count: Int { storage.count }
  public var scalars: [Scalar] { Array(storage.buffer) }

  /// The single element of a tensor with one element.
  public var scalar: Scalar {
    precondition(count == 1, "scalar of a tensor of shape \(shape)")
    return storage.pointer[0]
  }

  /// Element at a multi-index, for tests and inspection.
  public subscript(_ index: Int...) -> Scalar {
    precondition(index.count == rank, "index \(index) for shape \(shape)")
    let strides = StridedLayout.contiguousStrides(shape)
    var offset = 0
    for (axis, i) in index.enumerated() {
      precondition(i >= 0 && i < shape[axis], "index \(index) out of range for shape \(shape)")
      offset += i * strides[axis]
    }
    return storage.pointer[offset]
  }

  /// Whether gradients flow to or through this tensor.
  public var requiresGradient: Bool { node != nil }

  /// The same values as a leaf of the tape, so `gradient(of:wrt:)` can differentiate with respect to it.
  public func requiringGradient() -> Tensor {
    Tensor(shape: shape, storage: storage, node: Node(leafShape: shape))
  }

  /// The same values cut from the tape: a constant.
  public func detached() -> Tensor { Tensor(shape: shape, storage: storage) }

  /// Converts element type (a copy, cut from the tape).
  public func converted<Other: TensorScalar>(to: Other.Type = Other.self) -> Tensor<Other> {
    Tensor<Other>(shape: shape, scalars: storage.buffer.map { Other($0) })
  }
}

extension Tensor: CustomStringConvertible {
  public var description: String {
    let values = count <= 16 ? "\(scalars)" : "\(Array(scalars.prefix(16)))..."
    return "Tensor<\(Scalar.typeName)>(shape: \(shape), \(values)\(requiresGradient ? ", grad" : ""))"
  }
}
