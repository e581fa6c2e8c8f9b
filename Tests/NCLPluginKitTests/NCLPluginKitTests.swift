// The kit's pieces that need no real host: parameter values, declarations, descriptors, error buffers,
// and how it reads a routine table of an older ABI.
import XCTest
@testable import NCLPluginKit
import NCLPluginAPI
import NCLSupport

final class NCLPluginKitTests: XCTestCase {
  let values = ParameterValues([
    .init(name: "rate", number: 0.25, text: "0.25"),
    .init(name: "count", number: 12, text: "12"),
    .init(name: "half", number: 2.5, text: "2.5"),
    .init(name: "on", number: 1, text: "true"),
    .init(name: "mode", number: 0, text: "score"),
    .init(name: "means", number: 0, text: "1, -2.5;3 4e-1"),
    .init(name: "bad", number: 0, text: "1,x"),
  ])

  enum Mode: String { case importance, score }

  func message(_ body: () throws -> Any) -> String {
    do { _ = try body(); return "no error" } catch { return "\(error)" }
  }

  func testParameterValuesByName() throws {
    XCTAssertEqual(try values.double("rate"), 0.25)
    XCTAssertEqual(try values.int("count"), 12)
    XCTAssertEqual(try values.bool("on"), true)
    XCTAssertEqual(try values.string("mode"), "score")
    XCTAssertEqual(try values.choice("mode", as: Mode.self), .score)
    XCTAssertEqual(try values.doubles("means"), [1, -2.5, 3, 0.4])
  }

  func testParameterValueErrorsNameTheParameter() {
    XCTAssertEqual(message { try values.double("rat") }, "no parameter named 'rat' was passed (declared: rate, count, half, on, mode, means, bad)")
    XCTAssertEqual(message { try values.int("half") }, "parameter 'half': 2.5 is not an integer")
    XCTAssertEqual(message { try values.choice("rate", as: Mode.self) }, "parameter 'rate': '0.25' is not a known choice")
    XCTAssertEqual(message { try values.doubles("bad") }, "parameter 'bad': 'x' in '1,x' is not a finite number")
    do {
      _ = try values.int("half")
    } catch let error as ObjectiveError {
      XCTAssertEqual(error.status, .invalidArgument)
      XCTAssertEqual(error.status.code, ncl_status_t(NCL_ERROR_INVALID_ARGUMENT))
    } catch { XCTFail("\(error)") }
  }

  /// A warm-up: 0 at the start, linear, 1 from the end of the warm-up on, and 1 throughout without
  /// one or without the run's length.
  func testWarmup() {
    XCTAssertEqual(StepInfo(step: 0, totalSteps: 100).warmup(0.2), 0)
    XCTAssertEqual(StepInfo(step: 10, totalSteps: 100).warmup(0.2), 0.5, accuracy: 1e-12)
    XCTAssertEqual(StepInfo(step: 20, totalSteps: 100).warmup(0.2), 1)
    XCTAssertEqual(StepInfo(step: 90, totalSteps: 100).warmup(0.2), 1)
    XCTAssertEqual(StepInfo(step: 1, totalSteps: 100).warmup(0), 1)
    XCTAssertEqual(StepInfo(step: 1, totalSteps: 0).warmup(0.2), 1)
  }

  /// -1 stands for the plugin's default (nil), a value >= 0 is itself, any other negative value is
  /// refused by name.
  func testDoubleOrDefault() throws {
    let v = ParameterValues([.init(name: "w", number: -1, text: ""), .init(name: "z", number: 0, text: ""),
                             .init(name: "x", number: 2.5, text: ""), .init(name: "bad", number: -0.5, text: "")])
    XCTAssertNil(try v.doubleOrDefault("w"))
    XCTAssertEqual(try v.doubleOrDefault("z"), 0)
    XCTAssertEqual(try v.doubleOrDefault("x"), 2.5)
    XCTAssertEqual(message { try v.doubleOrDefault("bad", what: "a weight >= 0") as Any }, "bad=-0.5: give a weight >= 0, or -1 for the default")
  }

