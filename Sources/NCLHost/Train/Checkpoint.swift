// The checkpoint file: everything needed to rebuild a model and resume training bit for bit.
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A saved training state. Float values are stored as their exact bits, so a resumed run
/// continues from precisely the numbers the interrupted one held.
///
/// File layout (version 1, all integers little-endian):
///
///     offset 0   8 bytes   magic "NCLCKPT\0"
///     offset 8   UInt32    format version (1)
///     offset 12  UInt32    H, byte length of the JSON header
///     offset 16  H bytes   UTF-8 JSON: step, elapsedSeconds, model and trainer configurations,
///                          metadata, generator state, optimizerStepCount, hasMoments,
///                          parameterShapes, units, and objectiveState (base64, absent when the
///                          objective keeps no state of its own)
///     then       Float32   raw little-endian blocks, row-major, in `model.parameters` order:
///                          the parameters, then (if hasMoments) Adam's first moments, then its
///                          second moments
///     last       UInt64    FNV-1a 64 of every byte before it
///
/// The header says how long the file must be, so truncation is told apart from corruption
/// (which the checksum catches).
public struct Checkpoint {
  public static let magic: [UInt8] = Array("NCLCKPT\0".utf8)
  public static let formatVersion: UInt32 = 1

  /// Updates completed when the checkpoint was written.
  public var step: Int
  /// Training time before this checkpoint, summed over resumed sessions (for metrics and ETA).
  public var elapsedSeconds: Double
  public var modelConfiguration: ModelConfiguration
  public var trainerConfiguration: TrainerConfiguration
  /// Free-form provenance (the host stores the plugin's name and parameters here).
  public var metadata: [String: String]
  /// The model's parameters, in `NCLModel.parameters` order.
  public var parameters: [Tensor<Float>]
  public var optimizer: Adam<Float>.State
  /// The trainer's random stream, positioned after `step` updates.
  public var generator: SeededGenerator
  /// The problem's units (horizon, data map, noise), so that what is read from the checkpoint
  /// answers in them; `.model` for checkpoints written before they were recorded.
  public var units: ProblemUnits
  /// The objective's own training state (eg: a plugin's dual multipliers), opaque to the host;
  /// nil when it keeps none.
  public var objectiveState: [UInt8]?

  public init(
    step: Int, elapsedSeconds: Double = 0, modelConfiguration: ModelConfiguration,
    trainerConfiguration: TrainerConfiguration, metadata: [String: String] = [:],
    parameters: [Tensor<Float>], optimizer: Adam<Float>.State, generator: SeededGenerator,
    units: ProblemUnits = .model, objectiveState: [UInt8]? = nil
  ) {
    self.units = units
    self.objectiveState = objectiveState
    self.step = step
    self.elapsedSeconds = elapsedSeconds
    self.modelConfiguration = modelConfiguration
    self.trainerConfiguration = trainerConfiguration
    self.metadata = metadata
    self.parameters = parameters.map { $0.detached() }
    self.optimizer = optimizer
    self.generator = generator
  }

  /// A model with the checkpoint's configuration and parameters, ready to train or sample.
  public func makeModel() throws -> NCLModel<Float> {
    var model = try NCLModel<Float>(configuration: modelConfiguration, seed: 0)
    model.parameters = parameters.map { $0.requiringGradient() }
    return model
  }

  /// The parameter shapes a model with `configuration` has, in order.
  static func parameterShapes(for configuration: ModelConfiguration) throws -> [[Int]] {
    try NCLModel<Float>(configuration: configuration, seed: 0).parameters.map(\.shape)
  }

  private struct Header: Codable {
    var step: Int
    var elapsedSeconds: Double
    var model: ModelConfiguration
    var trainer: TrainerConfiguration
    var metadata: [String: String]
    var generator: SeededGenerator
    var optimizerStepCount: Int
    var hasMoments: Bool
    var parameterShapes: [[Int]]
    /// Absent in files written before units were recorded.
    var units: ProblemUnits?
    /// Absent when the objective keeps no state (and in files written before it could).
    var objectiveState: Data?
  }

  // MARK: - Writing

