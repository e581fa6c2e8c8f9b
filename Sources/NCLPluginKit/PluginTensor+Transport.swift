// Host tensors as TransportTensor, so plugins compute NCLSupport's transport loss.
import NCLSupport

extension PluginTensor: TransportTensor {
  public func scaled(by scale: Double) -> PluginTensor { affine(scale: scale) }
  public func rowSums() -> PluginTensor { sum(axis: -1) }
  public func elementSum() -> PluginTensor { sum() }
  public func elementMean() -> PluginTensor { mean() }
}
