// The dense form of the divergence-free term: every entry of M from the network.

extension DivergenceFreeTerm {
  /// M(t, x) of the dense form, [batch, D, D].
  func denseMatrix(t: Tensor<Scalar>, x: Tensor<Scalar>) -> Tensor<Scalar> {
    guard let assembly else { preconditionFailure("a dense divergence-free term without its assembly") }
    return Tensor.matmul(networkOutput(t: t, x: x), assembly).reshaped([x.shape[0], dimension, dimension])
  }

  /// div M + M score by D forward-mode passes, one per coordinate.
  func denseVelocity(t: Tensor<Scalar>, x: Tensor<Scalar>, score: Tensor<Scalar>, createGraph: Bool) -> Tensor<Scalar> {
    let batch = x.shape[0]
    let m = denseMatrix(t: t, x: x)
    var divergence = Tensor<Scalar>.zeros([batch, dimension])
    for j in 0..<dimension {
      let direction = Tensor<Scalar>(shape: [batch, dimension], scalars: (0..<batch * dimension).map { $0 % dimension == j ? 1 : 0 })
      let dm = jvp(of: m, wrt: x, tangent: direction, createGraph: createGraph)
      divergence = divergence + dm.slice(alongAxis: 2, j..<j + 1).reshaped([batch, dimension])
    }
    return divergence + (m * score.reshaped([batch, 1, dimension])).sum(alongAxis: 2)
  }
}