  /// The same for an INT with a least value: -1 is the default (nil), values from the minimum up are
  /// themselves, anything else is refused by name.
  func testIntOrDefault() throws {
    let v = ParameterValues([.init(name: "n", number: -1, text: ""), .init(name: "m", number: 8, text: ""),
                             .init(name: "small", number: 4, text: ""), .init(name: "half", number: 2.5, text: "")])
    XCTAssertNil(try v.intOrDefault("n", minimum: 8))
    XCTAssertEqual(try v.intOrDefault("m", minimum: 8), 8)
    XCTAssertEqual(message { try v.intOrDefault("small", minimum: 8) as Any }, "small=4: give at least 8, or -1 for the default")
    XCTAssertEqual(message { try v.intOrDefault("half", minimum: 1) as Any }, "parameter 'half': 2.5 is not an integer")
  }

  /// Values from declarations: the defaults as the host sends them, replaced where asked.
  func testValuesFromDeclarations() throws {
    let declarations: [ParameterDeclaration] = [.float("w", default: 0.05, help: ""), .int("n", default: -1, help: ""),
                                                .bool("on", default: true, help: ""), .choice("c", ["a", "b"], default: "a", help: "")]
    let defaults = ParameterValues(declarations)
    XCTAssertEqual(try defaults.double("w"), 0.05)
    XCTAssertNil(try defaults.intOrDefault("n", minimum: 8))
    XCTAssertTrue(try defaults.bool("on"))
    XCTAssertEqual(try defaults.string("c"), "a")
    let replaced = ParameterValues(declarations, replacing: ["n": "16", "on": "false", "c": "b"])
    XCTAssertEqual(try replaced.int("n"), 16)
    XCTAssertFalse(try replaced.bool("on"))
    XCTAssertEqual(try replaced.string("c"), "b")
    XCTAssertEqual(try replaced.double("w"), 0.05)
  }

  /// StateCoder keeps exact bits (negative zero, NaN payloads) and refuses a state of another
  /// length or a malformed one by name.
  func testStateCoderRoundTripAndErrors() throws {
    let values = [0.5, -0.0, .infinity, Double(bitPattern: 0x7FF8_0000_0000_1234), -1e-300]
    let bytes = StateCoder.bytes(values)
    XCTAssertEqual(bytes.count, 8 * 6)
    XCTAssertEqual(try StateCoder.doubles(bytes, count: 5, what: "mu").map(\.bitPattern), values.map(\.bitPattern))
    XCTAssertThrowsError(try StateCoder.doubles(bytes, count: 4, what: "mu")) {
      XCTAssertTrue("\($0)".contains("mu: the saved state holds 5 values, this run needs 4"), "\($0)")
    }
    XCTAssertThrowsError(try StateCoder.doubles(Array(bytes.dropLast()), count: 5, what: "mu")) {
      XCTAssertTrue("\($0)".contains("malformed"), "\($0)")
    }
    XCTAssertEqual(try StateCoder.doubles(StateCoder.bytes([]), count: 0, what: "mu"), [])
  }

  func testStatusCodesAreTheABIs() {
    XCTAssertEqual(ObjectiveError.Status.allCases.map(\.code),
                   [NCL_ERROR_INVALID_ARGUMENT, NCL_ERROR_DATA, NCL_ERROR_NUMERIC, NCL_ERROR_UNSUPPORTED, NCL_ERROR_INTERNAL].map { ncl_status_t($0) })
  }

