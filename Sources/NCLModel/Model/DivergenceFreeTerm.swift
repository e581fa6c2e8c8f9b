// The learned divergence-free flux b = div(rho M), M an antisymmetric matrix field.

/// b_i = sum_j d_j (rho M_ij) with M_theta(t, x) antisymmetric, so div b = sum_ij d_i d_j (rho M_ij)
/// = 0 and adding b to the flux leaves the continuity equation intact while freeing the velocity
/// of a given density path (toward kinetic optimality). In drift form it is bounded where rho is
/// small: b / rho = div M + M grad log rho.
public struct DivergenceFreeTerm<Scalar: TensorScalar> {
  public let dimension: Int
  public let timeFeatures: TimeFeatures
  /// (t, x) -> the D(D-1)/2 entries above M's diagonal.
  public var network: MLP<Scalar>
  /// [D(D-1)/2, D*D]: +1 at (i, j), -1 at (j, i) for each upper entry; a constant.
  let assembly: Tensor<Scalar>

  public init(dimension: Int, timeFeatures: TimeFeatures, hiddenSizes: [Int], activation: Activation, generator: inout SeededGenerator) {
    precondition(dimension >= 2, "the divergence-free term needs dimension >= 2")
    self.dimension = dimension
    self.timeFeatures = timeFeatures
    let pairs = (0..<dimension).flatMap { i in (i + 1..<dimension).map { j in (i, j) } }
    var network = MLP<Scalar>(
      inputSize: timeFeatures.count + dimension, hiddenSizes: hiddenSizes, outputSize: pairs.count,
      activation: activation, generator: &generator)
    // Start from b close to 0: the model begins as the plain construction.
    let last = network.weights.count - 1
    network.weights[last] = network.weights[last] * Scalar(0.01)
    network.biases[last] = network.biases[last] * Scalar(0)
    self.network = network
    var entries = [Scalar](repeating: 0, count: pairs.count * dimension * dimension)
    for (p, (i, j)) in pairs.enumerated() {
      entries[p * dimension * dimension + i * dimension + j] = 1
      entries[p * dimension * dimension + j * dimension + i] = -1
    }
    assembly = Tensor(shape: [pairs.count, dimension * dimension], scalars: entries)
  }

  /// M(t, x) as [batch, D, D]; t is [batch, 1] or [1, 1].
  public func matrix(t: Tensor<Scalar>, x: Tensor<Scalar>) -> Tensor<Scalar> {
    let features = timeFeatures(t)
    let upper = network(Tensor.concatenate([features.broadcast(to: [x.shape[0], features.shape[1]]), x], alongAxis: 1))
    return Tensor.matmul(upper, assembly).reshaped([x.shape[0], dimension, dimension])
  }

  /// b / rho = div M + M score, [batch, D]. `x` must be on the tape (a leaf or an intermediate)
  /// so that div M can be taken by forward mode, one pass per coordinate.
  public func velocity(t: Tensor<Scalar>, x: Tensor<Scalar>, score: Tensor<Scalar>, createGraph: Bool) -> Tensor<Scalar> {
    let batch = x.shape[0]
    let m = matrix(t: t, x: x)
    var divergence = Tensor<Scalar>.zeros([batch, dimension])
    for j in 0..<dimension {
      let direction = Tensor<Scalar>(shape: [batch, dimension], scalars: (0..<batch * dimension).map { $0 % dimension == j ? 1 : 0 })
      let dm = jvp(of: m, wrt: x, tangent: direction, createGraph: createGraph)
      divergence = divergence + dm.slice(alongAxis: 2, j..<j + 1).reshaped([batch, dimension])
    }
    return divergence + (m * score.reshaped([batch, 1, dimension])).sum(alongAxis: 2)
  }

  public var parameters: [Tensor<Scalar>] {
    get { network.parameters }
    set { network.parameters = newValue }
  }
}
