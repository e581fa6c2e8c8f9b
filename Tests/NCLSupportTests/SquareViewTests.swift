// SquareView: the grid a heat map evaluates, and where points land on its panel.
import XCTest
import NCLSupport

final class SquareViewTests: XCTestCase {
  let view = SquareView(center: (1, -2), half: 3)

  /// Cell (row, column) of the heat map is value [row * grid + column]: each centre lies in its own cell.
  func testCellCentersLieInTheirOwnCellsRowsFromTheTop() {
    let grid = 7, centers = view.cellCenters(grid: grid)
    XCTAssertEqual(centers.count, 2 * grid * grid)
    for k in 0..<(grid * grid) {
      let (column, row) = view.cell(centers[2 * k], centers[2 * k + 1], grid: grid)
      XCTAssertEqual(row * grid + column, k)
    }
    XCTAssertGreaterThan(centers[1], centers[2 * grid * (grid - 1) + 1], "the first row is the top (largest y)")
  }

  func testPixelsMapTheSquareOntoThePanel() {
    XCTAssertEqual(view.pixel(-2, 1, size: 60), SIMD2(0, 0), "top-left corner")
    XCTAssertEqual(view.pixel(4, -5, size: 60), SIMD2(60, 60), "bottom-right corner")
    XCTAssertEqual(view.pixel(1, -2, size: 60), SIMD2(30, 30), "centre")
  }

  func testAroundCoversTheBulkWithAMargin() {
    let points = (0..<1000).flatMap { i -> [Double] in [Double(i % 100) / 10, 5 + Double(i / 100)] }  // x in 0...9.9, y in 5...14
    let around = SquareView.around(points)
    XCTAssertEqual(around.center.0, 4.95, accuracy: 0.1)
    XCTAssertEqual(around.center.1, 9.5, accuracy: 0.1)
    XCTAssertEqual(around.half, 0.6 * 9.9, accuracy: 0.2)
  }
}
