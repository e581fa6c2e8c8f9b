// The low-rank form of the divergence-free term: a full time-only part plus K x-dependent planes.

extension DivergenceFreeTerm {
  /// psi(t) = [1, phi(t)], [batch, T]: the time basis of A(t) and of the planes.
  func timeBasis(_ t: Tensor<Scalar>, batch: Int) -> Tensor<Scalar> {
    let features = timeFeatures(t)
    let rows = features.shape[0]
    return Tensor.concatenate([.ones([rows, 1]), features], alongAxis: 1).broadcast(to: [batch, features.shape[1] + 1])
  }

  /// The planes' vectors a_k(t) and b_k(t) at the time basis psi [batch, T] (`timeBasis`),
  /// [batch, K, D] each.
  func planeVectors(_ psi: Tensor<Scalar>, planes: Tensor<Scalar>) -> (a: Tensor<Scalar>, b: Tensor<Scalar>) {
    let batch = psi.shape[0], d = dimension, k = form.planeCount(dimension: d)
    let vectors = Tensor.matmul(psi, planes)
    return (vectors.slice(alongAxis: 1, 0..<k * d).reshaped([batch, k, d]),
            vectors.slice(alongAxis: 1, k * d..<2 * k * d).reshaped([batch, k, d]))
  }

  /// A(t) + sum_k c_k (a_k b_k^T - b_k a_k^T), [batch, D, D].
  func lowRankMatrix(t: Tensor<Scalar>, x: Tensor<Scalar>) -> Tensor<Scalar> {
    guard let timeMatrices, let planes else { preconditionFailure("a low-rank divergence-free term without its parameters") }
    let batch = x.shape[0], d = dimension, k = form.planeCount(dimension: d)
    let psi = timeBasis(t, batch: batch)
    let antisymmetric = (timeMatrices - timeMatrices.transposed()).reshaped([psi.shape[1], d * d])
    let timeOnly = Tensor.matmul(psi, antisymmetric).reshaped([batch, d, d])
    let (a, b) = planeVectors(psi, planes: planes)
    let outer = a.reshaped([batch, k, d, 1]) * b.reshaped([batch, k, 1, d])
    let wedge = outer - outer.transposed()
    return timeOnly + (networkOutput(t: t, x: x).reshaped([batch, k, 1, 1]) * wedge).sum(alongAxis: 1)
  }

  /// b / rho = A(t) s + sum_k [a_k (b_k . v_k) - b_k (a_k . v_k)], v_k = grad c_k + c_k s,
  /// for M = A(t) + sum_k c_k (a_k b_k^T - b_k a_k^T): the A(t) part has no divergence (it does
  /// not depend on x), and the k-th plane's is (a_k b_k^T - b_k a_k^T) grad c_k.
  func lowRankVelocity(t: Tensor<Scalar>, x: Tensor<Scalar>, score: Tensor<Scalar>, createGraph: Bool) -> Tensor<Scalar> {
    guard let timeMatrices, let planes else { preconditionFailure("a low-rank divergence-free term without its parameters") }
    let batch = x.shape[0], d = dimension, k = form.planeCount(dimension: d)
    let psi = timeBasis(t, batch: batch)
    let basis = psi.shape[1]
    // A(t) s = sum_f psi_f (P_f - P_f^T) s: one product with the T antisymmetric matrices stacked.
    let antisymmetric = (timeMatrices - timeMatrices.transposed()).reshaped([basis * d, d])
    let perBasis = Tensor.matmul(score, antisymmetric, transposeB: true).reshaped([batch, basis, d])
    let timeOnly = (perBasis * psi.reshaped([batch, basis, 1])).sum(alongAxis: 1)
    // The planes and their amplitudes.
    let (a, b) = planeVectors(psi, planes: planes)
    let c = networkOutput(t: t, x: x)
    let gradients = (0..<k).map { plane in
      gradient(of: [c.slice(alongAxis: 1, plane..<plane + 1).sum()], wrt: [x], createGraph: createGraph)[0].reshaped([batch, 1, d])
    }
    let v = Tensor.concatenate(gradients, alongAxis: 1) + c.reshaped([batch, k, 1]) * score.reshaped([batch, 1, d])
    let bv = (b * v).sum(alongAxis: 2, keepingDimension: true)
    let av = (a * v).sum(alongAxis: 2, keepingDimension: true)
    return timeOnly + (a * bv - b * av).sum(alongAxis: 1)
  }
}