  func testDeclarationsBecomeCStructs() {
    let f = ParameterDeclaration.float("kinetic_weight", default: 0.05, range: 0...10, help: "weight").cValue()
    XCTAssertEqual(f.struct_size, UInt32(MemoryLayout<ncl_param_info_t>.stride))
    XCTAssertEqual(String(cString: f.name), "kinetic_weight")
    XCTAssertEqual(f.type, ncl_param_type_t(NCL_PARAM_FLOAT))
    XCTAssertEqual(String(cString: f.default_value), "0.05")
    XCTAssertEqual([f.min_value, f.max_value], [0, 10])
    XCTAssertNil(f.choices)
    let i = ParameterDeclaration.int("batch", default: 256, help: "points").cValue()
    XCTAssertEqual(i.type, ncl_param_type_t(NCL_PARAM_INT))
    XCTAssertEqual(String(cString: i.default_value), "256")
    XCTAssertGreaterThan(i.min_value, i.max_value, "no range: min > max")
    let c = ParameterDeclaration.choice("estimator", ["importance", "score"], default: "score", help: "how").cValue()
    XCTAssertEqual(c.type, ncl_param_type_t(NCL_PARAM_CHOICE))
    XCTAssertEqual(String(cString: c.choices), "importance|score")
    XCTAssertEqual(ParameterDeclaration.bool("on", default: true, help: "h").cValue().type, ncl_param_type_t(NCL_PARAM_BOOL))
    XCTAssertEqual(String(cString: ParameterDeclaration.bool("on", default: true, help: "h").cValue().default_value), "true")
    XCTAssertEqual(ParameterDeclaration.path("csv", help: "h").cValue().type, ncl_param_type_t(NCL_PARAM_PATH))
    XCTAssertEqual(ParameterDeclaration.format(1e-6), "1e-06")
    XCTAssertEqual(ParameterDeclaration.format(-3), "-3")
  }

  func testProblemDescriptionBecomesACStruct() {
    var p = ProblemDescription(dimension: 3)
    p.horizon = 0...30
    p.noise = .linear(start: 0.5, end: 0.1)
    p.flux = .knotheRosenblatt
    p.divergenceFree = true
    p.batchSize = 128
    let c = p.cValue()
    XCTAssertEqual(c.struct_size, UInt32(MemoryLayout<ncl_problem_t>.stride))
    XCTAssertEqual(c.dimension, 3)
    XCTAssertEqual([c.time_start, c.time_end, c.noise_start, c.noise_end], [0, 30, 0.5, 0.1])
    XCTAssertEqual(c.noise_kind, ncl_noise_kind_t(NCL_NOISE_LINEAR))
    XCTAssertEqual(c.flux, ncl_flux_kind_t(NCL_FLUX_KNOTHE_ROSENBLATT))
    XCTAssertEqual([c.divergence_free, c.batch_size, c.components], [1, 128, 0])
    XCTAssertEqual([ProblemDescription(dimension: 1).cValue().time_start, ProblemDescription(dimension: 1).cValue().time_end], [0, 0],
                   "the unit horizon is written as 0, 0")
    let plain = ProblemDescription(dimension: 1).cValue()
    XCTAssertEqual([plain.suggested_steps, plain.suggested_schedule], [0, ncl_schedule_kind_t(NCL_SCHEDULE_DEFAULT)], "no suggestion: the host's run")
    XCTAssertEqual(plain.suggested_learning_rate, 0)
    p.suggestedSteps = 12_000
    p.suggestedLearningRate = 3e-3
    p.suggestedSchedule = .cosine
    let suggested = p.cValue()
    XCTAssertEqual([suggested.suggested_steps, suggested.suggested_schedule], [12_000, ncl_schedule_kind_t(NCL_SCHEDULE_COSINE)])
    XCTAssertEqual(suggested.suggested_learning_rate, 3e-3)
  }

