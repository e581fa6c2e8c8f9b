// Reparameterized exact samples: the sampler's values, with the derivative of the inverse CDFs at fixed uniforms.
import XCTest
import Foundation
import NCLHost

final class ReparameterizedSamplingTests: XCTestCase {
  typealias T = Tensor<Double>

  func times(_ count: Int) -> T {
    var generator = SeededGenerator(seed: 11)
    return T.randomUniform([count, 1], using: &generator)
  }

  func testValuesAreThePlainSamplersExactly() throws {
    for d in [1, 2, 3] {
      let model = ModelTestSupport.model(dimension: d, flux: .telescoping(tau: 1))
      let t = times(64)
      var a = SeededGenerator(seed: 5), b = SeededGenerator(seed: 5)
      let plain = model.sample(at: t, using: &a)
      let reparameterized = model.reparameterizedSample(at: t, using: &b)
      XCTAssertTrue(reparameterized.requiresGradient, "D = \(d)")
      XCTAssertEqual(reparameterized.scalars, plain.scalars, "D = \(d)")
      XCTAssertEqual(a.next(), b.next(), "D = \(d): the same random numbers are drawn")
    }
    // Float32, as training uses it, and with the divergence-free term (whose parameters get no gradient).
    var configuration = ModelConfiguration(dimension: 2)
    configuration.components = 4
    configuration.hiddenSizes = [16]
    configuration.divergenceFreeHiddenSizes = [8]
    let model = try NCLModel<Float>(configuration: configuration, seed: 3)
    let t = Tensor<Float>(repeating: 0.3, shape: [128, 1])
    var a = SeededGenerator(seed: 6), b = SeededGenerator(seed: 6)
    XCTAssertEqual(model.reparameterizedSample(at: t, using: &b).scalars, model.sample(at: t, using: &a).scalars)
    let constant = withoutGradient { model.reparameterizedSample(at: t, using: &b) }
    XCTAssertFalse(constant.requiresGradient, "without recording it is the plain sampler")
  }

  /// d x~ / d theta against central differences of x(theta) = F_theta^{-1}(u) at the drawn samples'
  /// uniforms u = F_theta0(x), in D = 2 and 3 (where x_<i enters F_i), for a few elements of every
  /// parameter tensor. (The plain sampler picks a component and inverts that logistic, so its own
  /// output under perturbed parameters has another pathwise derivative: zero for the mixture weights.)
  func testGradientIsTheInverseCDFsDerivativeAtFixedUniforms() throws {
    for d in [2, 3] {
      let model = ModelTestSupport.model(dimension: d, flux: .telescoping(tau: 1), seed: UInt64(d))
      let count = 6
      let t = times(count)
      var generator = SeededGenerator(seed: 9)
      let sampled = model.reparameterizedSample(at: t, using: &generator)
      var weightGenerator = SeededGenerator(seed: 4)
      let c = T.randomNormal([count, d], using: &weightGenerator)
      let analytic = gradient(of: [(sampled * c).sum()], wrt: model.parameters)

      let base = model.detached(), x = sampled.detached()
      let u = withoutGradient { base.mixture(t: t, x: x).evaluate(x).cdf }
      assertClose(Self.inverseCDF(base, t: t, u: u, start: x).scalars, x.scalars, accuracy: 1e-12, "D = \(d): the inverse at theta0 is x")
      func loss(_ p: Int, _ e: Int, _ delta: Double) -> Double {
        let perturbed = Self.perturbed(base, parameter: p, element: e, by: delta)
        return (Self.inverseCDF(perturbed, t: t, u: u, start: x) * c).sum().scalar
      }
      var pick = SeededGenerator(seed: 21)
      let h = 1e-5
      var largest = 0.0
      for (p, parameter) in base.parameters.enumerated() {
        for _ in 0..<4 {
          let e = Int(pick.next() % UInt64(parameter.count))
          let numeric = (loss(p, e, h) - loss(p, e, -h)) / (2 * h)
          largest = max(largest, abs(numeric))
          XCTAssertEqual(analytic[p].scalars[e], numeric, accuracy: 1e-6 * max(1, abs(numeric)),
                         "D = \(d), parameter \(p), element \(e)")
        }
      }
      XCTAssertGreaterThan(largest, 1e-2, "D = \(d): the samples move with the parameters")
    }
  }

