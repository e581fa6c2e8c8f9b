// The exact assignment against brute force, and the discrete Wasserstein distances it gives.
import XCTest
import NCLSupport

final class AssignmentTests: XCTestCase {
  func testSolveFindsTheCheapestPermutation() {
    var g = SeededGenerator(seed: 4)
    let n = 6
    let cost = (0..<(n * n)).map { _ in g.nextUniform() }
    func total(_ p: [Int]) -> Double { (0..<n).reduce(0) { $0 + cost[$1 * n + p[$1]] } }
    func permutations(_ items: [Int]) -> [[Int]] {
      items.count <= 1 ? [items] : items.indices.flatMap { i in permutations(items.enumerated().filter { $0.offset != i }.map(\.element)).map { [items[i]] + $0 } }
    }
    let best = permutations(Array(0..<n)).map(total).min()!
    let found = Assignment.solve(cost: cost, n: n)
    XCTAssertEqual(found.sorted(), Array(0..<n))
    XCTAssertEqual(total(found), best, accuracy: 1e-12)
  }

  func testWassersteinOfAShiftIsTheShift() {
    var g = SeededGenerator(seed: 5)
    let a = (0..<60).map { _ in g.nextNormal() }
    let b = a.enumerated().map { $0.element + ($0.offset % 2 == 0 ? 0.3 : -0.4) }
    XCTAssertEqual(Assignment.wasserstein(a, b, dimension: 2, p: 2), 0.5, accuracy: 1e-9, "a translation is optimal for W2")
    XCTAssertEqual(Assignment.wasserstein(a, a, dimension: 2, p: 1), 0, accuracy: 1e-12)
  }
}
