// A parameter a plugin declares in its descriptor.
import NCLPluginAPI

/// One declared parameter (`ncl_param_info_t`). The host parses and range-checks user values
/// before `create`, so the objective receives them ready to use through `ParameterValues`.
public struct ParameterDeclaration: Sendable, Equatable {
  public enum Kind: Sendable, Equatable {
    /// A real number within `range` (nil: unbounded).
    case float(ClosedRange<Double>?)
    /// An integer within `range` (nil: unbounded).
    case int(ClosedRange<Double>?)
    case bool
    case string
    /// One of `choices`.
    case choice([String])
    /// A file path; the host makes it absolute and checks that it exists (empty allowed).
    case path
  }

  public let name: String
  public let kind: Kind
  /// As the user would type it, eg: "0.05", "true", "importance".
  public let defaultValue: String
  public let help: String

  public init(_ name: String, _ kind: Kind, default defaultValue: String, help: String) {
    self.name = name
    self.kind = kind
    self.defaultValue = defaultValue
    self.help = help
  }

  public static func float(_ name: String, default value: Double, range: ClosedRange<Double>? = nil, help: String) -> Self {
    Self(name, .float(range), default: Self.format(value), help: help)
  }

  public static func int(_ name: String, default value: Int, range: ClosedRange<Int>? = nil, help: String) -> Self {
    Self(name, .int(range.map { Double($0.lowerBound)...Double($0.upperBound) }), default: String(value), help: help)
  }

  public static func bool(_ name: String, default value: Bool, help: String) -> Self {
    Self(name, .bool, default: value ? "true" : "false", help: help)
  }

  public static func string(_ name: String, default value: String, help: String) -> Self {
    Self(name, .string, default: value, help: help)
  }

  public static func choice(_ name: String, _ choices: [String], default value: String, help: String) -> Self {
    Self(name, .choice(choices), default: value, help: help)
  }

  public static func path(_ name: String, default value: String = "", help: String) -> Self {
    Self(name, .path, default: value, help: help)
  }

  /// "0.05", "2", "1e-06": the shortest text that reads back as `value`.
  static func format(_ value: Double) -> String {
    value == value.rounded() && Swift.abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
  }

  /// The C struct, with strings copied into never-freed memory.
  func cValue() -> ncl_param_info_t {
    var p = ncl_param_info_t()
    p.struct_size = CStrings.size(ncl_param_info_t.self)
    p.name = CStrings.permanent(name)
    p.default_value = CStrings.permanent(defaultValue)
    p.help = CStrings.permanent(help)
    p.min_value = 1
    p.max_value = 0  // no bounds unless set below
    switch kind {
    case .float(let range):
      p.type = ncl_param_type_t(NCL_PARAM_FLOAT)
      if let range { (p.min_value, p.max_value) = (range.lowerBound, range.upperBound) }
    case .int(let range):
      p.type = ncl_param_type_t(NCL_PARAM_INT)
      if let range { (p.min_value, p.max_value) = (range.lowerBound, range.upperBound) }
    case .bool: p.type = ncl_param_type_t(NCL_PARAM_BOOL)
    case .string: p.type = ncl_param_type_t(NCL_PARAM_STRING)
    case .choice(let choices):
      p.type = ncl_param_type_t(NCL_PARAM_CHOICE)
      p.choices = CStrings.permanent(choices.joined(separator: "|"))
    case .path: p.type = ncl_param_type_t(NCL_PARAM_PATH)
    }
    return p
  }
}
