// Memory of the tape over long training runs: flat resident size and no reference cycles.
import Foundation
import XCTest
@testable import NCLHost
@testable import NCLEngine
#if canImport(Glibc)
import Glibc
#endif

final class TapeMemoryTests: XCTestCase {
  typealias T = Tensor<Float>

  /// Resident set size in bytes: resident pages (second field of /proc/self/statm) times the page size.
  private static func residentBytes() throws -> Int {
    let statm = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8)
    let fields = statm.split(separator: " ")
    guard fields.count >= 2, let pages = Int(fields[1]) else {
      throw NSError(domain: "TapeMemoryTests", code: 1, userInfo: [NSLocalizedDescriptionKey: "bad statm: \(statm)"])
    }
    return pages * sysconf(Int32(_SC_PAGESIZE))
  }

  /// A second-order loss: the network, and its input gradient recorded so the loss can be
  /// differentiated through it (as the NCL losses are).
  private static func loss(_ network: MLP<Float>, _ x: T, _ target: T) -> T {
    let input = x.requiringGradient()
    let u = network(input)
    let du = gradient(of: u, wrt: input, createGraph: true)
    let divergence = du.squared().sum(alongAxis: 1, keepingDimension: true)
    return (u - target).squared().mean() + 0.1 * (divergence - 1).squared().mean()
  }

  /// One training step; returns the loss value. Everything recorded is local to this call.
  private static func step(_ network: inout MLP<Float>, _ optimizer: inout Adam<Float>, _ x: T, _ target: T) -> Float {
    let l = loss(network, x, target)
    let grads = gradient(of: [l], wrt: network.parameters)
    network.parameters = optimizer.step(network.parameters, gradients: grads)
    return l.scalar
  }

  func testResidentMemoryIsFlatOverTenThousandSecondOrderSteps() throws {
    var g = SeededGenerator(seed: 1)
    var network = MLP<Float>(inputSize: 3, hiddenSizes: [32, 32], outputSize: 1, activation: .silu, generator: &g)
    network.parameters = network.parameters.map { $0.requiringGradient() }
    var optimizer = Adam<Float>(learningRate: 1e-3)
    let batch = 64
    // A few fixed batches, cycled, so the step loop itself allocates nothing but the tape.
    let batches = (0..<8).map { _ -> (T, T) in
      let x = T.randomNormal([batch, 3], using: &g)
      let target = withoutGradient { x.sum(alongAxis: 1, keepingDimension: true).sin() }
      return (x, target)
    }

    var firstLoss: Float = .nan, lastLoss: Float = .nan
    var residentAt1000 = 0
    let start = Date()
    for i in 1...10_000 {
      let (x, target) = batches[i % batches.count]
      let value = Self.step(&network, &optimizer, x, target)
      if i == 1 { firstLoss = value }
      if i == 1_000 { residentAt1000 = try Self.residentBytes() }
      if i == 10_000 { lastLoss = value }
      XCTAssertTrue(value.isFinite, "loss at step \(i) is \(value)")
      if !value.isFinite { return }
    }
    let residentAt10000 = try Self.residentBytes()
    let growth = residentAt10000 - residentAt1000
    let mib = { (bytes: Int) in String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
    print("TapeMemoryTests: RSS \(mib(residentAt1000)) at step 1000, \(mib(residentAt10000)) at step 10000;",
          "loss \(firstLoss) -> \(lastLoss); \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
    XCTAssertGreaterThan(residentAt1000, 0)
    XCTAssertLessThan(growth, 8 << 20, "resident memory grew by \(mib(growth)) between steps 1000 and 10000")
    XCTAssertEqual(optimizer.stepCount, 10_000)
    XCTAssertLessThan(lastLoss, firstLoss, "training made progress")
  }

  func testTapeIsFreedWhenTheLossGoesOutOfScope() {
    var g = SeededGenerator(seed: 2)
    var network = MLP<Float>(inputSize: 3, hiddenSizes: [16, 16], outputSize: 1, activation: .tanh, generator: &g)
    network.parameters = network.parameters.map { $0.requiringGradient() }
    var optimizer = Adam<Float>()
    let x = T.randomNormal([8, 3], using: &g), target = T.zeros([8, 1])

    weak var lossNode: Node<Float>?
    weak var gradientNode: Node<Float>?
    weak var parameterNode: Node<Float>?
    // Record a step in a scope of its own; only weak references escape it.
    func record() {
      let l = Self.loss(network, x, target)
      let grads = gradient(of: [l], wrt: network.parameters, createGraph: true)
      lossNode = l.node
      gradientNode = grads[0].node
      parameterNode = network.parameters[0].node
      XCTAssertNotNil(lossNode, "the loss is recorded")
      XCTAssertNotNil(gradientNode, "a createGraph gradient is recorded")
      network.parameters = optimizer.step(network.parameters, gradients: grads)
    }
    record()
    XCTAssertNil(lossNode, "the loss's tape node outlives the loss: a reference cycle")
    XCTAssertNil(gradientNode, "a recorded gradient's node outlives it: a reference cycle")
    XCTAssertNil(parameterNode, "the replaced parameter leaf outlives the step")
    XCTAssertNotNil(network.parameters[0].node, "the new parameters are leaves")

    // The same through the plain training step, repeated.
    for _ in 0..<3 {
      weak var node: Node<Float>?
      func again() {
        let l = Self.loss(network, x, target)
        node = l.node
        let grads = gradient(of: [l], wrt: network.parameters)
        network.parameters = optimizer.step(network.parameters, gradients: grads)
      }
      again()
      XCTAssertNil(node)
    }
  }
}
