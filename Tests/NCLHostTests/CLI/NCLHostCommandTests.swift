// The nclhost command line, end to end: runs the built `nclhost` binary on the C fixture plugin
// (Tests/Fixtures/plugins/fixture.c) and checks stdout, stderr and the exit status separately.
import Foundation
import XCTest
@testable import NCLHost
import _NCLTestSupport

final class NCLHostCommandTests: XCTestCase {
  // MARK: - Help texts (golden; generated with COLUMNS=80, read and checked by hand)

  func testRootHelp() throws {
    let result = try nclhost(["--help"])
    result.assertExit(0)
    XCTAssertEqual(result.stderr, "")
    assertGolden(result.stdout, Self.rootHelp)
  }

  func testRunHelp() throws {
    let result = try nclhost(["run", "--help"])
    result.assertExit(0)
    XCTAssertEqual(result.stderr, "")
    assertGolden(result.stdout, Self.runHelp)
  }

  func testDemoHelp() throws {
    let result = try nclhost(["demo", "--help"])
    result.assertExit(0)
    XCTAssertEqual(result.stderr, "")
    assertGolden(result.stdout, Self.demoHelp)
  }

  // MARK: - list, info

  func testListShowsTheFixtureWithVersionAndPath() throws {
    let library = try fixture()
    let result = try nclhost(["list", "--plugin-path", library.deletingLastPathComponent().path])
    result.assertExit(0)
    let row = result.stdout.split(separator: "\n").map(String.init).first { $0.hasPrefix("Fixture ") }
    guard let row else { return XCTFail("no row for Fixture in:\n\(result.stdout)") }
    let cells = row.split(separator: " ").map(String.init)
    XCTAssertEqual(cells[1], "0.0.1", row)
    XCTAssertEqual(cells.last, library.path, row)
    XCTAssertTrue(result.stdout.contains("\n  \(library.deletingLastPathComponent().path)\n"), "search path not listed:\n\(result.stdout)")
  }

  func testInfoShowsParametersWithDefaults() throws {
    let library = try fixture()
    let result = try nclhost(["info", "Fixture", "--plugin-path", library.deletingLastPathComponent().path])
    result.assertExit(0)
    XCTAssertEqual(result.stderr, "")
    let lines = result.stdout.split(separator: "\n").map(String.init)
    XCTAssertEqual(lines.first, "Fixture 0.0.1 (org.ncl.tests.fixture, ABI 1.3.0)")
    XCTAssertTrue(lines.contains("path: \(library.path)"), result.stdout)
    func row(_ name: String) -> [String] {
      lines.first { $0.hasPrefix("  \(name) ") }.map { $0.split(separator: " ").map(String.init) } ?? []
    }
    XCTAssertEqual(row("mode").prefix(3), ["mode", "ok|crash|nan|stale_handle|fail_create|crash_create|crash_evaluate|crash_rank1|nan_rank1|suggest", "ok"], result.stdout)
    XCTAssertEqual(row("data").prefix(3), ["data", "path", "\"\""], result.stdout)
    XCTAssertEqual(row("scale").prefix(5), ["scale", "float", "[0.1,", "10]", "1"], result.stdout)
    XCTAssertTrue(row("scale").joined(separator: " ").hasSuffix("standard deviation of the target"), result.stdout)
  }

  /// `list` shows each library that failed to load with its reason, and those that are not plugins.
  func testListShowsLibrariesThatFailedWithTheirReasons() throws {
    let libraries = try PluginFixtures.brokenLibraries(subdirectory: "cli-broken")
    let result = try nclhost(["list", "--plugin-path", libraries["not-elf"]!.deletingLastPathComponent().path])
    result.assertExit(0)
    let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    XCTAssertTrue(lines.contains("Failed to load (\(libraries.count - 1)):"), result.stdout)
    for (kind, url) in libraries where kind != "no-entry" {
      guard let index = lines.firstIndex(of: "  \(url.path)") else { XCTFail("\(kind) not listed:\n\(result.stdout)"); continue }
      let reason = index + 1 < lines.count ? lines[index + 1] : ""
      XCTAssertTrue(reason.hasPrefix("    ") && reason.count > 10, "\(kind): no reason under its path:\n\(result.stdout)")
    }
    XCTAssertTrue(result.stdout.contains("Not plugins (no ncl_plugin_entry symbol), skipped:\n  \(libraries["no-entry"]!.path)\n"),
                  result.stdout)
    XCTAssertFalse(result.stdout.contains("warning:"), result.stdout)
  }

  /// run, info and call on a name that is not found name the failed libraries that could be it.
  func testUnknownNameNamesTheLibrariesThatFailed() throws {
    let libraries = try PluginFixtures.brokenLibraries(subdirectory: "cli-broken")
    let folder = libraries["not-elf"]!.deletingLastPathComponent().path
    let run = try nclhost(["run", "MissingDependency", "--steps", "1", "--out", scratch().path, "--plugin-path", folder])
    run.assertFailed()
    XCTAssertTrue(run.stderr.contains("no plugin named 'MissingDependency'"), run.stderr)
    XCTAssertTrue(run.stderr.contains("\(libraries["missing-dependency"]!.path)\n    cannot open as a shared library: " +
                                      "libncl_fixture_dependency.so: cannot open shared object file"), run.stderr)
    XCTAssertFalse(run.stderr.contains("libwrong_abi.so"), "only the library named like the plugin:\n\(run.stderr)")

    let info = try nclhost(["info", "bad_default", "--plugin-path", folder])
    info.assertFailed()
    XCTAssertTrue(info.stderr.contains("\(libraries["bad-default"]!.path)\n    invalid descriptor: params[0]"), info.stderr)

    let call = try nclhost(["call", "Nothing", "f", "--plugin-path", folder])
    call.assertFailed()
    XCTAssertTrue(call.stderr.contains("These libraries failed to load; it could be one of them:"), call.stderr)
    for (kind, url) in libraries where kind != "no-entry" { XCTAssertTrue(call.stderr.contains(url.path), "\(kind):\n\(call.stderr)") }
  }

  // MARK: - run: argument errors

