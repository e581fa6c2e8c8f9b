// The flow-matching loss against a hand computation, and the minibatch-OT pairing against brute force.
import XCTest
import NCLHost
import NCLSupport
@testable import GenerativeFMCore

final class FlowMatchingTests: XCTestCase {
  func testLossAndInterpolantByHand() {
    let n = 4, d = 2
    var g = SeededGenerator(seed: 2)
    let x0 = normals(n * d, &g), x1 = normals(n * d, &g), v = normals(n * d, &g), t = (0..<n).map { _ in g.nextUniform() }
    let scale = [0.5, 3.0]
    let tensor = { (values: [Double], shape: [Int]) in Tensor<Double>(shape: shape, scalars: values) }
    let xt = FlowMatching.interpolant(x0: tensor(x0, [n, d]), x1: tensor(x1, [n, d]), t: tensor(t, [n, 1]))
    let loss = FlowMatching.loss(velocity: tensor(v, [n, d]), x0: tensor(x0, [n, d]), x1: tensor(x1, [n, d]),
                                 inverseScale: tensor(scale.map { 1 / $0 }, [1, d]))
    var expected = 0.0
    for i in 0..<n {
      for k in 0..<d {
        XCTAssertEqual(xt.scalars[i * d + k], (1 - t[i]) * x0[i * d + k] + t[i] * x1[i * d + k], accuracy: 1e-12)
        let r = (v[i * d + k] - (x1[i * d + k] - x0[i * d + k])) / scale[k]
        expected += r * r / Double(n)
      }
    }
    XCTAssertEqual(loss.scalar, expected, accuracy: 1e-12)
  }

  func testOTPairingIsTheCheapestPermutation() {
    let n = 5, d = 2, scale = [1.0, 2.0]
    var g = SeededGenerator(seed: 5)
    let x0 = normals(n * d, &g), x1 = normals(n * d, &g)
    func cost(_ order: [Int]) -> Double {
      (0..<n).reduce(0) { s, i in s + (0..<d).reduce(0) { let e = (x1[i * d + $1] - x0[order[i] * d + $1]) / scale[$1]; return $0 + e * e } }
    }
    func permutations(_ items: [Int]) -> [[Int]] {
      items.count <= 1 ? [items] : items.indices.flatMap { i in permutations(items.enumerated().filter { $0.offset != i }.map(\.element)).map { [items[i]] + $0 } }
    }
    let best = permutations(Array(0..<n)).map(cost).min()!
    let order = FlowMatching.otPairing(x0: x0, x1: x1, dimension: d, scale: scale)
    XCTAssertEqual(order.sorted(), Array(0..<n))
    XCTAssertEqual(cost(order), best, accuracy: 1e-12)
  }
}

func normals(_ count: Int, _ g: inout SeededGenerator) -> [Double] { (0..<count).map { _ in g.nextNormal() } }
