// A Swift copy of a plugin's C descriptor: what `nclhost list` and `info` show.
import NCLPluginAPI

/// A declared parameter.
public struct PluginParameter: Equatable, Sendable {
  public enum Kind: String, Sendable {
    case float, int, bool, string, choice, path
  }

  public let name: String
  public let kind: Kind
  public let defaultValue: String
  /// Inclusive bounds for float and int parameters, when the plugin declared them.
  public let range: ClosedRange<Double>?
  public let choices: [String]
  public let help: String
}

/// A declared extra entry point, callable through libffi.
public struct PluginFunction: Equatable, Sendable {
  public let name: String
  public let symbol: String
  public let signature: ForeignSignature
  public let help: String
}

/// Everything a descriptor declares, validated and copied out of the plugin's memory.
public struct PluginDescriptor: Equatable, Sendable {
  public let id: String
  public let name: String
  public let version: String
  public let description: String
  public let abiVersion: String
  public let parameters: [PluginParameter]
  public let functions: [PluginFunction]
}

extension PluginDescriptor {
  /// Reads and checks a C descriptor in the loader's fixed order; `path` names the library in errors.
  init(reading raw: UnsafePointer<ncl_plugin_descriptor_t>, path: String) throws {
    // abi_version and struct_size lead every descriptor; the rest is read from a copy that holds
    // zeros where the plugin's (older) descriptor ends.
    let declared = UnsafeRawPointer(raw).load(as: ncl_version_t.self)
    let size = Int(UnsafeRawPointer(raw).load(fromByteOffset: MemoryLayout<ncl_plugin_descriptor_t>.offset(of: \.struct_size)!, as: UInt32.self))
    let abi = "\(declared.major).\(declared.minor).\(declared.revision)"
    let host = "\(NCL_ABI_VERSION_MAJOR).\(NCL_ABI_VERSION_MINOR).\(NCL_ABI_VERSION_REVISION)"
    guard ncl_version_is_compatible(declared) != 0 else {
      throw PluginLoadError.incompatibleABI(path: path, found: abi, expected: host)
    }
    let d: ncl_plugin_descriptor_t
    do { d = try GrowableStruct.copy(UnsafeRawPointer(raw), size: size, minimum: ABI10Size.descriptor) } catch let small as GrowableStruct.TooSmall {
      throw PluginLoadError.descriptorTooSmall(path: path, size: small.size, minimum: small.minimum)
    }
    func text(_ pointer: UnsafePointer<CChar>?, _ field: String) throws -> String {
      guard let pointer else { throw PluginLoadError.invalidDescriptor(path: path, field: "\(field) is NULL") }
      return String(cString: pointer)
    }
    id = try text(d.id, "id")
    name = try text(d.name, "name")
    version = try text(d.version, "version")
    description = try text(d.description, "description")
    abiVersion = abi
    guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else {
      throw PluginLoadError.invalidDescriptor(path: path, field: "name '\(name)' must be non-empty letters, digits, '-', '_' or '.'")
    }
    guard d.create != nil else { throw PluginLoadError.invalidDescriptor(path: path, field: "create is NULL") }

    var parameters: [PluginParameter] = []
    for (i, p) in try Self.elements(d.params, count: d.param_count, minimum: ABI10Size.parameter, field: "params", path: path).enumerated() {
      let label = "params[\(i)]"
      let name = try text(p.name, "\(label).name")
      guard let kind = PluginParameter.Kind(code: p.type) else {
        throw PluginLoadError.invalidDescriptor(path: path, field: "\(label) '\(name)': unknown type \(p.type)")
      }
      let choices = p.choices.map { String(cString: $0).split(separator: "|").map(String.init) } ?? []
      if kind == .choice && choices.isEmpty {
        throw PluginLoadError.invalidDescriptor(path: path, field: "\(label) '\(name)': a choice parameter needs choices")
      }
      let range = (kind == .float || kind == .int) && p.min_value <= p.max_value ? p.min_value...p.max_value : nil
      parameters.append(PluginParameter(
        name: name, kind: kind, defaultValue: try text(p.default_value, "\(label).default_value"),
        range: range, choices: choices, help: try text(p.help, "\(label).help")))
    }
    if let duplicate = Dictionary(grouping: parameters, by: \.name).first(where: { $0.value.count > 1 })?.key {
      throw PluginLoadError.invalidDescriptor(path: path, field: "parameter '\(duplicate)' is declared twice")
    }
    self.parameters = parameters

    var functions: [PluginFunction] = []
    for (i, f) in try Self.elements(d.functions, count: d.function_count, minimum: ABI10Size.function, field: "functions", path: path).enumerated() {
      let label = "functions[\(i)]"
      let signatureText = try text(f.signature, "\(label).signature")
      let signature: ForeignSignature
      do { signature = try ForeignSignature(parsing: signatureText) } catch {
        throw PluginLoadError.invalidDescriptor(path: path, field: "\(label) signature '\(signatureText)': \(error)")
      }
      functions.append(PluginFunction(
        name: try text(f.name, "\(label).name"), symbol: try text(f.symbol, "\(label).symbol"),
        signature: signature, help: try text(f.help, "\(label).help")))
    }
    self.functions = functions
  }
}

extension PluginDescriptor {
  /// The elements of a descriptor array, stepped by the first element's struct_size (see
  /// `GrowableStruct.elements`).
  static func elements<Element>(
    _ base: UnsafePointer<Element>?, count: UInt32, minimum: Int, field: String, path: String
  ) throws -> [Element] {
    guard count > 0 else { return [] }
    guard let base else { throw PluginLoadError.invalidDescriptor(path: path, field: "\(field) is NULL but its count is \(count)") }
    do { return try GrowableStruct.elements(base, count: Int(count), minimum: minimum) } catch let small as GrowableStruct.TooSmall {
      throw PluginLoadError.invalidDescriptor(path: path, field: "\(field)[0].struct_size \(small.size) < \(small.minimum), the ABI 1.0 size")
    }
  }
}

extension PluginParameter.Kind {
  init?(code: ncl_param_type_t) {
    switch Int32(code) {
    case NCL_PARAM_FLOAT: self = .float
    case NCL_PARAM_INT: self = .int
    case NCL_PARAM_BOOL: self = .bool
    case NCL_PARAM_STRING: self = .string
    case NCL_PARAM_CHOICE: self = .choice
    case NCL_PARAM_PATH: self = .path
    default: return nil
    }
  }

  var code: ncl_param_type_t {
    switch self {
    case .float: return ncl_param_type_t(NCL_PARAM_FLOAT)
    case .int: return ncl_param_type_t(NCL_PARAM_INT)
    case .bool: return ncl_param_type_t(NCL_PARAM_BOOL)
    case .string: return ncl_param_type_t(NCL_PARAM_STRING)
    case .choice: return ncl_param_type_t(NCL_PARAM_CHOICE)
    case .path: return ncl_param_type_t(NCL_PARAM_PATH)
    }
  }
}
