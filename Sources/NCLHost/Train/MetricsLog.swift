// metrics.jsonl: one JSON object per training update or evaluation, kept consistent across resumes.
import Foundation

/// Appends metric rows to a JSON-lines file, one object per line:
///
///     {"kind":"train","step":12,"loss":1.25,"learningRate":0.001,"elapsedSeconds":3.5,"nll":1.2,"kinetic":0.05}
///     {"kind":"eval","step":20,"elapsedSeconds":6.1,"heldOutNLL":1.31}
///
/// Objective terms and evaluation metrics sit beside the fixed keys (a name that collides with
/// one gets the prefix "term."); non-finite values are written as null. JSON lines rather than
/// CSV because terms can differ between objectives and rows; every plotting tool reads it.
public final class MetricsLog {
  public let url: URL
  private let handle: FileHandle
  private static let reservedKeys: Set<String> = ["kind", "step", "loss", "learningRate", "elapsedSeconds"]

  /// Opens the log. `continuingAt: nil` starts an empty file. `continuingAt: step` (a resume
  /// from a checkpoint taken after `step` updates) keeps the rows with step <= `step` and drops
  /// the rest, which an interrupted run wrote after its last checkpoint and the resumed run
  /// will write again, along with any torn last line.
  public init(url: URL, continuingAt step: Int?) throws {
    self.url = url
    var kept = Data()
    if let step, let existing = try? Data(contentsOf: url) {
      for line in existing.split(separator: UInt8(ascii: "\n")) {
        guard let row = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
              let rowStep = (row["step"] as? NSNumber)?.intValue, rowStep <= step
        else { continue }
        kept.append(contentsOf: line)
        kept.append(UInt8(ascii: "\n"))
      }
    }
    try AtomicFile.write(kept, to: url)
    do {
      handle = try FileHandle(forWritingTo: url)
      try handle.seekToEnd()
    } catch {
      throw NCLError.invalidArgument("cannot open metrics log \(url.path): \(error.localizedDescription)")
    }
  }

  deinit {
    try? handle.close()
  }

  /// One training update: its loss, the rate it used, the objective's terms.
  public func record(step: Int, loss: Double, learningRate: Double, terms: [String: Double], elapsedSeconds: Double) throws {
    try append(
      kind: "train", step: step,
      fixed: [("loss", loss), ("learningRate", learningRate), ("elapsedSeconds", elapsedSeconds)], named: terms)
  }

  /// One evaluation after `step` updates.
  public func recordEvaluation(step: Int, metrics: [String: Double], elapsedSeconds: Double) throws {
    try append(kind: "eval", step: step, fixed: [("elapsedSeconds", elapsedSeconds)], named: metrics)
  }

  /// One line of the file.
  public struct Row: Decodable, Equatable {
    /// "train" or "eval".
    public var kind: String
    public var step: Int
    /// Every other key; nil where the file has null (a non-finite value).
    public var values: [String: Double?]

    public subscript(key: String) -> Double? { values[key] ?? nil }

    private struct Key: CodingKey {
      var stringValue: String
      var intValue: Int? { nil }
      init(stringValue: String) { self.stringValue = stringValue }
      init?(intValue: Int) { nil }
    }

    public init(from decoder: Decoder) throws {
      let c = try decoder.container(keyedBy: Key.self)
      kind = try c.decode(String.self, forKey: Key(stringValue: "kind"))
      step = try c.decode(Int.self, forKey: Key(stringValue: "step"))
      values = [:]
      for key in c.allKeys where key.stringValue != "kind" && key.stringValue != "step" {
        values[key.stringValue] = try c.decodeNil(forKey: key) ? .some(nil) : try c.decode(Double.self, forKey: key)
      }
    }
  }

  /// The rows of a metrics file, in order (for tests and tools). Decoded with JSONDecoder,
  /// which reads numbers back exactly (JSONSerialization on Linux may round them).
  public static func rows(at url: URL) throws -> [Row] {
    let data = try Data(contentsOf: url)
    return try data.split(separator: UInt8(ascii: "\n")).enumerated().map { index, line in
      do {
        return try JSONDecoder().decode(Row.self, from: Data(line))
      } catch {
        throw NCLError.invalidArgument(
          "\(url.path) line \(index + 1) is not a metrics row: \(String(decoding: line, as: UTF8.self))")
      }
    }
  }

  private func append(kind: String, step: Int, fixed: [(String, Double)], named: [String: Double]) throws {
    var fields = ["\(Self.quoted("kind")):\(Self.quoted(kind))", "\(Self.quoted("step")):\(step)"]
    fields += fixed.map { "\(Self.quoted($0.0)):\(Self.number($0.1))" }
    fields += named.sorted { $0.key < $1.key }.map { key, value in
      "\(Self.quoted(Self.reservedKeys.contains(key) ? "term." + key : key)):\(Self.number(value))"
    }
    let line = "{" + fields.joined(separator: ",") + "}\n"
    do {
      try handle.write(contentsOf: Data(line.utf8))
    } catch {
      throw NCLError.invalidArgument("cannot append to metrics log \(url.path): \(error.localizedDescription)")
    }
  }

  /// Shortest round-tripping decimal (Swift's description), null where JSON has no number.
  private static func number(_ value: Double) -> String {
    value.isFinite ? "\(value)" : "null"
  }

  private static func quoted(_ string: String) -> String {
    var out = "\""
    for scalar in string.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }
}
