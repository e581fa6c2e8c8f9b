// The conditioner's autoregressive structure, and its shared-time path against the dense one.
import XCTest
import NCLHost
import Foundation

final class MADETests: XCTestCase {
  typealias T = Tensor<Double>

  private func made(dimension: Int, order: HiddenUnitOrder, factorized: Bool = false, hidden: [Int] = [12, 7]) -> MADE<Double> {
    var g = SeededGenerator(seed: 5)
    return MADE<Double>(
      dimension: dimension, timeFeatures: TimeFeatures(frequencies: 2), hiddenSizes: hidden, outputsPerCoordinate: 3,
      activation: .silu, factorized: factorized, hiddenUnitOrder: order, generator: &g)
  }

  private func points(_ batch: Int, _ dimension: Int, seed: UInt64) -> T {
    var g = SeededGenerator(seed: seed)
    return T.randomNormal([batch, dimension], using: &g)
  }

  /// Output block i must not move when x_j, j >= i, moves; and must move with x_<i.
  func testOutputsDependOnEarlierCoordinatesOnly() {
    for order in [HiddenUnitOrder.grouped, .interleaved] {
      for dimension in [1, 2, 3, 5] {
        let network = made(dimension: dimension, order: order)
        let x = points(4, dimension, seed: 2)
        let t = T(shape: [4, 1], scalars: [0.1, 0.4, 0.7, 0.9])
        let base = network(t: t, x: x)
        for j in 0..<dimension {
          let moved = x + T(shape: [1, dimension], scalars: (0..<dimension).map { $0 == j ? 0.5 : 0 })
          let change = (network(t: t, x: moved) - base).abs().maxValues(alongAxis: 2).maxValues(alongAxis: 0).scalars
          for i in 0..<dimension {
            if i <= j {
              XCTAssertEqual(change[i], 0, "\(order) D=\(dimension): output \(i) moved with x_\(j)")
            } else {
              XCTAssertGreaterThan(change[i], 1e-6, "\(order) D=\(dimension): output \(i) ignores x_\(j)")
            }
          }
        }
      }
    }
  }

  /// One shared time ([1, 1]) gives the values and parameter gradients of the same time
  /// repeated for every row, for every layout the shortcut has to handle.
  func testSharedTimeMatchesPerRowTime() {
    let cases: [(dimension: Int, factorized: Bool, hidden: [Int])] = [
      (1, false, [8]), (2, false, [12, 7]), (3, false, [12, 7]), (5, false, [4, 9]), (3, true, [6]), (4, false, [2]),
    ]
    for order in [HiddenUnitOrder.grouped, .interleaved] {
      for c in cases {
        var network = made(dimension: c.dimension, order: order, factorized: c.factorized, hidden: c.hidden)
        network.parameters = network.parameters.map { $0.requiringGradient() }
        let x = points(6, c.dimension, seed: 3)
        let weights = points(6, c.dimension * 3, seed: 4).reshaped([6, c.dimension, 3])
        let shared = network(t: T(shape: [1, 1], scalars: [0.3]), x: x)
        let perRow = network(t: T(repeating: 0.3, shape: [6, 1]), x: x)
        let label = "\(order) D=\(c.dimension) factorized=\(c.factorized) hidden=\(c.hidden)"
        XCTAssertEqual(shared.shape, perRow.shape, label)
        XCTAssertLessThan((shared - perRow).abs().scalars.max()!, 1e-13, label)
        let sharedGradients = gradient(of: [(shared * weights).sum()], wrt: network.parameters)
        let perRowGradients = gradient(of: [(perRow * weights).sum()], wrt: network.parameters)
        for (a, b) in zip(sharedGradients, perRowGradients) {
          XCTAssertLessThan((a - b).abs().scalars.max()!, 1e-12, label)
        }
      }
    }
  }

  /// Large batches with per-sample times take the blocked form too: rows must not change.
  func testLargeBatchRowsMatchSmallBatchRows() {
    let network = made(dimension: 3, order: .grouped)
    let batch = MADE<Double>.blockedBatch
    var g = SeededGenerator(seed: 8)
    let x = T.randomNormal([batch, 3], using: &g)
    let t = T.randomUniform([batch, 1], using: &g)
    let large = network(t: t, x: x).slice(alongAxis: 0, 0..<5)
    let small = network(t: t.slice(alongAxis: 0, 0..<5), x: x.slice(alongAxis: 0, 0..<5))
    XCTAssertLessThan((large - small).abs().scalars.max()!, 1e-13)
  }

  /// The time derivative at a shared time, by forward mode, is each row's own d/dt.
  func testTimeDerivativeAtSharedTime() throws {
    let network = made(dimension: 3, order: .grouped)
    let x = points(5, 3, seed: 6)
    let t = T(shape: [1, 1], scalars: [0.6]).requiringGradient()
    let tangent = jvp(of: [network(t: t, x: x)], wrt: [t], tangents: [.ones([1, 1])])[0]
    let h = 1e-6
    let numeric = (network(t: T(repeating: 0.6 + h, shape: [5, 1]), x: x)
      - network(t: T(repeating: 0.6 - h, shape: [5, 1]), x: x)) / (2 * h)
    XCTAssertLessThan((tangent - numeric).abs().scalars.max()!, 1e-7)
  }

