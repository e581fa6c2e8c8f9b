// The parameter values create() receives, copied into Swift.
import NCLPluginAPI

/// The values of the declared parameters, already parsed and range-checked by the host, by name.
/// Accessors throw `ObjectiveError.invalidArgument` for an undeclared name or a value of the
/// wrong kind, so a typo in the plugin fails `create` with a message instead of a crash.
public struct ParameterValues: Sendable, Equatable {
  public struct Value: Sendable, Equatable {
    public let name: String
    /// FLOAT, INT, BOOL (0 or 1); 0 otherwise.
    public let number: Double
    /// The value as text (STRING, CHOICE, PATH: the value itself).
    public let text: String

    public init(name: String, number: Double, text: String) {
      self.name = name
      self.number = number
      self.text = text
    }
  }

  public let values: [Value]

  public init(_ values: [Value]) { self.values = values }

  /// The declared defaults with some values replaced, as the host would pass them (numbers parsed,
  /// booleans as 0 or 1), without range checks: for tests of a plugin's settings and for using an
  /// objective without a host.
  public init(_ declarations: [ParameterDeclaration], replacing overrides: [String: String] = [:]) {
    values = declarations.map { declaration in
      let text = overrides[declaration.name] ?? declaration.defaultValue
      return Value(name: declaration.name, number: Double(text) ?? (text == "true" ? 1 : 0), text: text)
    }
  }

  /// Copies the C array (valid during create() only).
  public init(_ params: UnsafePointer<ncl_params_t>?) {
    guard let params, let values = params.pointee.values else {
      self.values = []
      return
    }
    self.values = (0..<Int(params.pointee.count)).map { i in
      let v = values[i]
      return Value(name: v.name.map { String(cString: $0) } ?? "", number: v.number, text: v.text.map { String(cString: $0) } ?? "")
    }
  }

  public func value(_ name: String) throws -> Value {
    guard let v = values.first(where: { $0.name == name }) else {
      throw ObjectiveError.invalidArgument("no parameter named '\(name)' was passed (declared: \(values.map(\.name).joined(separator: ", ")))")
    }
    return v
  }

  public func double(_ name: String) throws -> Double { try value(name).number }

  public func int(_ name: String) throws -> Int {
    let number = try double(name)
    guard number == number.rounded(), Swift.abs(number) < 9.0e15 else {
      throw ObjectiveError.invalidArgument("parameter '\(name)': \(number) is not an integer")
    }
    return Int(number)
  }

  public func bool(_ name: String) throws -> Bool { try double(name) != 0 }

  /// A FLOAT whose -1 stands for the plugin's own default: nil for -1, else the value, which must
  /// be >= 0; `what` names what is asked in the error ("a weight >= 0").
  public func doubleOrDefault(_ name: String, what: String = "a value >= 0") throws -> Double? {
    let value = try double(name)
    if value == -1 { return nil }
    guard value >= 0 else { throw ObjectiveError.invalidArgument("\(name)=\(value): give \(what), or -1 for the default") }
    return value
  }

  /// An INT whose -1 stands for the plugin's own default: nil for -1, else the value, which must
  /// be at least `minimum`.
  public func intOrDefault(_ name: String, minimum: Int) throws -> Int? {
    let value = try int(name)
    if value == -1 { return nil }
    guard value >= minimum else { throw ObjectiveError.invalidArgument("\(name)=\(value): give at least \(minimum), or -1 for the default") }
    return value
  }

  public func string(_ name: String) throws -> String { try value(name).text }

  /// A CHOICE value as an enumeration whose raw values are the choices.
  public func choice<T: RawRepresentable>(_ name: String, as type: T.Type = T.self) throws -> T where T.RawValue == String {
    let text = try string(name)
    guard let value = T(rawValue: text) else {
      throw ObjectiveError.invalidArgument("parameter '\(name)': '\(text)' is not a known choice")
    }
    return value
  }

  /// A list of numbers separated by commas (or spaces), eg: "1, 0.5" -> [1, 0.5].
  public func doubles(_ name: String) throws -> [Double] {
    let text = try string(name)
    let words = text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == ";" }).map(String.init)
    return try words.map { word in
      guard let x = Double(word), x.isFinite else {
        throw ObjectiveError.invalidArgument("parameter '\(name)': '\(word)' in '\(text)' is not a finite number")
      }
      return x
    }
  }
}
