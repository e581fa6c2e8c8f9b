// Turns `--set key=value` assignments into checked values for a plugin's declared parameters.
import Foundation

/// One parameter's value after parsing and range checks.
public struct PluginParameterValue: Equatable, Sendable {
  public let parameter: PluginParameter
  /// The value as text (paths made absolute).
  public let text: String
  /// float, int, bool (0 or 1); 0 for text kinds.
  public let number: Double
}

extension PluginDescriptor {
  /// Values for every declared parameter, in declaration order: the user's assignment where
  /// given, the default otherwise. Unknown names, values that do not parse, values out of range,
  /// unknown choices and missing files are errors naming the parameter.
  public func resolve(_ assignments: [(key: String, value: String)]) throws -> [PluginParameterValue] {
    var given: [String: String] = [:]
    for (key, value) in assignments {
      guard parameters.contains(where: { $0.name == key }) else {
        let known = parameters.map(\.name)
        let close = known.filter { candidate in
          (key.count >= 3 && (candidate.hasPrefix(key) || key.hasPrefix(candidate)))
            || editDistance(candidate, key) <= max(1, min(candidate.count, key.count) / 4)
        }
        throw NCLError.invalidArgument("\(name) has no parameter '\(key)'" +
          (close.isEmpty ? "" : "; did you mean \(close.map { "'\($0)'" }.joined(separator: " or "))?") +
          (known.isEmpty ? " (it takes none)" : " (see `nclhost info \(name)`)"))
      }
      if given[key] != nil { throw NCLError.invalidArgument("parameter '\(key)' is set twice") }
      given[key] = value
    }
    return try parameters.map { p in try p.parse(given[p.name] ?? p.defaultValue, isDefault: given[p.name] == nil) }
  }
}

extension PluginDescriptor {
  /// Parses every default value as `resolve` would, so that a plugin whose default does not fit
  /// its own declaration (not a number, out of its bounds, not one of its choices) is refused when
  /// it is loaded, not when a user first runs it without setting that parameter. A path default
  /// is not looked up: its file may only exist where the plugin is used.
  func checkDefaults(path: String) throws {
    for (i, p) in parameters.enumerated() where p.kind != .path {
      do {
        _ = try p.parse(p.defaultValue, isDefault: true)
      } catch let NCLError.invalidArgument(message) {
        throw PluginLoadError.invalidDescriptor(path: path, field: "params[\(i)]: \(message)")
      }
    }
  }
}

extension PluginParameter {
  func parse(_ raw: String, isDefault: Bool) throws -> PluginParameterValue {
    let origin = isDefault ? "default value" : "value"
    func fail(_ why: String) -> NCLError {
      NCLError.invalidArgument("parameter '\(name)' (\(kind.rawValue)): \(origin) '\(raw)' \(why)")
    }
    func checked(_ v: Double) throws -> Double {
      guard v.isFinite else { throw fail("is not finite") }
      if let range, !range.contains(v) { throw fail("is outside [\(range.lowerBound), \(range.upperBound)]") }
      return v
    }
    switch kind {
    case .float:
      guard let v = Double(raw.trimmingCharacters(in: .whitespaces)) else { throw fail("is not a number") }
      return PluginParameterValue(parameter: self, text: raw, number: try checked(v))
    case .int:
      guard let v = Int64(raw.trimmingCharacters(in: .whitespaces)) else { throw fail("is not an integer") }
      return PluginParameterValue(parameter: self, text: raw, number: try checked(Double(v)))
    case .bool:
      switch raw.lowercased() {
      case "true", "yes", "1", "on": return PluginParameterValue(parameter: self, text: "true", number: 1)
      case "false", "no", "0", "off": return PluginParameterValue(parameter: self, text: "false", number: 0)
      default: throw fail("is not a boolean (true/false)")
      }
    case .string:
      return PluginParameterValue(parameter: self, text: raw, number: 0)
    case .choice:
      guard choices.contains(raw) else { throw fail("is not one of \(choices.joined(separator: ", "))") }
      return PluginParameterValue(parameter: self, text: raw, number: 0)
    case .path:
      if raw.isEmpty { return PluginParameterValue(parameter: self, text: "", number: 0) }  // optional file
      let absolute = URL(fileURLWithPath: (raw as NSString).expandingTildeInPath).standardizedFileURL.path
      guard FileManager.default.fileExists(atPath: absolute) else { throw fail("names no file (\(absolute))") }
      return PluginParameterValue(parameter: self, text: absolute, number: 0)
    }
  }
}

/// Levenshtein distance, for "did you mean" suggestions.
func editDistance(_ a: String, _ b: String) -> Int {
  let a = Array(a), b = Array(b)
  var row = Array(0...b.count)
  for i in 1...max(a.count, 1) where !a.isEmpty {
    var previous = row[0]
    row[0] = i
    for j in 1...max(b.count, 1) where !b.isEmpty {
      let current = row[j]
      row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
      previous = current
    }
  }
  return a.isEmpty ? b.count : row[b.count]
}