  /// Grouped degrees put the time-only units first, so the shortcut has something to skip.
  func testGroupedOrderPutsTimeOnlyUnitsFirst() {
    let grouped = made(dimension: 2, order: .grouped, hidden: [8])
    // Unit h of 8 has degree h * 2 / 8: four time-only units, then four that see x_1.
    XCTAssertEqual(grouped.masks[0].scalars.count, 8 * (5 + 2))
    let seesX1 = (0..<8).map { grouped.masks[0].scalars[$0 * 7 + 5] == 1 }
    XCTAssertEqual(seesX1, [false, false, false, false, true, true, true, true])
  }

  /// A grouped network is the interleaved one with its hidden units reordered by degree: moving
  /// the weights along gives the same function (so grouping changes no model's law).
  func testGroupedIsAPermutationOfInterleaved() {
    let dimension = 3, hidden = [12, 7]
    let interleaved = made(dimension: dimension, order: .interleaved, hidden: hidden)
    var grouped = made(dimension: dimension, order: .grouped, hidden: hidden)
    // Grouped position j holds the interleaved unit that comes j-th in (degree, index) order.
    let orders = hidden.map { n in (0..<n).sorted { ($0 % dimension, $0) < ($1 % dimension, $1) } }
    for layer in interleaved.weights.indices {
      let w = interleaved.weights[layer], b = interleaved.biases[layer]
      let (rows, columns) = (w.shape[0], w.shape[1])
      let rowOrder = layer < hidden.count ? orders[layer] : Array(0..<rows)
      let columnOrder = layer == 0 ? Array(0..<columns) : orders[layer - 1]
      grouped.weights[layer] = T(shape: [rows, columns], scalars: rowOrder.flatMap { r in columnOrder.map { c in w.scalars[r * columns + c] } })
      grouped.biases[layer] = T(shape: [rows], scalars: rowOrder.map { b.scalars[$0] })
    }
    let x = points(5, dimension, seed: 9)
    for t in [T(shape: [5, 1], scalars: [0.1, 0.3, 0.5, 0.7, 0.9]), T(shape: [1, 1], scalars: [0.6])] {
      let difference = (grouped(t: t, x: x) - interleaved(t: t.broadcast(to: [5, 1]), x: x)).abs().scalars.max()!
      XCTAssertLessThan(difference, 1e-13, "t \(t.shape)")
    }
  }

  /// Configurations saved before the setting existed keep the interleaved degrees they were trained with.
  func testConfigurationWithoutOrderDecodesAsInterleaved() throws {
    var configuration = ModelConfiguration(dimension: 2)
    configuration.hiddenUnitOrder = nil
    let json = String(decoding: try JSONEncoder().encode(configuration), as: UTF8.self)
    XCTAssertFalse(json.contains("hiddenUnitOrder"))
    let decoded = try JSONDecoder().decode(ModelConfiguration.self, from: Data(json.utf8))
    XCTAssertNil(decoded.hiddenUnitOrder)
    let model = try NCLModel<Double>(configuration: decoded, seed: 1)
    XCTAssertEqual(model.conditioner.hiddenUnitOrder, .interleaved)
    XCTAssertEqual(try NCLModel<Double>(configuration: ModelConfiguration(dimension: 2), seed: 1).conditioner.hiddenUnitOrder, .grouped)
  }

  /// One coordinate at a time (sampling, Knothe-Rosenblatt): the first layer's pre-activation
  /// built input by input, then coordinate i's outputs alone, is slice i of the whole network's
  /// output, for every layout, shared and per-row times, and the factorized network.
  func testCoordinatePassesMatchTheWholeNetwork() {
    let cases: [(dimension: Int, factorized: Bool, hidden: [Int])] = [
      (1, false, [8]), (2, false, [12, 7]), (3, false, [12, 7]), (5, false, [4, 9]), (3, true, [6]), (4, false, [2]),
    ]
    for order in [HiddenUnitOrder.grouped, .interleaved] {
      for c in cases {
        let network = made(dimension: c.dimension, order: order, factorized: c.factorized, hidden: c.hidden)
        let passes = network.coordinatePasses()
        let x = points(6, c.dimension, seed: 13)
        for t in [T(shape: [6, 1], scalars: [0.1, 0.2, 0.4, 0.6, 0.8, 0.9]), T(shape: [1, 1], scalars: [0.3])] {
          let label = "\(order) D=\(c.dimension) factorized=\(c.factorized) hidden=\(c.hidden) t \(t.shape)"
          let whole = network(t: t, x: x)
          let direct = passes.lastHidden(firstPreactivation: passes.firstPreactivation(t: t, x: x))
          XCTAssertLessThan((passes.output(lastHidden: direct) - whole).abs().scalars.max()!, 1e-13, label)
          var preactivation = passes.timeOnlyPreactivation(t: t)
          for i in 0..<c.dimension {
            if i > 0 && !c.factorized {
              preactivation = passes.addingInput(preactivation, coordinate: i - 1, values: x.slice(alongAxis: 1, (i - 1)..<i))
            }
            let expected = whole.slice(alongAxis: 1, i..<(i + 1))
            let incremental = passes.coordinateOutput(i, lastHidden: passes.lastHidden(firstPreactivation: preactivation))
            XCTAssertLessThan((incremental.broadcast(to: [6, 1, 3]) - expected).abs().scalars.max()!, 1e-13, "\(label), coordinate \(i)")
            XCTAssertLessThan((passes.coordinateOutput(i, lastHidden: direct) - expected).abs().scalars.max()!, 1e-13, "\(label), coordinate \(i)")
          }
        }
      }
    }
  }
}