  func testUnknownParameterIsNamedWithoutASillySuggestion() throws {
    let out = scratch()
    let result = try nclhost(["run", "Fixture", "--set", "nope=1", "--steps", "2", "--out", out.path] + pluginPath())
    result.assertFailed()
    XCTAssertTrue(result.stderr.contains("no parameter 'nope'"), result.stderr)
    XCTAssertTrue(result.stderr.contains("nclhost info Fixture"), result.stderr)
    // 'nope' shares two of four letters with 'mode': suggesting it is noise, not help.
    XCTAssertFalse(result.stderr.contains("did you mean"), "silly suggestion for 'nope': \(result.stderr)")
    XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("checkpoint.ncl").path))
  }

  func testBadParameterValueNamesParameterAndValue() throws {
    let result = try nclhost(["run", "Fixture", "--set", "scale=abc", "--steps", "2", "--out", scratch().path] + pluginPath())
    result.assertFailed()
    XCTAssertTrue(result.stderr.contains("'scale'"), result.stderr)
    XCTAssertTrue(result.stderr.contains("'abc'"), result.stderr)
    XCTAssertTrue(result.stderr.contains("not a number"), result.stderr)
  }

  func testZeroStepsAndANegativeWeightDecayAreValidationErrors() throws {
    let result = try nclhost(["run", "Fixture", "--steps", "0", "--out", scratch().path] + pluginPath())
    result.assertExit(64)  // EX_USAGE: ArgumentParser's validation errors
    XCTAssertTrue(result.stderr.contains("--steps must be at least 1, got 0"), result.stderr)
    XCTAssertTrue(result.stderr.contains("nclhost run"), "usage of `run` expected:\n\(result.stderr)")
    XCTAssertEqual(result.stdout, "")
    let decay = try nclhost(["run", "Fixture", "--weight-decay=-1", "--steps", "2", "--out", scratch().path] + pluginPath())
    decay.assertExit(64)
    XCTAssertTrue(decay.stderr.contains("--weight-decay must be >= 0, got -1.0"), decay.stderr)
  }

  // MARK: - run: crashes and NaN

  func testIsolatedCrashIsReportedAndKeepsTheCheckpoint() throws {
    let out = scratch()
    let result = try nclhost(["run", "Fixture", "--set", "mode=crash", "--isolate", "--steps", "10", "--out", out.path,
                              "--checkpoint-every", "1"] + pluginPath())
    result.assertExit(70)
    XCTAssertTrue(result.stderr.contains("the plugin 'Fixture' crashed"), result.stderr)
    XCTAssertTrue(result.stderr.contains("signal 11"), result.stderr)
    XCTAssertTrue(result.stderr.contains("host is unaffected"), result.stderr)
    // The call and step, and the child's backtrace, whose first frame is in the plugin.
    XCTAssertTrue(result.stderr.contains("crashed in its isolated process during loss at step 3 (signal 11"), result.stderr)
    XCTAssertTrue(result.stderr.contains("Backtrace of the isolated process:\n"), result.stderr)
    XCTAssertTrue(result.stderr.contains("libfixture.so"), "no frame in the plugin:\n\(result.stderr)")
    // What the child printed before it crashed is not lost in its buffer.
    XCTAssertTrue(result.stdout.hasPrefix("nclhost \(NCLVersion.string): Fixture 0.0.1"), result.stdout)
    XCTAssertFalse(result.stdout.contains("done:"), "the run went on after the plugin crashed:\n\(result.stdout)")
    let checkpoint = try Checkpoint.read(from: out.appendingPathComponent("checkpoint.ncl"))
    XCTAssertEqual(checkpoint.step, 2, "the checkpoint written before the crash at step 3")
    XCTAssertEqual(checkpoint.metadata["param.mode"], "crash")
    XCTAssertNoThrow(try checkpoint.makeModel())
  }

  /// The crash report names the call the plugin crashed in: create, evaluate (with the step) or an
  /// extra function; `eval` names the checkpoint's step.
  func testIsolatedCrashNamesTheCallAndStep() throws {
    let out = scratch()
    let create = try nclhost(["run", "Fixture", "--set", "mode=crash_create", "--isolate", "--steps", "2", "--out", out.path] + pluginPath())
    create.assertExit(70)
    XCTAssertTrue(create.stderr.contains("the plugin 'Fixture' crashed in its isolated process during create (signal 11"), create.stderr)

    let evaluate = try nclhost(["run", "Fixture", "--set", "mode=crash_evaluate", "--isolate", "--steps", "4", "--out", out.path,
                                "--checkpoint-every", "1"] + pluginPath())
    evaluate.assertExit(70)
    XCTAssertTrue(evaluate.stderr.contains("during evaluate at step 4 (signal 11"), evaluate.stderr)
    let checkpoint = out.appendingPathComponent("checkpoint.ncl")
    let step = try Checkpoint.read(from: checkpoint).step
    let eval = try nclhost(["eval", "--checkpoint", checkpoint.path, "--isolate"] + pluginPath())
    eval.assertExit(70)
    XCTAssertTrue(eval.stderr.contains("during evaluate at step \(step) (signal 11"), eval.stderr)
    XCTAssertTrue(eval.stderr.contains("Backtrace of the isolated process:"), eval.stderr)

    let call = try nclhost(["call", "Fixture", "crash", "1", "--isolate"] + pluginPath())
    call.assertExit(70)
    XCTAssertTrue(call.stderr.contains("during call crash (signal 11"), call.stderr)
  }

  /// The child gets the command line without --isolate, except where --isolate follows `--` (an argument there).
  func testIsolatedCallKeepsItsArguments() throws {
    let library = try PluginFixtures.library("Examples/c-plugin/gaussian_transport.c", name: "gaussian_transport",
                                             subdirectory: "cli-example")
    let folder = library.deletingLastPathComponent().path
    let good = try nclhost(["call", "GaussianTransport", "gaussian_w2", "--isolate", "--plugin-path", folder, "--", "2", "-1", "0.5", "1", "1"])
    good.assertExit(0)
    XCTAssertEqual(good.stdout, "8.5\n", good.summary)
    let bad = try nclhost(["call", "GaussianTransport", "gaussian_w2", "--isolate", "--plugin-path", folder, "--", "2", "-1", "0.5", "1", "--isolate"])
    bad.assertExit(1)
    XCTAssertTrue(bad.stderr.contains("'--isolate' is not a number"), bad.summary)
  }

  /// Why --isolate exists: without it a crashing plugin takes the host down with it.
  func testCrashWithoutIsolationKillsTheHost() throws {
    let out = scratch()
    let result = try nclhost(["run", "Fixture", "--set", "mode=crash", "--steps", "10", "--out", out.path,
                              "--checkpoint-every", "1"] + pluginPath())
    XCTAssertEqual(result.reason, .uncaughtSignal,
                   "expected death by SIGSEGV, got exit status \(result.status)\nstdout:\n\(result.stdout)")
    if result.reason == .uncaughtSignal { XCTAssertEqual(result.status, SIGSEGV) }
    XCTAssertFalse(result.stdout.contains("done:"), "the run went on after the plugin crashed:\n\(result.stdout)")
  }

  func testNaNLossStopsAndKeepsTheLastGoodCheckpoint() throws {
    let out = scratch()
    let result = try nclhost(["run", "Fixture", "--set", "mode=nan", "--steps", "10", "--checkpoint-every", "2",
                              "--out", out.path] + pluginPath())
    result.assertFailed()
    XCTAssertTrue(result.stderr.contains("stopped at step 4: the loss is nan"), result.stderr)
    XCTAssertTrue(result.stderr.contains("the last good checkpoint (step 2) is kept"), result.stderr)
    let checkpoint = try Checkpoint.read(from: out.appendingPathComponent("checkpoint.ncl"))
    XCTAssertEqual(checkpoint.step, 2)
    XCTAssertTrue(checkpoint.parameters.allSatisfy { $0.scalars.allSatisfy(\.isFinite) })
    XCTAssertNoThrow(try checkpoint.makeModel())
  }

  // MARK: - run: resume

  func testResumedRunIsBitIdenticalToAnUninterruptedOne() throws {
    let a = scratch(), b = scratch()
    try train(steps: 6, out: a, ["--checkpoint-every", "3"])
    XCTAssertEqual(try Checkpoint.read(from: a.appendingPathComponent("checkpoint.ncl")).step, 6)
    let resumed = try nclhost(["run", "Fixture", "--steps", "12", "--resume", "--out", a.path] + pluginPath())
    resumed.assertExit(0)
    try train(steps: 12, out: b)

    let resumedCheckpoint = try Checkpoint.read(from: a.appendingPathComponent("checkpoint.ncl"))
    let straight = try Checkpoint.read(from: b.appendingPathComponent("checkpoint.ncl"))
    XCTAssertEqual(resumedCheckpoint.step, 12)
    XCTAssertEqual(straight.step, 12)
    XCTAssertEqual(resumedCheckpoint.parameters.map(\.shape), straight.parameters.map(\.shape))
    XCTAssertEqual(bits(resumedCheckpoint.parameters), bits(straight.parameters))
    XCTAssertGreaterThan(bits(straight.parameters).count, 0)
  }

  /// --checkpoint-every (like --log-every and --evaluate-every) does not change training, so
  /// resuming without repeating it must not warn that the result will differ.
  func testResumeDoesNotWarnWhenOnlyCheckpointingDiffers() throws {
    let a = scratch()
    try train(steps: 3, out: a, ["--checkpoint-every", "3"])
    let resumed = try nclhost(["run", "Fixture", "--steps", "6", "--resume", "--out", a.path] + pluginPath())
    resumed.assertExit(0)
    XCTAssertFalse(resumed.stdout.contains("will not match") || resumed.stderr.contains("will not match"),
                   "false warning on resume:\n\(resumed.stdout)\(resumed.stderr)")
  }

  func testResumeWithDifferentParametersIsRefused() throws {
    let a = scratch()
    try train(steps: 3, out: a)
    let before = try Data(contentsOf: a.appendingPathComponent("checkpoint.ncl"))
    let result = try nclhost(["run", "Fixture", "--steps", "6", "--resume", "--set", "scale=2", "--out", a.path] + pluginPath())
    result.assertFailed()
    XCTAssertTrue(result.stderr.contains("--set scale=2 differs from the checkpoint's scale=1"), result.stderr)
    XCTAssertTrue(result.stderr.contains("resume with the same parameters"), result.stderr)
    XCTAssertFalse(result.stderr.contains("Usage: nclhost <subcommand>"), "the root's usage, not run's:\n\(result.stderr)")
    XCTAssertEqual(try Data(contentsOf: a.appendingPathComponent("checkpoint.ncl")), before, "the checkpoint must be untouched")
  }

  func testResumeWithoutCheckpointSaysSo() throws {
    let empty = scratch()
    try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
    let result = try nclhost(["run", "Fixture", "--steps", "6", "--resume", "--out", empty.path] + pluginPath())
    result.assertFailed()
    XCTAssertTrue(result.stderr.contains("no checkpoint"), "expected 'no checkpoint':\n\(result.stderr)")
    XCTAssertTrue(result.stderr.contains(empty.appendingPathComponent("checkpoint.ncl").path), result.stderr)
    XCTAssertFalse(result.stderr.contains("NSCocoaErrorDomain"), "raw Foundation error:\n\(result.stderr)")
  }

  // MARK: - run, demo: an output folder that holds a run

  /// Training into a folder that holds a run needs --resume (continue) or --overwrite (replace);
  /// without either, the run is refused and its files are left as they were.
  func testRunRefusesAFolderThatHoldsARunUnlessOverwritten() throws {
    let a = scratch()
    try train(steps: 4, out: a)
    let before = try Data(contentsOf: a.appendingPathComponent("checkpoint.ncl"))
    let metrics = try Data(contentsOf: a.appendingPathComponent("metrics.jsonl"))
    let refused = try nclhost(["run", "Fixture", "--steps", "2", "--out", a.path] + pluginPath())
    refused.assertFailed()
    XCTAssertTrue(refused.stderr.contains("\(a.path) already holds a run (checkpoint.ncl, metrics.jsonl): --resume continues it, "
      + "--overwrite replaces it with a new one"), refused.stderr)
    XCTAssertEqual(refused.stdout, "", "nothing may start before the refusal")
    XCTAssertEqual(try Data(contentsOf: a.appendingPathComponent("checkpoint.ncl")), before)
    XCTAssertEqual(try Data(contentsOf: a.appendingPathComponent("metrics.jsonl")), metrics)

    let replaced = try nclhost(["run", "Fixture", "--steps", "2", "--overwrite", "--out", a.path] + pluginPath())
    replaced.assertExit(0)
    XCTAssertEqual(try Checkpoint.read(from: a.appendingPathComponent("checkpoint.ncl")).step, 2, "a new run of 2 steps")
    XCTAssertEqual(try lines(a.appendingPathComponent("metrics.jsonl")).filter { $0.contains("\"train\"") }.count, 2)

    let both = try nclhost(["run", "Fixture", "--steps", "2", "--overwrite", "--resume", "--out", a.path] + pluginPath())
    both.assertExit(64)
    XCTAssertTrue(both.stderr.contains("--resume continues the run in --out and --overwrite replaces it: give one of them"), both.stderr)
  }

  /// The demo shares the run options and the rule, and its resume checks its own options.
  func testDemoRefusesAFolderThatHoldsARun() throws {
    let a = scratch()
    try FileManager.default.createDirectory(at: a, withIntermediateDirectories: true)
    try Data().write(to: a.appendingPathComponent("metrics.jsonl"))
    let refused = try nclhost(["demo", "--steps", "1", "--out", a.path])
    refused.assertFailed()
    XCTAssertTrue(refused.stderr.contains("\(a.path) already holds a run (metrics.jsonl): --resume continues it, --overwrite replaces it"),
                  refused.stderr)
    let resumed = try nclhost(["demo", "--steps", "1", "--resume", "--out", a.path])
    resumed.assertFailed()
    XCTAssertTrue(resumed.stderr.contains("cannot resume: there is no checkpoint at \(a.appendingPathComponent("checkpoint.ncl").path)"),
                  resumed.stderr)
    // A plugin's checkpoint is not the demo's.
    let b = scratch()
    try train(steps: 2, out: b)
    let other = try nclhost(["demo", "--steps", "4", "--resume", "--out", b.path])
    other.assertFailed()
    XCTAssertTrue(other.stderr.contains("was trained with plugin 'Fixture', not the demo"), other.stderr)
  }

  // MARK: - sample, fields, eval, call

  func testSampleThenFields() throws {
    let b = scratch()
    try train(steps: 12, out: b)
    let checkpoint = b.appendingPathComponent("checkpoint.ncl").path
    let samples = b.appendingPathComponent("S.csv"), fields = b.appendingPathComponent("F.csv")

    let sample = try nclhost(["sample", "--checkpoint", checkpoint, "--time", "0.5", "--count", "50", "--output", samples.path])
    sample.assertExit(0)
    let sampleLines = try lines(samples)
    XCTAssertEqual(sampleLines.first, "t,x1")
    XCTAssertEqual(sampleLines.count, 51)
    let points = sampleLines.dropFirst().map { $0.split(separator: ",").compactMap { Double($0) } }
    XCTAssertTrue(points.allSatisfy { $0.count == 2 && $0[0] == 0.5 && $0[1].isFinite }, sampleLines.joined(separator: "\n"))

    let result = try nclhost(["fields", "--checkpoint", checkpoint, "--input", samples.path, "--output", fields.path,
                              "--noise", "0.5"])
    result.assertExit(0)
    let fieldLines = try lines(fields)
    XCTAssertEqual(fieldLines.first, "t,x1,log_density,score_1,velocity_1,drift_1,flux_1")
    XCTAssertEqual(fieldLines.count, 51)
    for (index, line) in fieldLines.dropFirst().enumerated() {
      let v = line.split(separator: ",").compactMap { Double($0) }
      guard v.count == 7 else { XCTFail("line \(index + 2): \(line)"); continue }
      XCTAssertEqual(Array(v[0..<2]), points[index], "line \(index + 2) does not repeat its point")
      XCTAssertTrue(v.allSatisfy(\.isFinite), "line \(index + 2): \(line)")
      let (score, velocity, drift) = (v[3], v[4], v[5])
      let expected = velocity + 0.125 * score  // g^2/2 with g = 0.5
      let scale = max(abs(drift), abs(velocity), abs(0.125 * score), 1e-30)
      XCTAssertLessThanOrEqual(abs(drift - expected), 1e-5 * scale,
                               "line \(index + 2): drift \(drift) != velocity \(velocity) + 0.125 * score \(score)")
    }
  }

  func testFieldsOnlyWritesTheNamedFieldsInTheirOrder() throws {
    let b = scratch()
    try train(steps: 3, out: b)
    let checkpoint = b.appendingPathComponent("checkpoint.ncl").path
    let input = b.appendingPathComponent("points.csv")
    try "t,x1\n0.5,0.25\n0.1,-1\n0.9,2\n".write(to: input, atomically: true, encoding: .utf8)
    let all = try nclhost(["fields", "--checkpoint", checkpoint, "--input", input.path])
    all.assertExit(0)
    let some = try nclhost(["fields", "--checkpoint", checkpoint, "--input", input.path, "--only", "score,log_density,score"])
    some.assertExit(0)
    let allLines = all.stdout.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
    let someLines = some.stdout.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
    XCTAssertEqual(someLines.first, ["t", "x1", "score_1", "log_density"], some.stdout)
    XCTAssertEqual(someLines.count, 4, some.stdout)
    for (full, part) in zip(allLines.dropFirst(), someLines.dropFirst()) {
      // t, x1, log_density, score_1, ... in the full table.
      XCTAssertEqual(part, [full[0], full[1], full[3], full[2]], "the fields differ from the full table's")
    }
    let density = try nclhost(["fields", "--checkpoint", checkpoint, "--input", input.path, "--only", "log_density"])
    density.assertExit(0)
    let densityLines = density.stdout.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
    XCTAssertEqual(densityLines.first, ["t", "x1", "log_density"])
    for (full, part) in zip(allLines.dropFirst(), densityLines.dropFirst()) {
      XCTAssertEqual(Double(part[2])!, Double(full[2])!, accuracy: 1e-5 * max(1, abs(Double(full[2])!)))
    }
  }

  func testFieldsRefusesAnUnknownFieldName() throws {
    let result = try nclhost(["fields", "--input", "points.csv", "--only", "log_density,speed"])
    result.assertExit(64)
    XCTAssertTrue(result.stderr.contains("--only: unknown field 'speed'; valid fields: log_density, score, velocity, drift, flux"),
                  result.stderr)
  }

  func testFieldsRefusesColumnsItDoesNotRead() throws {
    let b = scratch()
    try train(steps: 3, out: b)
    let input = b.appendingPathComponent("points.csv"), output = b.appendingPathComponent("F.csv")
    try "t,x1,weight\n0.5,0.25,3\n".write(to: input, atomically: true, encoding: .utf8)
    let result = try nclhost(["fields", "--checkpoint", b.appendingPathComponent("checkpoint.ncl").path,
                              "--input", input.path, "--output", output.path])
    result.assertFailed()
    XCTAssertTrue(result.stderr.contains("\(input.path): unknown column 'weight'"), result.stderr)
    XCTAssertTrue(result.stderr.contains("exactly the columns t, x1"), result.stderr)
    XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
  }

  /// `sample` and `fields` read each tensor out once, so 8 times the points take about 8 times as
  /// long (in a debug build, 20k -> 160k points: 5.2-5.5 times for sample, 6.7-7.8 for fields,
  /// with the fixed start-up cost; 18 times for sample when every element read copied the whole
  /// tensor). The bounds leave room for a busy machine; a ratio over its bound is measured once
  /// more before it fails.
  func testSampleAndFieldsTakeTimeLinearInThePoints() throws {
    let b = scratch()
    try train(steps: 3, out: b)
    let checkpoint = b.appendingPathComponent("checkpoint.ncl").path
    func seconds(_ arguments: [String]) throws -> Double {
      let clock = ContinuousClock()
      let start = clock.now
      try nclhost(arguments).assertExit(0)
      return (clock.now - start) / .seconds(1)
    }
    func sample(_ count: Int) throws -> Double {
      try seconds(["sample", "--checkpoint", checkpoint, "--count", "\(count)", "--output", b.appendingPathComponent("S\(count).csv").path])
    }
    func fields(_ count: Int) throws -> Double {
      let points = b.appendingPathComponent("S\(count).csv").path
      if !FileManager.default.fileExists(atPath: points) { _ = try sample(count) }
      return try seconds(["fields", "--checkpoint", checkpoint, "--input", points, "--output", points + ".out"])
    }
    for (name, measure, small, bound) in [("sample", sample, 20_000, 12.0), ("fields", fields, 20_000, 14.0)] {
      let base = try min(measure(small), measure(small))
      var large = try measure(8 * small)
      if large > bound * base { large = min(large, try measure(8 * small)) }
      XCTAssertLessThan(large, bound * base, "\(name): \(small) points in \(base) s, \(8 * small) in \(large) s")
    }
  }

  func testFieldsNamesTheFileAndLineOfABadValue() throws {
    let b = scratch()
    try train(steps: 3, out: b)
    let input = b.appendingPathComponent("bad.csv"), output = b.appendingPathComponent("F.csv")
    try "t,x1\n0.5,0.25\n0.5,abc\n0.5,1\n".write(to: input, atomically: true, encoding: .utf8)
    let result = try nclhost(["fields", "--checkpoint", b.appendingPathComponent("checkpoint.ncl").path,
                              "--input", input.path, "--output", output.path])
    result.assertFailed()
    XCTAssertTrue(result.stderr.contains("\(input.path):3"), "file and line 3 expected:\n\(result.stderr)")
    XCTAssertTrue(result.stderr.contains("'abc'"), result.stderr)
    XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
  }

  /// Every command that reads a checkpoint names a missing one plainly, without Foundation's error dump.
  func testMissingCheckpointIsNamedPlainly() throws {
    let folder = scratch()
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let missing = folder.appendingPathComponent("nope.ncl").path
    let points = folder.appendingPathComponent("points.csv")
    try "t,x1\n0.5,0\n".write(to: points, atomically: true, encoding: .utf8)
    let commands: [[String]] = [
      ["eval"] + (try pluginPath()), ["sample"], ["fields", "--input", points.path], ["plot", "--output", folder.path],
    ]
    for command in commands {
      let result = try nclhost(command + ["--checkpoint", missing])
      result.assertFailed()
      XCTAssertTrue(result.stderr.contains("no checkpoint at \(missing)"), result.summary)
      XCTAssertTrue(result.stderr.contains("--checkpoint"), result.summary)
      XCTAssertFalse(result.stderr.contains("Domain="), "raw Foundation error: \(result.summary)")
      XCTAssertEqual(result.stdout, "", result.summary)
    }
    let directory = try nclhost(["sample", "--checkpoint", folder.path])
    directory.assertFailed()
    XCTAssertTrue(directory.stderr.contains("is a directory"), directory.summary)
  }

  func testEvalPrintsThePluginsMetric() throws {
    let b = scratch()
    try train(steps: 12, out: b)
    let result = try nclhost(["eval", "--checkpoint", b.appendingPathComponent("checkpoint.ncl").path] + pluginPath())
    result.assertExit(0)
    let lines = result.stdout.split(separator: "\n").map(String.init)
    XCTAssertEqual(lines.first, "Fixture at step 12:", result.stdout)
    let nll = lines.first { $0.hasPrefix("  nll = ") }.flatMap { Double($0.dropFirst("  nll = ".count)) }
    XCTAssertNotNil(nll, result.stdout)
    XCTAssertTrue(nll?.isFinite ?? false, result.stdout)
  }

  /// `eval --set` evaluates with a parameter changed (here the fixture's data scale, which moves
  /// its NLL metric); a name the plugin lacks is refused with the plugin's own message.
  func testEvalSetOverridesASavedParameter() throws {
    let b = scratch()
    try train(steps: 12, out: b)
    let checkpoint = b.appendingPathComponent("checkpoint.ncl").path
    func nll(_ extra: [String]) throws -> Double? {
      let result = try nclhost(["eval", "--checkpoint", checkpoint] + extra + pluginPath())
      result.assertExit(0)
      return result.stdout.split(separator: "\n").first { $0.hasPrefix("  nll = ") }.flatMap { Double($0.dropFirst("  nll = ".count)) }
    }
    let saved = try XCTUnwrap(try nll([])), wider = try XCTUnwrap(try nll(["--set", "scale=4"]))
    XCTAssertGreaterThan(wider, saved + 1, "data 4x wider must score worse under the trained model")
    let unknown = try nclhost(["eval", "--checkpoint", checkpoint, "--set", "scal=2"] + pluginPath())
    unknown.assertFailed()
    XCTAssertTrue(unknown.stderr.contains("has no parameter 'scal'"), unknown.summary)
  }

  /// A problem's suggested run (ABI 1.3) is what a default run does; each of --steps,
  /// --learning-rate and --schedule given on the command line wins over it.
  func testRunTakesThePluginsSuggestedTrainingUnlessGiven() throws {
    func trainer(_ extra: [String]) throws -> (banner: String, settings: [String: Any]) {
      let b = scratch()
      let result = try nclhost(["run", "Fixture", "--set", "mode=suggest", "--out", b.path] + extra + pluginPath())
      result.assertExit(0)
      let config = try JSONSerialization.jsonObject(with: Data(contentsOf: b.appendingPathComponent("config.json"))) as? [String: Any]
      return (result.stdout, try XCTUnwrap(config?["trainer"] as? [String: Any]))
    }
    let suggested = try trainer([])
    XCTAssertTrue(suggested.banner.contains(", 7 steps -> "), suggested.banner)
    XCTAssertEqual(suggested.settings["steps"] as? Int, 7)
    XCTAssertEqual(suggested.settings["learningRate"] as? Double, 0.02)
    XCTAssertNotNil((suggested.settings["schedule"] as? [String: Any])?["cosine"], "\(suggested.settings)")
    let given = try trainer(["--steps", "3", "--learning-rate", "0.5", "--schedule", "constant"])
    XCTAssertEqual(given.settings["steps"] as? Int, 3)
    XCTAssertEqual(given.settings["learningRate"] as? Double, 0.5)
    XCTAssertEqual(suggested.settings["weightDecay"] as? Double, 0)
    XCTAssertEqual(try trainer(["--weight-decay", "0.25"]).settings["weightDecay"] as? Double, 0.25)
    XCTAssertNotNil((given.settings["schedule"] as? [String: Any])?["constant"], "\(given.settings)")
    let partly = try trainer(["--steps", "4"])
    XCTAssertEqual(partly.settings["steps"] as? Int, 4)
    XCTAssertEqual(partly.settings["learningRate"] as? Double, 0.02, "an option not given still follows the suggestion")
  }

  /// A process pinned to one core (`taskset`, as MPI launchers and batch systems pin) trains with
  /// one thread: a second one would spin against the first on the same core.
  func testPinnedRunUsesTheCoresOfItsAffinityMask() throws {
    let b = scratch()
    let result = try nclhost(["run", "Fixture", "--steps", "2", "--out", b.path] + pluginPath(), launcher: ["/usr/bin/taskset", "-c", "0"])
    result.assertExit(0)
    XCTAssertTrue(result.stdout.contains(", 1 thread)"), result.summary)
  }

  /// `nclhost sweep`: one run per value in its own folder, then the table of their evaluations
  /// (printed and in DIR/sweep.txt); a parameter the plugin lacks, or one also --set, is refused.
  func testSweepTrainsOncePerValueAndTabulates() throws {
    let b = scratch()
    let result = try nclhost(["sweep", "Fixture", "--over", "scale=1,2", "--steps", "6", "--columns", "nll", "--out", b.path] + pluginPath())
    result.assertExit(0)
    for value in ["1", "2"] {
      XCTAssertTrue(FileManager.default.fileExists(atPath: b.appendingPathComponent("scale-\(value)/checkpoint.ncl").path), result.stdout)
    }
    let table = try lines(b.appendingPathComponent("sweep.txt"))
    XCTAssertEqual(table.count, 4, "header, two runs, mean: \(table)")
    XCTAssertEqual(table[0].split(separator: " ").map(String.init), ["scale", "nll"])
    let nll = table.dropFirst().map { Double($0.split(separator: " ").last.map(String.init) ?? "") }
    XCTAssertTrue(nll.allSatisfy { $0?.isFinite ?? false }, "\(table)")
    XCTAssertEqual(table[3].split(separator: " ").first, "mean")
    XCTAssertEqual(nll[2]!, (nll[0]! + nll[1]!) / 2, accuracy: 1e-3)
    XCTAssertTrue(result.stdout.hasSuffix(table.joined(separator: "\n") + "\n"), result.stdout)

    let unknown = try nclhost(["sweep", "Fixture", "--over", "bogus=1,2", "--steps", "2", "--out", scratch().path] + pluginPath())
    XCTAssertNotEqual(unknown.status, 0)
    XCTAssertTrue(unknown.stderr.contains("Fixture has no parameter 'bogus'"), unknown.stderr)
    let twice = try nclhost(["sweep", "Fixture", "--over", "scale=1,2", "--set", "scale=3", "--steps", "2", "--out", scratch().path] + pluginPath())
    XCTAssertNotEqual(twice.status, 0)
    XCTAssertTrue(twice.stderr.contains("conflicts with --over scale"), twice.stderr)
  }

  func testCallRunsTheExamplePluginsFunction() throws {
    let library = try PluginFixtures.library("Examples/c-plugin/gaussian_transport.c", name: "gaussian_transport",
                                             subdirectory: "cli-example")
    let result = try nclhost(["call", "GaussianTransport", "gaussian_w2", "2", "-1", "0.5", "1", "1",
                              "--plugin-path", library.deletingLastPathComponent().path])
    result.assertExit(0)
    XCTAssertEqual(result.stdout, "8.5\n")  // 2 * ((1 - -1)^2 + (1 - 0.5)^2)
    XCTAssertEqual(result.stderr, "")
  }

  /// `--` ends the options so that arguments may start with '-'; it is not an argument itself.
  func testCallAcceptsDoubleDashBeforeTheArguments() throws {
    let library = try PluginFixtures.library("Examples/c-plugin/gaussian_transport.c", name: "gaussian_transport",
                                             subdirectory: "cli-example")
    let folder = library.deletingLastPathComponent().path
    for arguments in [["--plugin-path", folder, "--", "2", "-1", "0.5", "1", "1"],
                      ["2", "--plugin-path", folder, "--", "-1", "0.5", "1", "1"]] {
      let result = try nclhost(["call", "GaussianTransport", "gaussian_w2"] + arguments)
      result.assertExit(0)
      XCTAssertEqual(result.stdout, "8.5\n", result.summary)
    }
    // Only the first `--` separates: a second one is an argument (here one too many).
    let extra = try nclhost(["call", "GaussianTransport", "gaussian_w2", "--plugin-path", folder, "--", "2", "-1", "0.5", "1", "1", "--"])
    extra.assertFailed()
    XCTAssertTrue(extra.stderr.contains("takes 5 argument(s) (d(idddd)), got 6"), extra.stderr)
  }

  // MARK: - plot, Ctrl-C

  func testPlotWritesThreePNGs() throws {
    let out = scratch()
    try nclhost(["run", "Fixture", "--steps", "3", "--out", out.path] + pluginPath()).assertExit(0)
    let pictures = out.appendingPathComponent("plots")
    let result = try nclhost(["plot", "--checkpoint", out.appendingPathComponent("checkpoint.ncl").path,
                              "--output", pictures.path, "--paths", "10"])
    result.assertExit(0)
    for name in ["density.png", "velocity.png", "trajectories.png"] {
      let data = try Data(contentsOf: pictures.appendingPathComponent(name))
      XCTAssertEqual(Array(data.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "\(name) is not a PNG")
      XCTAssertTrue(result.stdout.contains(name), result.stdout)
    }
    XCTAssertFalse(FileManager.default.fileExists(atPath: pictures.appendingPathComponent("drift.png").path),
                   "no drift picture without noise: it would be the velocity")
  }

  /// With --noise g the drift of the SDE with noise g (the control) is drawn too, next to the velocity.
  func testPlotWithNoiseDrawsTheDrift() throws {
    let out = scratch()
    try nclhost(["run", "Fixture", "--steps", "3", "--out", out.path] + pluginPath()).assertExit(0)
    let pictures = out.appendingPathComponent("plots")
    let result = try nclhost(["plot", "--checkpoint", out.appendingPathComponent("checkpoint.ncl").path,
                              "--output", pictures.path, "--paths", "10", "--noise", "0.5"])
    result.assertExit(0)
    for name in ["density.png", "velocity.png", "drift.png", "trajectories.png"] {
      XCTAssertTrue(result.stdout.contains("wrote \(pictures.appendingPathComponent(name).path)\n"), result.stdout)
      let data = try Data(contentsOf: pictures.appendingPathComponent(name))
      XCTAssertEqual(Array(data.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "\(name) is not a PNG")
    }
    let velocity = try Data(contentsOf: pictures.appendingPathComponent("velocity.png"))
    XCTAssertNotEqual(try Data(contentsOf: pictures.appendingPathComponent("drift.png")), velocity, "the drift differs from the velocity for g > 0")
  }

  /// Ctrl-C finishes the current step, writes a checkpoint there and exits 130; --resume continues.
  func testInterruptWritesACheckpointAndResumes() throws {
    let out = scratch()
    let process = Process()
    process.executableURL = try Self.binary()
    process.arguments = ["run", "Fixture", "--steps", "1000000", "--checkpoint-every", "1000000", "--out", out.path] + (try pluginPath())
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    // Wait until training is under way (metrics rows appear), then interrupt.
    let metrics = out.appendingPathComponent("metrics.jsonl")
    let deadline = Date().addingTimeInterval(60)
    while Date() < deadline, ((try? String(contentsOf: metrics, encoding: .utf8))?.count ?? 0) < 200 { usleep(50_000) }
    kill(process.processIdentifier, SIGINT)
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    XCTAssertEqual(process.terminationReason, .exit)
    XCTAssertEqual(process.terminationStatus, 130, text)
    XCTAssertTrue(text.contains("interrupted at step"), text)
    let checkpoint = try Checkpoint.read(from: out.appendingPathComponent("checkpoint.ncl"))
    XCTAssertGreaterThan(checkpoint.step, 0)
    XCTAssertTrue(text.contains("interrupted at step \(checkpoint.step) of 1000000"), text)
    let resumed = try nclhost(["run", "Fixture", "--steps", "\(checkpoint.step + 2)", "--resume", "--out", out.path] + pluginPath())
    resumed.assertExit(0)
    XCTAssertEqual(try Checkpoint.read(from: out.appendingPathComponent("checkpoint.ncl")).step, checkpoint.step + 2)
  }

  // MARK: - Support

  struct Result {
    let command: String
    let stdout: String
    let stderr: String
    /// The exit code, or the signal number when `reason` is `.uncaughtSignal`.
    let status: Int32
    let reason: Process.TerminationReason

    var summary: String {
      let how = reason == .exit ? "exit status \(status)" : "signal \(status)"
      return "`\(command)` ended with \(how)\n--- stdout:\n\(stdout)--- stderr:\n\(stderr)"
    }

    func assertExit(_ code: Int32, file: StaticString = #filePath, line: UInt = #line) {
      XCTAssertTrue(reason == .exit && status == code, "expected exit status \(code); \(summary)", file: file, line: line)
    }

    /// Exited on its own (no signal) with a non-zero status.
    func assertFailed(file: StaticString = #filePath, line: UInt = #line) {
      XCTAssertTrue(reason == .exit && status != 0, "expected a non-zero exit status; \(summary)", file: file, line: line)
    }
  }

  /// The repository root (this file is Tests/NCLHostTests/CLI/NCLHostCommandTests.swift).
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  /// The `nclhost` built with the tests: next to the test bundle, else in the repository's .build/debug.
  static func binary() throws -> URL {
    var candidates: [URL] = []
    if let executable = Bundle.main.executableURL {
      candidates.append(executable.resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("nclhost"))
    }
    for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
      candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("nclhost"))
    }
    candidates.append(repository.appendingPathComponent(".build/debug/nclhost"))
    if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) { return found }
    throw SetupError(description: """
      the nclhost binary was not found; build it first (`swift build --build-tests`). Looked at:
      \(candidates.map { "  " + $0.path }.joined(separator: "\n"))
      """)
  }

  /// Runs nclhost with `arguments`, stdout and stderr captured separately, at a fixed 80-column
  /// width and without $NCL_PLUGIN_PATH; kills it after `timeout` seconds. `launcher`: a command
  /// that starts nclhost (its path is appended to it), such as mpirun and its options.
  func nclhost(_ arguments: [String], timeout: TimeInterval = 120, launcher: [String] = [], environment extra: [String: String] = [:]) throws -> Result {
    let process = Process()
    if let command = launcher.first {
      process.executableURL = URL(fileURLWithPath: command)
      process.arguments = launcher.dropFirst() + [try Self.binary().path] + arguments
    } else {
      process.executableURL = try Self.binary()
      process.arguments = arguments
    }
    var environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
    environment["COLUMNS"] = "80"
    environment["NCL_PLUGIN_PATH"] = nil
    process.environment = environment
    let stdout = Pipe(), stderr = Pipe()
    process.standardOutput = stdout
    process.standardError = stderr
    process.standardInput = FileHandle.nullDevice
    try process.run()

    let killed = Flag()
    let watchdog = DispatchWorkItem {
      if process.isRunning {
        killed.set()
        process.terminate()
      }
    }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
    // Drain both pipes at once so that neither can fill up and block the child.
    let errorData = Box()
    let group = DispatchGroup()
    DispatchQueue.global().async(group: group) { errorData.data = stderr.fileHandleForReading.readDataToEndOfFile() }
    let outputData = stdout.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    watchdog.cancel()

    let result = Result(
      command: (launcher + ["nclhost"] + arguments).joined(separator: " "),
      stdout: String(decoding: outputData, as: UTF8.self), stderr: String(decoding: errorData.data, as: UTF8.self),
      status: process.terminationStatus, reason: process.terminationReason)
    if killed.isSet { XCTFail("timed out after \(timeout) s; \(result.summary)") }
    return result
  }

  struct SetupError: Error, CustomStringConvertible, LocalizedError {
    let description: String
    var errorDescription: String? { description }
  }

  private final class Box: @unchecked Sendable { var data = Data() }

  private final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
  }

  /// The fixture plugin, compiled once per test process.
  func fixture() throws -> URL {
    try PluginFixtures.library("Tests/Fixtures/plugins/fixture.c", name: "fixture", subdirectory: "cli")
  }

  func pluginPath() throws -> [String] {
    ["--plugin-path", try fixture().deletingLastPathComponent().path]
  }

  /// A fresh path under the temporary directory (not created), removed after the test.
  func scratch() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("nclhost-cli-\(UUID().uuidString)")
    addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
  }

  /// A successful `nclhost run Fixture` of `steps` steps into `out`.
  func train(steps: Int, out: URL, _ extra: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws {
    let result = try nclhost(["run", "Fixture", "--steps", "\(steps)", "--out", out.path] + extra + pluginPath())
    result.assertExit(0, file: file, line: line)
    guard result.reason == .exit && result.status == 0 else { throw SetupError(description: "training failed: \(result.summary)") }
  }

  func lines(_ url: URL) throws -> [String] {
    try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
      .map(String.init).filter { !$0.isEmpty }
  }

  func bits(_ tensors: [Tensor<Float>]) -> [UInt32] {
    tensors.flatMap { $0.scalars.map(\.bitPattern) }
  }

  /// Whole-text comparison that also shows the first differing line.
  func assertGolden(_ actual: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
    guard actual != expected else { return }
    let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
    let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let index = zip(a, e).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, e.count)
    XCTFail("""
      help text differs from the golden at line \(index + 1):
        expected: \(index < e.count ? String(e[index]) : "<end>")
        actual:   \(index < a.count ? String(a[index]) : "<end>")
      whole output:
      \(actual)
      """, file: file, line: line)
  }

  static let rootHelp = #"""
    OVERVIEW: Train and evaluate simulation-free diffusion dynamics (neural
    conservation laws).

    USAGE: nclhost <subcommand>

    OPTIONS:
      --version               Show the version.
      -h, --help              Show help information.

    SUBCOMMANDS:
      demo (default)          Learn the least-action flow between two 2-D toy laws
                              (the built-in default problem).
      list                    List the installed plugins and where they were found.
      info                    Show a plugin's parameters (with defaults) and
                              callable functions.
      run                     Train the model on a plugin's objective, writing
                              checkpoints and metrics to --out.
      sweep                   Train once per value of one plugin parameter and
                              print a table of the evaluations.
      eval                    Evaluate a trained model with the metrics of the
                              plugin it was trained with.
      sample                  Draw exact samples of rho_t from a trained model
                              (ancestral sampling, no SDE) and write them as CSV.
      fields                  Evaluate log-density, score, velocity, drift and flux
                              at points read from a CSV file.
      plot                    Write PNG pictures of a trained model: the density
                              over time, the velocity or flux field, and SDE paths.
      call                    Call a function a plugin exports (data generators,
                              reference solutions), typed by its declared signature.
      mpi-check               Check the collectives of a data-parallel job: run it
                              as `mpirun -np N nclhost mpi-check`.

      See 'nclhost help <subcommand>' for detailed help.

    """#

  static let runHelp = #"""
    OVERVIEW: Train the model on a plugin's objective, writing checkpoints and
    metrics to --out.

    Checkpoints are written atomically to DIR/checkpoint.ncl every
    --checkpoint-every steps and at the end; metrics go to DIR/metrics.jsonl. A DIR
    that already holds a run is refused unless --resume continues it or --overwrite
    replaces it. Ctrl-C stops after the current step and writes a checkpoint;
    continue with the same command and --resume (which reuses the checkpoint's
    model, so model options are ignored). A NaN or infinite loss stops training and
    keeps the last good checkpoint. Under `mpirun -np N` the run is data-parallel
    over N processes, each drawing --set batch (the plugin's batch) per step; `kill
    -USR1` of mpirun stops it with a checkpoint, which resumes with any number of
    processes (docs/distributed.md).

    USAGE: nclhost run [<options>] <plugin>

    ARGUMENTS:
      <plugin>                Plugin name (see `nclhost list`) or path to its
                              shared library.

    OPTIONS:
      --set <key=value>       Set a plugin parameter (repeatable; see `nclhost info
                              PLUGIN`).
      --steps <steps>         Total training steps (default: the plugin's
                              suggestion, else 2000); a resumed run continues up to
                              this count.
      --seed <seed>           Seed of initialization, data and sampling. (default:
                              0)
      --out <dir>             Output directory for checkpoint.ncl, metrics.jsonl
                              and config.json. (default: out)
      --resume                Continue the run in DIR from its checkpoint.ncl.
      --overwrite             Replace the run in DIR (checkpoint.ncl,
                              metrics.jsonl) with a new one.
      --learning-rate <learning-rate>
                              Adam learning rate (default: the plugin's suggestion,
                              else 0.001).
      --schedule <schedule>   Learning-rate schedule: constant, or cosine to 1% of
                              the rate (default: the plugin's suggestion, else
                              constant). (values: constant, cosine)
      --weight-decay <weight-decay>
                              Decoupled weight decay (AdamW): each step shrinks
                              every weight by rate x this (0: off). (default: 0.0)
      --clip <clip>           Clip gradients to this global L2 norm (0: off).
                              (default: 0.0)
      --checkpoint-every <checkpoint-every>
                              Steps between checkpoints. (default: 500)
      --evaluate-every <evaluate-every>
                              Steps between evaluations (0: only at the end).
                              (default: 0)
      --log-every <log-every> Steps between log lines when not on a terminal.
                              (default: 100)
      --components <components>
                              Logistic components per coordinate (default: the
                              plugin's suggestion, else 16).
      --hidden <hidden>       Width of each hidden layer of the conditioner
                              (default: the plugin's suggestion, else 128).
      --layers <layers>       Number of hidden layers of the conditioner (default:
                              the plugin's suggestion, else 3).
      --flux <flux>           Flux construction: telescoping, naive,
                              knothe-rosenblatt or factorized (default: the
                              plugin's suggestion, else telescoping). (values:
                              telescoping, naive, knothe-rosenblatt, factorized)
      --tau <tau>             Scale tau of the telescoping flux's reference
                              logistic (default 1; telescoping only).
      --plugin-path <dir>     A directory to search for plugins (repeatable),
                              before $NCL_PLUGIN_PATH's, the user's plugin
                              directory and the build's products.
      --isolate               Run the plugin in a child process: a crash is
                              reported instead of killing the host.
      --version               Show the version.
      -h, --help              Show help information.


    """#

  static let demoHelp = #"""
    OVERVIEW: Learn the least-action flow between two 2-D toy laws (the built-in
    default problem).

    Trains the NCL model (exact density, telescoping flux) on 8 gaussians at t=0
    and 2 gaussians at t=1 with the kinetic-energy loss, then reports held-out
    likelihoods and the transport cost of the learned flow. Writes a checkpoint
    that `nclhost plot` and `nclhost sample` read. A DIR that already holds a run
    is refused unless --resume continues it or --overwrite replaces it.

    USAGE: nclhost demo <options>

    OPTIONS:
      --source <source>       Law at t = 0. (values: 8gaussians, 2gaussians,
                              pinwheel, moons, circles, checkerboard, swissroll,
                              ncl-8gaussians, ncl-pinwheel, 2spirals; default:
                              8gaussians)
      --target <target>       Law at t = 1. (values: 8gaussians, 2gaussians,
                              pinwheel, moons, circles, checkerboard, swissroll,
                              ncl-8gaussians, ncl-pinwheel, 2spirals; default:
                              2gaussians)
      --batch <batch>         Samples per marginal and kinetic points per step.
                              (default: 256)
      --kinetic-weight <kinetic-weight>
                              Weight of the kinetic-energy term. (default: 0.05)
      --steps <steps>         Total training steps (default: 2000); a resumed run
                              continues up to this count.
      --seed <seed>           Seed of initialization, data and sampling. (default:
                              0)
      --out <dir>             Output directory for checkpoint.ncl, metrics.jsonl
                              and config.json. (default: demo-out)
      --resume                Continue the run in DIR from its checkpoint.ncl.
      --overwrite             Replace the run in DIR (checkpoint.ncl,
                              metrics.jsonl) with a new one.
      --learning-rate <learning-rate>
                              Adam learning rate (default: 0.002).
      --schedule <schedule>   Learning-rate schedule: constant, or cosine to 1% of
                              the rate (default: constant). (values: constant,
                              cosine)
      --weight-decay <weight-decay>
                              Decoupled weight decay (AdamW): each step shrinks
                              every weight by rate x this (0: off). (default: 0.0)
      --clip <clip>           Clip gradients to this global L2 norm (0: off).
                              (default: 0.0)
      --checkpoint-every <checkpoint-every>
                              Steps between checkpoints. (default: 500)
      --evaluate-every <evaluate-every>
                              Steps between evaluations (0: only at the end).
                              (default: 0)
      --log-every <log-every> Steps between log lines when not on a terminal.
                              (default: 200)
      --version               Show the version.
      -h, --help              Show help information.


    """#
}
