// The host's tensors as TransportTensor, so the demo computes NCLSupport's transport loss.

extension Tensor: TransportTensor {
  public func scaled(by scale: Double) -> Tensor { Scalar(scale) * self }
  public func rowSums() -> Tensor { sum(alongAxis: rank - 1) }
  public func elementSum() -> Tensor { sum() }
  public func elementMean() -> Tensor { mean() }
}
