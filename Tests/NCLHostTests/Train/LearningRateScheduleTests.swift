// Learning-rate schedules at known steps, and their validation and encoding.
import Foundation
import XCTest
@testable import NCLHost

final class LearningRateScheduleTests: XCTestCase {
  func testConstantIsTheBaseRate() {
    for step in [0, 5, 99] {
      XCTAssertEqual(LearningRateSchedule.constant.rate(at: step, of: 100, base: 0.01), 0.01)
    }
  }

  func testWarmupRampsLinearlyThenHandsOver() {
    let schedule = LearningRateSchedule.constant
    XCTAssertEqual(schedule.rate(at: 0, of: 100, base: 1, warmupSteps: 4), 0.25)
    XCTAssertEqual(schedule.rate(at: 1, of: 100, base: 1, warmupSteps: 4), 0.5)
    XCTAssertEqual(schedule.rate(at: 3, of: 100, base: 1, warmupSteps: 4), 1)
    XCTAssertEqual(schedule.rate(at: 4, of: 100, base: 1, warmupSteps: 4), 1)
  }

  func testCosineRunsFromBaseToFloor() {
    let schedule = LearningRateSchedule.cosine(minimumFactor: 0.1)
    // 11 updates, no warmup: progress is step / 10.
    XCTAssertEqual(schedule.rate(at: 0, of: 11, base: 2), 2, accuracy: 1e-15)
    XCTAssertEqual(schedule.rate(at: 5, of: 11, base: 2), 2 * (0.1 + 0.9 * 0.5), accuracy: 1e-15)
    XCTAssertEqual(schedule.rate(at: 10, of: 11, base: 2), 0.2, accuracy: 1e-15)
    // Past the end it stays at the floor.
    XCTAssertEqual(schedule.rate(at: 20, of: 11, base: 2), 0.2, accuracy: 1e-15)
    // With warmup 3 of 13 the decay starts at step 3 and ends at step 12.
    XCTAssertEqual(schedule.rate(at: 2, of: 13, base: 2, warmupSteps: 3), 2, accuracy: 1e-15)
    XCTAssertEqual(schedule.rate(at: 3, of: 13, base: 2, warmupSteps: 3), 2, accuracy: 1e-15)
    XCTAssertEqual(schedule.rate(at: 12, of: 13, base: 2, warmupSteps: 3), 0.2, accuracy: 1e-15)
    let quarter = 2 * (0.1 + 0.9 * (1 + cos(Double.pi / 4)) / 2)
    XCTAssertEqual(schedule.rate(at: 5, of: 11, base: 2, warmupSteps: 2), 2 * (0.1 + 0.9 * (1 + cos(Double.pi * 3 / 8)) / 2), accuracy: 1e-15)
    XCTAssertEqual(schedule.rate(at: 2, of: 9, base: 2), quarter, accuracy: 1e-15)
  }

  func testStepDecayMultipliesEveryInterval() {
    let schedule = LearningRateSchedule.stepDecay(factor: 0.5, every: 3)
    XCTAssertEqual((0..<7).map { schedule.rate(at: $0, of: 100, base: 8) }, [8, 8, 8, 4, 4, 4, 2])
    XCTAssertEqual((0..<6).map { schedule.rate(at: $0, of: 100, base: 8, warmupSteps: 2) }, [4, 8, 8, 8, 8, 4])
  }

  func testValidationNamesTheSetting() {
    XCTAssertThrowsError(try LearningRateSchedule.cosine(minimumFactor: 1.5).validate()) {
      XCTAssertTrue("\($0)".contains("minimumFactor"), "\($0)")
    }
    XCTAssertThrowsError(try LearningRateSchedule.stepDecay(factor: 0.5, every: 0).validate()) {
      XCTAssertTrue("\($0)".contains("every"), "\($0)")
    }
    XCTAssertThrowsError(try LearningRateSchedule.stepDecay(factor: 0, every: 2).validate()) {
      XCTAssertTrue("\($0)".contains("factor"), "\($0)")
    }
    XCTAssertNoThrow(try LearningRateSchedule.cosine(minimumFactor: 0).validate())
  }

  func testCodableRoundTrip() throws {
    for schedule: LearningRateSchedule in [.constant, .cosine(minimumFactor: 0.05), .stepDecay(factor: 0.3, every: 7)] {
      let data = try JSONEncoder().encode(schedule)
      XCTAssertEqual(try JSONDecoder().decode(LearningRateSchedule.self, from: data), schedule)
    }
  }
}
