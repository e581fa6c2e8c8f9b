// The obstacles' smooth barrier as a function the host differentiates through its VJP.
import NCLPluginKit

/// B(x) = sum over obstacles of width * softplus((margin - d(x)) / width) for points x [n, 2], [n]: computed in
/// Double by `Obstacle` (tested against finite differences), entering the loss through
/// `host.apply`, so the pathwise gradient reaches the samples through its VJP. Keep it in the
/// objective's state (the host calls the VJP after `loss` returns).
final class ObstacleBarrier {
  let obstacles: [Obstacle]
  let width, margin: Double
  private(set) lazy var function = DifferentiableFunction(
    name: "obstacle_barrier",
    forward: { [unowned self] inputs, _ in self.values(inputs[0].values) },
    vjp: { [unowned self] inputs, _, outputGradient in [self.vectorJacobianProduct(inputs[0].values, outputGradient.values)] })

  init(obstacles: [Obstacle], width: Double, margin: Double = 0) {
    self.obstacles = obstacles
    self.width = width
    self.margin = margin
  }

  /// B at each row of points (row-major [n, 2]).
  func values(_ points: [Double]) -> [Double] {
    (0..<(points.count / 2)).map { i in
      obstacles.reduce(0) { $0 + $1.barrier(points[2 * i], points[2 * i + 1], width: width, margin: margin) }
    }
  }

  /// sum_i v_i grad B(x_i), row-major [n, 2].
  func vectorJacobianProduct(_ points: [Double], _ v: [Double]) -> [Double] {
    var out = [Double](repeating: 0, count: points.count)
    for i in 0..<(points.count / 2) {
      for o in obstacles {
        let g = o.barrierGradient(points[2 * i], points[2 * i + 1], width: width, margin: margin)
        out[2 * i] += v[i] * g.0
        out[2 * i + 1] += v[i] * g.1
      }
    }
    return out
  }

  /// B of host points x [n, 2], [n].
  func callAsFunction(host: PluginHost, _ x: PluginTensor) throws -> PluginTensor {
    try host.apply(function, to: [x], outputShape: [x.shape?.first ?? 0])
  }
}
