// Small random models and finite-difference probes shared by the model tests.
import NCLHost

enum ModelTestSupport {
  typealias T = Tensor<Double>

  /// A small Double model whose parameters are scaled up so that the density moves visibly in t.
  static func model(
    dimension: Int, flux: FluxConstruction = .default, divergenceFree: Bool = false,
    divergenceFreeForm: DivergenceFreeForm = .default, seed: UInt64 = 1
  ) -> NCLModel<Double> {
    var configuration = ModelConfiguration(dimension: dimension)
    configuration.components = 3
    configuration.hiddenSizes = [16, 16]
    configuration.timeFrequencies = 2
    configuration.flux = flux
    configuration.divergenceFreeHiddenSizes = divergenceFree ? [8] : nil
    configuration.divergenceFreeForm = divergenceFreeForm
    var model = try! NCLModel<Double>(configuration: configuration, seed: seed)
    model.parameters = model.parameters.map { ($0.detached() * 2).requiringGradient() }
    if divergenceFree {
      // The M network starts near zero by design; make b large enough to test.
      let last = model.divergenceFree!.network.weights.count - 1
      model.divergenceFree!.network.weights[last] = model.divergenceFree!.network.weights[last] * 100
      model.divergenceFree!.timeMatrices = model.divergenceFree!.timeMatrices.map { $0 * 100 }
    }
    return model
  }

  static func randomPoints(_ count: Int, dimension: Int, seed: UInt64) -> (t: [Double], x: [[Double]]) {
    var g = SeededGenerator(seed: seed)
    let t = (0..<count).map { _ in 0.1 + 0.8 * g.nextUniform() }
    let x = (0..<count).map { _ in (0..<dimension).map { _ in 1.5 * g.nextNormal() } }
    return (t, x)
  }

  /// Evaluates `body` on one batch holding every (t, x) row asked for; returns per-row results.
  static func evaluate(_ model: NCLModel<Double>, _ rows: [(t: Double, x: [Double])], _ body: (ModelFields<Double>) -> T) -> T {
    let t = T(shape: [rows.count, 1], scalars: rows.map(\.t))
    let x = T(shape: [rows.count, model.dimension], scalars: rows.flatMap(\.x))
    return body(model.fields(t: t, x: x, differentiable: false))
  }

  /// Per point: (d_t rho, div(rho u), (1/2) Lap rho) by central differences of the model's own
  /// density and of rho * drift(noise).
  static func fokkerPlanckTerms(
    _ model: NCLModel<Double>, t: [Double], x: [[Double]], noise: NoiseSchedule, step h: Double = 1e-4, laplacianStep: Double = 1e-3
  ) -> [(rho: Double, dtRho: Double, divergence: Double, halfLaplacian: Double)] {
    let d = model.dimension
    var rows: [(t: Double, x: [Double])] = []
    for (ti, xi) in zip(t, x) {
      rows.append((ti + h, xi))
      rows.append((ti - h, xi))
      rows.append((ti, xi))
      for i in 0..<d {
        for (sign, step) in [(1.0, h), (-1.0, h), (1.0, laplacianStep), (-1.0, laplacianStep)] {
          var shifted = xi
          shifted[i] += sign * step
          rows.append((ti, shifted))
        }
      }
    }
    let perPoint = 3 + 4 * d
    let density = evaluate(model, rows) { $0.logDensity.exp() }.scalars
    let flux = evaluate(model, rows) { $0.drift(noise: noise) * $0.logDensity.exp().reshaped([rows.count, 1]) }.scalars
    return (0..<t.count).map { p in
      let base = p * perPoint
      let dtRho = (density[base] - density[base + 1]) / (2 * h)
      var divergence = 0.0, laplacian = 0.0
      for i in 0..<d {
        let r = base + 3 + 4 * i
        divergence += (flux[r * d + i] - flux[(r + 1) * d + i]) / (2 * h)
        laplacian += (density[r + 2] - 2 * density[base + 2] + density[r + 3]) / (laplacianStep * laplacianStep)
      }
      return (density[base + 2], dtRho, divergence, 0.5 * laplacian)
    }
  }
}
