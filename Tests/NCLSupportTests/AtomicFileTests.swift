// Atomic file writes: replacement, missing folders, no temporary left behind, errors naming the path.
import Foundation
import XCTest
import NCLSupport

final class AtomicFileTests: XCTestCase {
  func testReplacesTheFileCreatesFoldersAndLeavesNoTemporary() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ncl-atomic-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.path + "/a/b/file.bin"
    XCTAssertThrowsError(try AtomicFile.write([1], to: path)) { error in
      XCTAssertTrue("\(error)".hasPrefix("cannot write \(path): creating \(directory.path)/a/b/.file.bin.tmp-"), "\(error)")
      XCTAssertTrue("\(error)".hasSuffix("failed: No such file or directory"), "\(error)")
    }
    try AtomicFile.write([1, 2, 3], to: path, createDirectories: true)
    try AtomicFile.write([4, 5], to: path)
    XCTAssertEqual([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), [4, 5])
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path + "/a/b"), ["file.bin"])
    // A file where a folder should be.
    XCTAssertThrowsError(try AtomicFile.write([1], to: path + "/inside", createDirectories: true)) { error in
      XCTAssertTrue("\(error)".hasPrefix("cannot write \(path)/inside:"), "\(error)")
    }
  }
}