  /// The file's bytes.
  public func encoded() throws -> Data {
    let shapes = parameters.map(\.shape)
    let hasMoments = !optimizer.firstMoments.isEmpty
    if hasMoments {
      guard optimizer.firstMoments.map(\.shape) == shapes, optimizer.secondMoments.map(\.shape) == shapes else {
        throw NCLError.invalidArgument(
          "checkpoint: optimizer moments \(optimizer.firstMoments.map(\.shape)) do not match parameters \(shapes)")
      }
    }
    let header = Header(
      step: step, elapsedSeconds: elapsedSeconds, model: modelConfiguration, trainer: trainerConfiguration,
      metadata: metadata, generator: generator, optimizerStepCount: optimizer.stepCount, hasMoments: hasMoments,
      parameterShapes: shapes, units: units, objectiveState: objectiveState.map { Data($0) })
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let json = try encoder.encode(header)

    var data = Data(Self.magic)
    Self.appendInteger(Self.formatVersion, to: &data)
    Self.appendInteger(UInt32(json.count), to: &data)
    data.append(json)
    let blocks = parameters + (hasMoments ? optimizer.firstMoments + optimizer.secondMoments : [])
    for tensor in blocks {
      let words = tensor.scalars.map { $0.bitPattern.littleEndian }
      words.withUnsafeBytes { data.append(contentsOf: $0) }
    }
    Self.appendInteger(Self.fnv1a(data), to: &data)
    return data
  }

  /// Writes atomically: a reader (or a crash) sees either the old file or the whole new one.
  public func write(to url: URL) throws {
    try AtomicFile.write(try encoded(), to: url)
  }

  // MARK: - Reading

