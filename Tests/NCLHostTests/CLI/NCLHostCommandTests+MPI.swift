// `mpirun -np 2 nclhost run`: two ranks on this machine, through Open MPI (scripts/setup installs it).
import XCTest
import Foundation
@testable import NCLHost

extension NCLHostCommandTests {
  /// mpirun with two ranks on this machine's cores, or more ranks than cores (--oversubscribe).
  func mpirun(ranks: Int = 2) throws -> [String] {
    let candidates = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"]
    guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
      throw SetupError(description: "mpirun not found at \(candidates): install Open MPI (scripts/setup installs openmpi-bin)")
    }
    return [path, "-np", "\(ranks)", "--oversubscribe"]
  }

  /// Open MPI refuses to start as root unless told it may (CI containers run as root).
  var mpiEnvironment: [String: String] { ["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"] }

  func testTwoRanksTrainOneModelAndRankZeroAloneWrites() throws {
    let out = scratch()
    let result = try nclhost(["run", "Fixture", "--steps", "5", "--log-every", "1", "--out", out.path] + pluginPath(),
                             timeout: 300, launcher: mpirun(), environment: mpiEnvironment)
    result.assertExit(0)
    // The trainer compares the ranks' parameters after every step and stops the job if they differ.
    XCTAssertTrue(result.stdout.contains("5 steps on 2 ranks (batch"), result.stdout)
    XCTAssertEqual(result.stdout.components(separatedBy: "nclhost 0.").count - 1, 1, "one banner (rank 0's): \(result.stdout)")
    XCTAssertEqual(result.stdout.components(separatedBy: "done: step 5 of 5").count - 1, 1, result.stdout)
    let rows = try String(contentsOf: out.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
    XCTAssertEqual(rows.filter { $0.contains("\"loss\"") }.count, 5, "one metrics row per step, from rank 0 only")
    XCTAssertEqual(try Checkpoint.read(from: out.appendingPathComponent("checkpoint.ncl")).step, 5)
    // Resumed on one rank, without mpirun: the checkpoint does not depend on the number of ranks.
    let resumed = try nclhost(["run", "Fixture", "--steps", "7", "--resume", "--out", out.path] + pluginPath())
    resumed.assertExit(0)
    XCTAssertEqual(try Checkpoint.read(from: out.appendingPathComponent("checkpoint.ncl")).step, 7)
  }

  func testANaNOnOneRankStopsTheJobAndKeepsTheCheckpoint() throws {
    let out = scratch()
    let result = try nclhost(["run", "Fixture", "--set", "mode=nan_rank1", "--steps", "8", "--checkpoint-every", "1",
                              "--out", out.path] + pluginPath(), timeout: 300, launcher: mpirun(), environment: mpiEnvironment)
    result.assertFailed()
    let text = result.stdout + result.stderr
    XCTAssertTrue(text.contains("rank 1 failed"), text)
    XCTAssertTrue(text.contains("training stopped at step 4: the loss is nan"), text)
    XCTAssertEqual(try Checkpoint.read(from: out.appendingPathComponent("checkpoint.ncl")).step, 3)
  }

  func testARankThatCrashesTakesTheJobDown() throws {
    let out = scratch()
    let result = try nclhost(["run", "Fixture", "--set", "mode=crash_rank1", "--steps", "8", "--checkpoint-every", "1",
                              "--out", out.path] + pluginPath(), timeout: 300, launcher: mpirun(), environment: mpiEnvironment)
    XCTAssertNotEqual(result.status, 0, result.summary)  // ended, not hung: the watchdog would have failed the test
    XCTAssertTrue((result.stdout + result.stderr).contains("signal"), result.summary)
    XCTAssertEqual(try Checkpoint.read(from: out.appendingPathComponent("checkpoint.ncl")).step, 2, "the last checkpoint is intact")
  }
}

extension NCLHostCommandTests {
  /// mpirun passes SIGUSR1 on to every rank: the ranks agree to stop after the same step, rank 0
  /// writes the checkpoint there, and the job resumes from it.
  func testSIGUSR1StopsEveryRankWithACheckpoint() throws {
    let out = scratch()
    let process = Process()
    let launcher = try mpirun()
    process.executableURL = URL(fileURLWithPath: launcher[0])
    process.arguments = Array(launcher.dropFirst()) + [try Self.binary().path, "run", "Fixture", "--steps", "1000000",
                                                       "--checkpoint-every", "1000000", "--out", out.path] + (try pluginPath())
    process.environment = ProcessInfo.processInfo.environment.merging(mpiEnvironment) { $1 }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let metrics = out.appendingPathComponent("metrics.jsonl")
    let deadline = Date().addingTimeInterval(120)
    while Date() < deadline, ((try? String(contentsOf: metrics, encoding: .utf8))?.count ?? 0) < 200 { usleep(50_000) }
    kill(process.processIdentifier, SIGUSR1)
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    let checkpoint = try Checkpoint.read(from: out.appendingPathComponent("checkpoint.ncl"))
    XCTAssertGreaterThan(checkpoint.step, 0)
    XCTAssertTrue(text.contains("interrupted at step \(checkpoint.step) of 1000000"), text)
    let resumed = try nclhost(["run", "Fixture", "--steps", "\(checkpoint.step + 2)", "--resume", "--out", out.path] + pluginPath(),
                              timeout: 300, launcher: launcher, environment: mpiEnvironment)
    resumed.assertExit(0)
    XCTAssertEqual(try Checkpoint.read(from: out.appendingPathComponent("checkpoint.ncl")).step, checkpoint.step + 2)
  }
}

extension NCLHostCommandTests {
  /// The collectives training relies on, through Open MPI between two processes: each rank checks
  /// sums, maxima and a broadcast against known values.
  func testMPICheckFindsTheCollectivesCorrect() throws {
    let result = try nclhost(["mpi-check", "--count", "5000"], timeout: 120, launcher: mpirun(), environment: mpiEnvironment)
    result.assertExit(0)
    XCTAssertTrue(result.stdout.contains("2 ranks; rank 0 on "), result.stdout)
    XCTAssertTrue(result.stdout.contains("all-reduce of 5000 doubles"), result.stdout)
    XCTAssertTrue(result.stdout.contains("correct on every rank"), result.stdout)
  }
}