  /// A kinetic-type loss sum |drift(t, x~)|^2 / 2 at reparameterized samples, for every flux
  /// construction and with the divergence-free term: its parameter gradient (direct and through the
  /// samples, which needs the fields' derivatives in x) against central differences of the same
  /// loss at the inverse CDF of the perturbed model.
  func testKineticGradientThroughTheSamples() throws {
    let cases: [(FluxConstruction, Bool)] = [(.telescoping(tau: 1), false), (.telescoping(tau: 1), true), (.knotheRosenblatt, true), (.naive, false)]
    for (flux, divergenceFree) in cases {
      let model = ModelTestSupport.model(dimension: 2, flux: flux, divergenceFree: divergenceFree, seed: 5)
      let count = 5
      let t = times(count)
      var generator = SeededGenerator(seed: 12)
      let sampled = model.reparameterizedSample(at: t, using: &generator)
      func kinetic(_ model: NCLModel<Double>, _ x: T) -> T {
        (model.fields(t: t, x: x).drift(noise: .constant(0.7)).squared() * 0.5).sum()
      }
      let analytic = gradient(of: [kinetic(model, sampled)], wrt: model.parameters)
      let base = model.detached(), x = sampled.detached()
      let u = withoutGradient { base.mixture(t: t, x: x).evaluate(x).cdf }
      func loss(_ p: Int, _ e: Int, _ delta: Double) -> Double {
        let perturbed = Self.perturbed(base, parameter: p, element: e, by: delta)
        return kinetic(perturbed, Self.inverseCDF(perturbed, t: t, u: u, start: x)).scalar
      }
      var pick = SeededGenerator(seed: 22)
      let h = 1e-5
      for (p, parameter) in base.parameters.enumerated() {
        for _ in 0..<3 {
          let e = Int(pick.next() % UInt64(parameter.count))
          let numeric = (loss(p, e, h) - loss(p, e, -h)) / (2 * h)
          XCTAssertEqual(analytic[p].scalars[e], numeric, accuracy: 1e-5 * max(1, abs(numeric)),
                         "\(flux), divergence-free \(divergenceFree), parameter \(p), element \(e)")
        }
      }
    }
  }

  /// F_theta^{-1}(u), coordinate by coordinate, by Newton's method from `start` (close by).
  /// The model with one element of one parameter moved by `delta`.
  static func perturbed(_ model: NCLModel<Double>, parameter p: Int, element e: Int, by delta: Double) -> NCLModel<Double> {
    var perturbed = model
    var parameters = perturbed.parameters
    var values = parameters[p].scalars
    values[e] += delta
    parameters[p] = T(shape: parameters[p].shape, scalars: values)
    perturbed.parameters = parameters
    return perturbed
  }

  static func inverseCDF(_ model: NCLModel<Double>, t: T, u: T, start: T) -> T {
    withoutGradient {
      let (count, d) = (start.shape[0], start.shape[1])
      var y = start.scalars
      let target = u.scalars
      for i in 0..<d {
        for _ in 0..<30 {
          let current = T(shape: [count, d], scalars: y)
          let law = model.mixture(t: t, x: current).evaluate(current)
          let logDensity = law.logDensity.scalars, cdf = law.cdf.scalars
          var largest = 0.0
          for b in 0..<count {
            let k = b * d + i
            let step = (cdf[k] - target[k]) / Foundation.exp(logDensity[k])
            y[k] -= step
            largest = max(largest, abs(step))
          }
          if largest < 1e-14 { break }
        }
      }
      return T(shape: [count, d], scalars: y)
    }
  }
}

private func assertClose(_ a: [Double], _ b: [Double], accuracy: Double, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
  XCTAssertEqual(a.count, b.count, message, file: file, line: line)
  for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, message, file: file, line: line) }
}
