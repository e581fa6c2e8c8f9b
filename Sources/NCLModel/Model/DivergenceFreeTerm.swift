// The learned divergence-free flux b = div(rho M), M an antisymmetric matrix field.

/// b_i = sum_j d_j (rho M_ij) with M_theta(t, x) antisymmetric, so div b = sum_ij d_i d_j (rho M_ij)
/// = 0 and adding b to the flux leaves the continuity equation intact while freeing the velocity
/// of a given density path (toward kinetic optimality). In drift form it is bounded where rho is
/// small: b / rho = div M + M grad log rho.
///
/// How M is parameterized is the configuration's `DivergenceFreeForm`: `.lowRank` (the default,
/// about linear in D) or `.dense` (every entry from the network; the form of models saved before
/// the low-rank one existed).
public struct DivergenceFreeTerm<Scalar: TensorScalar> {
  public let dimension: Int
  public let timeFeatures: TimeFeatures
  public let form: DivergenceFreeForm
  /// `.dense`: (t, x) -> the D(D-1)/2 entries above M's diagonal. `.lowRank`: (t, x) -> the
  /// amplitudes c_k of the planes.
  public var network: MLP<Scalar>
  /// `.lowRank`: P [T, D, D], A(t) = sum_f psi_f(t) (P_f - P_f^T) over the time basis
  /// psi(t) = [1, phi(t)] (T = its size); nil for `.dense`.
  public var timeMatrices: Tensor<Scalar>?
  /// `.lowRank`: Q [T, 2 K D], (a_1..a_K, b_1..b_K)(t) = psi(t) Q, the planes a_k ^ b_k; nil for `.dense`.
  public var planes: Tensor<Scalar>?
  /// `.dense`: [D(D-1)/2, D*D], +1 at (i, j) and -1 at (j, i) for each upper entry; a constant.
  let assembly: Tensor<Scalar>?

  public init(
    dimension: Int, timeFeatures: TimeFeatures, hiddenSizes: [Int], activation: Activation,
    form: DivergenceFreeForm = .dense, generator: inout SeededGenerator
  ) {
    precondition(dimension >= 2, "the divergence-free term needs dimension >= 2")
    self.dimension = dimension
    self.timeFeatures = timeFeatures
    self.form = form
    let pairs = (0..<dimension).flatMap { i in (i + 1..<dimension).map { j in (i, j) } }
    // The network's outputs: one per entry above the diagonal (dense), one amplitude per plane (low rank).
    let outputs = form.planeCount(dimension: dimension)
    var network = MLP<Scalar>(
      inputSize: timeFeatures.count + dimension, hiddenSizes: hiddenSizes, outputSize: outputs,
      activation: activation, generator: &generator)
    // Start from b close to 0: the model begins as the plain construction.
    let last = network.weights.count - 1
    network.weights[last] = network.weights[last] * Scalar(0.01)
    network.biases[last] = network.biases[last] * Scalar(0)
    self.network = network
    switch form {
    case .dense:
      var entries = [Scalar](repeating: 0, count: pairs.count * dimension * dimension)
      for (p, (i, j)) in pairs.enumerated() {
        entries[p * dimension * dimension + i * dimension + j] = 1
        entries[p * dimension * dimension + j * dimension + i] = -1
      }
      assembly = Tensor(shape: [pairs.count, dimension * dimension], scalars: entries)
      timeMatrices = nil
      planes = nil
    case .lowRank:
      assembly = nil
      let basis = timeFeatures.count + 1, bound = 1 / Scalar(basis).squareRoot()
      // A(t) starts near 0 like the network's output; the planes at the scale of a linear layer.
      timeMatrices = Tensor.randomUniform([basis, dimension, dimension], lower: -bound, upper: bound, using: &generator) * Scalar(0.01)
      planes = Tensor.randomUniform([basis, 2 * outputs * dimension], lower: -bound, upper: bound, using: &generator)
    }
  }

  /// b / rho = div M + M score, [batch, D]. `x` must be on the tape (a leaf or an intermediate),
  /// so that div M can be taken by automatic differentiation.
  public func velocity(t: Tensor<Scalar>, x: Tensor<Scalar>, score: Tensor<Scalar>, createGraph: Bool) -> Tensor<Scalar> {
    switch form {
    case .dense: return denseVelocity(t: t, x: x, score: score, createGraph: createGraph)
    case .lowRank: return lowRankVelocity(t: t, x: x, score: score, createGraph: createGraph)
    }
  }

  /// M(t, x) as [batch, D, D]; t is [batch, 1] or [1, 1]. The velocity never forms it (for
  /// `.lowRank` that would cost O(K D^2) per point); for inspection and tests.
  public func matrix(t: Tensor<Scalar>, x: Tensor<Scalar>) -> Tensor<Scalar> {
    switch form {
    case .dense: return denseMatrix(t: t, x: x)
    case .lowRank: return lowRankMatrix(t: t, x: x)
    }
  }

  /// The network's output at (t, x), t [batch, 1] or [1, 1]: [batch, outputs].
  func networkOutput(t: Tensor<Scalar>, x: Tensor<Scalar>) -> Tensor<Scalar> {
    let features = timeFeatures(t)
    return network(Tensor.concatenate([features.broadcast(to: [x.shape[0], features.shape[1]]), x], alongAxis: 1))
  }

  /// The network's parameters, then (`.lowRank`) the time matrices and the planes.
  public var parameters: [Tensor<Scalar>] {
    get { network.parameters + [timeMatrices, planes].compactMap { $0 } }
    set {
      let split = network.parameters.count
      network.parameters = Array(newValue[..<split])
      if form == .dense {
        precondition(newValue.count == split, "\(newValue.count) parameters for a dense divergence-free term with \(split)")
      } else {
        precondition(newValue.count == split + 2, "\(newValue.count) parameters for a low-rank divergence-free term with \(split + 2)")
        timeMatrices = newValue[split]
        planes = newValue[split + 1]
      }
    }
  }
}

/// How the antisymmetric M(t, x) of the divergence-free term is parameterized.
public enum DivergenceFreeForm: Codable, Equatable, Sendable {
  /// The network outputs all D(D-1)/2 entries above the diagonal, and div M takes D forward-mode
  /// passes through it: general, but O(D^4) per point (the assembly) and slow from D = 16 on.
  case dense
  /// M(t, x) = A(t) + sum_k c_k(t, x) (a_k(t) b_k(t)^T - b_k(t) a_k(t)^T), k < K =
  /// min(planes, D(D-1)/2): a full antisymmetric A(t) (which carries every density-preserving
  /// linear correction of a Gaussian path, M Sigma^-1 (x - mu)) plus K planes whose amplitudes
  /// c_k come from the network. div M = sum_k (a_k b_k^T - b_k a_k^T) grad c_k needs K gradient
  /// passes of the small network; the rest is O(K D) per point, and A(t) s O(T D^2) (no network).
  /// In D = 2 (one plane) and D = 3 (three) it spans every antisymmetric field, like `.dense`.
  case lowRank(planes: Int)

  /// The default of new models.
  public static let `default` = DivergenceFreeForm.lowRank(planes: 4)

  /// K, the planes whose amplitudes the network outputs (`.lowRank`); for `.dense`, the D(D-1)/2
  /// entries above the diagonal (each one plane e_i ^ e_j).
  public func planeCount(dimension: Int) -> Int {
    switch self {
    case .dense: return dimension * (dimension - 1) / 2
    case .lowRank(let planes): return Swift.min(planes, dimension * (dimension - 1) / 2)
    }
  }
}