  func testDescriptor() {
    let info = PluginInfo(id: "org.example.kit-test", name: "KitTest", version: "1.2.3", description: "a test",
                          parameters: [.float("a", default: 1, help: "a"), .string("b", default: "x", help: "b")],
                          functions: [FunctionDeclaration("f", symbol: "kit_f", signature: "d(d)", help: "f")])
    let d = PluginExport.descriptor(info) { _, _, _, _, _ in ncl_status_t(NCL_OK) }.pointee
    XCTAssertEqual([d.abi_version.major, d.abi_version.minor], [UInt32(NCL_ABI_VERSION_MAJOR), UInt32(NCL_ABI_VERSION_MINOR)])
    XCTAssertEqual(d.struct_size, UInt32(MemoryLayout<ncl_plugin_descriptor_t>.stride))
    XCTAssertEqual([d.id, d.name, d.version, d.description].map { String(cString: $0!) }, ["org.example.kit-test", "KitTest", "1.2.3", "a test"])
    XCTAssertEqual(d.param_count, 2)
    XCTAssertEqual(String(cString: d.params[1].name), "b")
    XCTAssertEqual(d.function_count, 1)
    XCTAssertEqual(String(cString: d.functions[0].signature), "d(d)")
    XCTAssertNotNil(d.create)
  }