  /// Reads and validates a checkpoint; errors name the file and what is wrong with it.
  public static func read(from url: URL) throws -> Checkpoint {
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      throw CheckpointError(path: url.path, problem: .unreadable(Self.reason(error)))
    }
    return try decode(data, path: url.path)
  }

  /// Decodes a checkpoint's bytes; `path` only names the source in errors.
  public static func decode(_ data: Data, path: String) throws -> Checkpoint {
    func fail(_ problem: CheckpointError.Problem) -> CheckpointError { CheckpointError(path: path, problem: problem) }
    let prefix = 16, trailer = 8
    let size = data.count
    guard size >= prefix else { throw fail(.truncated(expected: prefix + trailer, actual: size)) }
    guard Array(data.prefix(8)) == magic else { throw fail(.wrongMagic) }
    let version: UInt32 = readInteger(data, at: 8)
    guard version == formatVersion else { throw fail(.unsupportedVersion(Int(version))) }
    let headerLength = Int(readInteger(data, at: 12) as UInt32)
    guard size >= prefix + headerLength + trailer else {
      throw fail(.truncated(expected: prefix + headerLength + trailer, actual: size))
    }
    let storedChecksum: UInt64 = readInteger(data, at: size - trailer)
    let checksumMatches = fnv1a(data.prefix(size - trailer)) == storedChecksum

    let header: Header
    do {
      header = try JSONDecoder().decode(Header.self, from: data.subdata(in: prefix..<prefix + headerLength))
    } catch {
      // A torn write can leave a header that happens to fit; the checksum tells which it is.
      throw fail(checksumMatches ? .corruptHeader(reason(error)) : .checksumMismatch)
    }
    guard header.parameterShapes.allSatisfy({ $0.allSatisfy { $0 >= 0 } }) else {
      throw fail(.corruptHeader("negative dimension in parameter shapes \(header.parameterShapes)"))
    }
    let counts = header.parameterShapes.map { $0.reduce(1, *) }
    let floats = counts.reduce(0, +) * (header.hasMoments ? 3 : 1)
    let expected = prefix + headerLength + 4 * floats + trailer
    guard size >= expected else { throw fail(.truncated(expected: expected, actual: size)) }
    guard size == expected else { throw fail(.trailingBytes(size - expected)) }
    guard checksumMatches else { throw fail(.checksumMismatch) }

    let modelShapes: [[Int]]
    do {
      modelShapes = try parameterShapes(for: header.model)
    } catch {
      throw fail(.corruptHeader("model configuration: \(reason(error))"))
    }
    guard modelShapes.count == header.parameterShapes.count else {
      throw fail(.parameterMismatch(
        "the file holds \(header.parameterShapes.count) parameter tensors, its model configuration needs \(modelShapes.count)"))
    }
    if let i = modelShapes.indices.first(where: { modelShapes[$0] != header.parameterShapes[$0] }) {
      throw fail(.parameterMismatch(
        "parameter \(i) has shape \(header.parameterShapes[i]) in the file, the model configuration needs \(modelShapes[i])"))
    }

    var offset = prefix + headerLength
    func block(_ shape: [Int]) -> Tensor<Float> {
      let count = shape.reduce(1, *)
      let scalars = (0..<count).map { i in Float(bitPattern: readInteger(data, at: offset + 4 * i)) }
      offset += 4 * count
      return Tensor(shape: shape, scalars: scalars)
    }
    let parameters = header.parameterShapes.map(block)
    let first = header.hasMoments ? header.parameterShapes.map(block) : []
    let second = header.hasMoments ? header.parameterShapes.map(block) : []
    return Checkpoint(
      step: header.step, elapsedSeconds: header.elapsedSeconds, modelConfiguration: header.model,
      trainerConfiguration: header.trainer, metadata: header.metadata, parameters: parameters,
      optimizer: Adam<Float>.State(stepCount: header.optimizerStepCount, firstMoments: first, secondMoments: second),
      generator: header.generator, units: header.units ?? .model, objectiveState: header.objectiveState.map { [UInt8]($0) })
  }

  // MARK: - Bytes

  private static func appendInteger<I: FixedWidthInteger>(_ value: I, to data: inout Data) {
    withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
  }

  private static func readInteger<I: FixedWidthInteger>(_ data: Data, at offset: Int) -> I {
    data.withUnsafeBytes { I(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: I.self)) }
  }

  /// FNV-1a, 64-bit: a cheap, dependency-free check that the bytes are the ones written.
  static func fnv1a<D: DataProtocol>(_ data: D) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for region in data.regions {
      region.withUnsafeBytes { bytes in
        for byte in bytes {
          hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
      }
    }
    return hash
  }

  private static func reason(_ error: Error) -> String {
    if let decoding = error as? DecodingError {
      switch decoding {
      case .dataCorrupted(let context), .keyNotFound(_, let context), .typeMismatch(_, let context), .valueNotFound(_, let context):
        let path = context.codingPath.map(\.stringValue).joined(separator: ".")
        return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
      @unknown default:
        return "\(decoding)"
      }
    }
    // Foundation's file errors print as "Error Domain=NSCocoaErrorDomain Code=260 ..."; the
    // system's reason ("No such file or directory") is what a reader needs.
    var cause: Error? = error
    while let current = cause {
      let ns = current as NSError
      if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
      cause = ns.userInfo[NSUnderlyingErrorKey] as? Error
    }
    if let cocoa = error as? CocoaError, cocoa.code == .fileReadNoSuchFile { return "No such file or directory" }
    return (error as? LocalizedError)?.errorDescription ?? "\(error)"
  }
}

/// What is wrong with a checkpoint file, naming the file.
public struct CheckpointError: Error, CustomStringConvertible, Equatable {
  public enum Problem: Equatable {
    case unreadable(String)
    case truncated(expected: Int, actual: Int)
    case wrongMagic
    case unsupportedVersion(Int)
    case corruptHeader(String)
    case trailingBytes(Int)
    case checksumMismatch
    case parameterMismatch(String)
  }

  public let path: String
  public let problem: Problem

  public var description: String {
    let what: String
    switch problem {
    case .unreadable(let reason): what = "cannot be read: \(reason)"
    case .truncated(let expected, let actual):
      what = "is truncated: it has \(actual) bytes, a complete checkpoint needs \(expected)"
    case .wrongMagic: what = "is not an NCL checkpoint (wrong magic bytes)"
    case .unsupportedVersion(let version):
      what = "has format version \(version); this build reads version \(Checkpoint.formatVersion)"
    case .corruptHeader(let reason): what = "has a corrupt header: \(reason)"
    case .trailingBytes(let count): what = "has \(count) unexpected bytes after its data"
    case .checksumMismatch: what = "is corrupted (checksum mismatch)"
    case .parameterMismatch(let reason): what = "does not fit its model (parameter count mismatch): \(reason)"
    }
    return "checkpoint \(path) \(what)"
  }
}
