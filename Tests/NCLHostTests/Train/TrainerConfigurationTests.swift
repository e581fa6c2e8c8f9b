// Trainer settings: validation names the field; decoding fills defaults; round trips.
import Foundation
import XCTest
@testable import NCLHost

final class TrainerConfigurationTests: XCTestCase {
  private func assertInvalid(_ change: (inout TrainerConfiguration) -> Void, names field: String, line: UInt = #line) {
    var configuration = TrainerConfiguration(steps: 10, learningRate: 1e-3)
    change(&configuration)
    XCTAssertThrowsError(try configuration.validate(), line: line) { error in
      guard case NCLError.invalidArgument(let message) = error else { return XCTFail("\(error)", line: line) }
      XCTAssertTrue(message.hasPrefix(field), "\(message)", line: line)
    }
  }

  func testValidationNamesTheField() {
    XCTAssertNoThrow(try TrainerConfiguration(steps: 10, learningRate: 1e-3).validate())
    assertInvalid({ $0.steps = 0 }, names: "steps")
    assertInvalid({ $0.learningRate = 0 }, names: "learningRate")
    assertInvalid({ $0.learningRate = .nan }, names: "learningRate")
    assertInvalid({ $0.schedule = .cosine(minimumFactor: -1) }, names: "schedule")
    assertInvalid({ $0.warmupSteps = -1 }, names: "warmupSteps")
    assertInvalid({ $0.gradientClipNorm = 0 }, names: "gradientClipNorm")
    assertInvalid({ $0.weightDecay = -0.1 }, names: "weightDecay")
    assertInvalid({ $0.weightDecay = .infinity }, names: "weightDecay")
    assertInvalid({ $0.weightDecay = 1000 }, names: "learningRate x weightDecay")  // would zero every weight each step
    assertInvalid({ $0.logEvery = 0 }, names: "logEvery")
    assertInvalid({ $0.evaluateEvery = -1 }, names: "evaluateEvery")
    assertInvalid({ $0.checkpointEvery = -5 }, names: "checkpointEvery")
  }

  func testDecodingFillsDefaultsAndRoundTrips() throws {
    let partial = try JSONDecoder().decode(
      TrainerConfiguration.self, from: Data(#"{"steps": 50, "learningRate": 0.002, "gradientClipNorm": 1.5}"#.utf8))
    var expected = TrainerConfiguration(steps: 50, learningRate: 0.002)
    expected.gradientClipNorm = 1.5
    XCTAssertEqual(partial, expected)
    XCTAssertEqual(partial.weightDecay, 0, "weight decay is off unless asked for")

    var full = TrainerConfiguration(steps: 7, learningRate: 0.1)
    full.schedule = .stepDecay(factor: 0.5, every: 2)
    full.warmupSteps = 3
    full.weightDecay = 0.25
    full.seed = .max
    full.logEvery = 2
    full.evaluateEvery = 3
    full.checkpointEvery = 4
    XCTAssertEqual(try JSONDecoder().decode(TrainerConfiguration.self, from: JSONEncoder().encode(full)), full)
  }
}
