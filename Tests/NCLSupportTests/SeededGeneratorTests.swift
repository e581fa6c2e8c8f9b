// The seeded generator: its stream and its Codable form are fixed (checkpoints store them).
import Foundation
import XCTest
import NCLSupport

final class SeededGeneratorTests: XCTestCase {
  /// Values of the stream before it moved into NCLSupport: a change here breaks every saved
  /// checkpoint's resume and every seeded data set.
  func testStreamIsPinned() {
    var g = SeededGenerator(seed: 0)
    XCTAssertEqual([g.next(), g.next(), g.next()], [11_091_344_671_253_066_420, 13_793_997_310_169_335_082, 1_900_383_378_846_508_768])
    var h = SeededGenerator(seed: 42)
    XCTAssertEqual(h.nextUniform(), 0.08386297105988222)
    XCTAssertEqual(h.nextNormal(), -0.5927809993229343)
  }

  /// The checkpoint form: {"words": [four state words]}, read back to the same stream.
  func testCodableFormIsTheFourStateWords() throws {
    var g = SeededGenerator(seed: 42)
    _ = g.nextUniform()
    _ = g.nextNormal()
    let data = try JSONEncoder().encode(g)
    XCTAssertEqual(String(decoding: data, as: UTF8.self),
                   #"{"words":[14724789073754520473,2590629650289322887,7959817307922065030,9375168587437865237]}"#)
    var restored = try JSONDecoder().decode(SeededGenerator.self, from: data)
    XCTAssertEqual((0..<5).map { _ in restored.next() }, (0..<5).map { _ in g.next() })
    XCTAssertThrowsError(try JSONDecoder().decode(SeededGenerator.self, from: Data(#"{"words":[1,2,3]}"#.utf8))) { error in
      XCTAssertTrue("\(error)".contains("generator state needs 4 words, got 3"), "\(error)")
    }
  }

  func testUniformsAreInsideTheOpenIntervalAndNormalsAreStandard() {
    var g = SeededGenerator(seed: 7)
    let n = 200_000
    let uniforms = (0..<n).map { _ in g.nextUniform() }
    XCTAssertTrue(uniforms.allSatisfy { $0 > 0 && $0 < 1 })
    XCTAssertEqual(uniforms.reduce(0, +) / Double(n), 0.5, accuracy: 0.005)
    let normals = (0..<n).map { _ in g.nextNormal() }
    let mean = normals.reduce(0, +) / Double(n)
    let variance = normals.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
    XCTAssertEqual(mean, 0, accuracy: 0.01)
    XCTAssertEqual(variance, 1, accuracy: 0.02)
  }

  /// Samplers generic over RandomSource see the same numbers as direct calls.
  func testRandomSourceIsTheGeneratorsOwnStream() {
    func draw<R: RandomSource>(_ source: inout R) -> [Double] { [source.nextUniform(), source.nextNormal()] }
    var a = SeededGenerator(seed: 3), b = SeededGenerator(seed: 3)
    XCTAssertEqual(draw(&a), [b.nextUniform(), b.nextNormal()])
  }
}