  func testErrorBufferIsTerminatedAndTruncatedOnACharacterBoundary() {
    let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: 8)
    defer { buffer.deallocate() }
    CStrings.write("short", into: buffer, capacity: 8)
    XCTAssertEqual(String(cString: buffer), "short")
    CStrings.write("abcdeé!", into: buffer, capacity: 7)  // é is 2 bytes at offsets 5-6: dropped whole
    XCTAssertEqual(String(cString: buffer), "abcde")
    let status = PluginExport.guarded(buffer, 8) { throw ObjectiveError.data("file:3 bad") }
    XCTAssertEqual(status, ncl_status_t(NCL_ERROR_DATA))
    XCTAssertEqual(String(cString: buffer), "file:3 ")
    struct Other: Error {}
    XCTAssertEqual(PluginExport.guarded(buffer, 8) { throw Other() }, ncl_status_t(NCL_ERROR_INTERNAL))
    XCTAssertEqual(PluginExport.guarded(buffer, 8) { throw NCLError.invalidArgument("a.png: cannot write") },
                   ncl_status_t(NCL_ERROR_INVALID_ARGUMENT))
    XCTAssertEqual(String(cString: buffer), "a.png: ")
  }

  /// A 1.0 host's table ends before sample_reparameterized: the kit refuses to call past
  /// struct_size (even if the bytes there look like a routine) and says which ABI is needed.
  func testReparameterizedSamplesNeedAnABI11Host() throws {
    let table = UnsafeMutablePointer<ncl_host_api_t>.allocate(capacity: 1)
    table.initialize(to: ncl_host_api_t())
    let host = UnsafeMutablePointer<ncl_host_t>.allocate(capacity: 1)
    host.initialize(to: ncl_host_t())
    host.pointee.api = UnsafePointer(table)
    defer { table.deallocate(); host.deallocate() }
    table.pointee.sample_reparameterized = { _, _ in OpaquePointer(bitPattern: 0x5A) }
    let kit = PluginHost(UnsafePointer(host))
    let t = PluginTensor(handle: nil, host: kit)

    table.pointee.struct_size = UInt32(MemoryLayout<ncl_host_api_t>.offset(of: \.sample_reparameterized)!)
    XCTAssertFalse(kit.providesReparameterizedSamples)
    XCTAssertThrowsError(try kit.sampleReparameterized(t: t)) { error in
      XCTAssertEqual((error as? ObjectiveError)?.status, .unsupported)
      XCTAssertTrue("\(error)".contains("needs NCL plugin ABI 1.1 or later"), "\(error)")
    }

    table.pointee.struct_size = UInt32(MemoryLayout<ncl_host_api_t>.stride)
    XCTAssertTrue(kit.providesReparameterizedSamples)
    XCTAssertEqual(try kit.sampleReparameterized(t: t).handle, OpaquePointer(bitPattern: 0x5A))
  }

  func testABI12RoutinesNeedAnABI12Host() throws {
    let table = UnsafeMutablePointer<ncl_host_api_t>.allocate(capacity: 1)
    table.initialize(to: ncl_host_api_t())
    let host = UnsafeMutablePointer<ncl_host_t>.allocate(capacity: 1)
    host.initialize(to: ncl_host_t())
    host.pointee.api = UnsafePointer(table)
    defer { table.deallocate(); host.deallocate() }
    table.pointee.where = { _, _, _, _ in OpaquePointer(bitPattern: 0x7B) }
    let kit = PluginHost(UnsafePointer(host))
    let t = PluginTensor(handle: nil, host: kit)
    table.pointee.struct_size = UInt32(MemoryLayout<ncl_host_api_t>.offset(of: \.compare)!)  // an ABI 1.1 host
    XCTAssertFalse(kit.providesABI12)
    XCTAssertThrowsError(try kit.where(t, t, t)) { error in
      XCTAssertEqual((error as? ObjectiveError)?.status, .unsupported)
      XCTAssertTrue("\(error)".contains("has no where: it needs NCL plugin ABI 1.2 or later"), "\(error)")
    }
    XCTAssertNil(kit.pluginPath, "an ABI 1.1 host struct has no plugin_path")
    table.pointee.struct_size = UInt32(MemoryLayout<ncl_host_api_t>.stride)
    XCTAssertTrue(kit.providesABI12)
    XCTAssertEqual(try kit.where(t, t, t).handle, OpaquePointer(bitPattern: 0x7B))
  }

  /// The C definition's callbacks run the Swift closures; a thrown error becomes a status and a message.
  func testDifferentiableFunctionCallbacks() {
    let f = DifferentiableFunction(
      name: "twice",
      forward: { inputs, _ in inputs[0].values.map { 2 * $0 } },
      vjp: { inputs, _, g in
        guard inputs[0].shape == [3] else { throw ObjectiveError.invalidArgument("wrong shape \(inputs[0].shape)") }
        return [g.values.map { 2 * $0 }]
      })
    let def = f.definition.pointee
    XCTAssertEqual(String(cString: def.name), "twice")
    XCTAssertNil(def.jvp)
    // The arrays the C side reads and writes, at addresses that outlive each call.
    func buffer<T>(_ values: [T]) -> UnsafeMutableBufferPointer<T> {
      let b = UnsafeMutableBufferPointer<T>.allocate(capacity: values.count)
      _ = b.initialize(from: values)
      return b
    }
    let x = buffer([1.0, 2, 3]), y = buffer([0.0, 0, 0]), g = buffer([1.0, 10, 100]), dx = buffer([0.0, 0, 0])
    let shape = buffer([Int64(3)]), scalarShape = buffer([Int64(1)]), err = buffer([CChar](repeating: 0, count: 256))
    defer { for b in [x, y, g, dx] { b.deallocate() }; shape.deallocate(); scalarShape.deallocate(); err.deallocate() }
    func array(_ data: UnsafeMutableBufferPointer<Double>, _ shape: UnsafeMutableBufferPointer<Int64>) -> ncl_array_t {
      ncl_array_t(data: data.baseAddress, shape: shape.baseAddress, rank: 1, count: Int64(shape[0]))
    }
    var input = array(x, shape), output = array(y, shape), gradient = array(g, shape), inputGradient = array(dx, shape)
    XCTAssertEqual(def.forward(def.user_data, &input, 1, &output, err.baseAddress, 256), 0)
    XCTAssertEqual(def.vjp(def.user_data, &input, 1, &output, &gradient, &inputGradient, err.baseAddress, 256), 0)
    XCTAssertEqual(Array(y), [2, 4, 6])
    XCTAssertEqual(Array(dx), [2, 20, 200])
    // A shape the closure refuses: its error comes back as a status and a message.
    var bad = array(x, scalarShape)
    XCTAssertEqual(def.vjp(def.user_data, &bad, 1, &output, &gradient, &inputGradient, err.baseAddress, 256), ncl_status_t(NCL_ERROR_INVALID_ARGUMENT))
    XCTAssertEqual(String(cString: err.baseAddress!), "wrong shape [1]")
  }
}
