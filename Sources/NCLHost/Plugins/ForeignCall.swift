// Calls a plugin's extra entry points through libffi, from signatures declared in its descriptor.
import CFFI
import Foundation

/// A C function type in the descriptor's one-letter notation: "d(dd)" is double f(double, double);
/// d = double, i = int64_t, s = const char *, v = void (return only); a final e (ABI 1.2) adds
/// an error buffer, `char *err, size_t err_cap`, after the arguments.
public struct ForeignSignature: Equatable, Sendable, CustomStringConvertible {
  public enum ValueType: Character, Sendable {
    case double = "d", int = "i", string = "s", void = "v"
  }

  public let result: ValueType
  /// The arguments a caller supplies (the error buffer is not one of them).
  public let arguments: [ValueType]
  /// Whether the function takes an error buffer after its arguments.
  public let reportsErrors: Bool

  public init(parsing text: String) throws {
    let chars = Array(text)
    guard chars.count >= 3, chars[1] == "(", chars.last == ")" else {
      throw NCLError.invalidArgument("expected RESULT(ARGS), eg \"d(dd)\"")
    }
    guard let result = ValueType(rawValue: chars[0]) else {
      throw NCLError.invalidArgument("unknown result type '\(chars[0])' (use d, i, s or v)")
    }
    self.result = result
    var letters = chars[2..<(chars.count - 1)]
    reportsErrors = letters.last == "e"
    if reportsErrors { letters = letters.dropLast() }
    arguments = try letters.map { c in
      guard let type = ValueType(rawValue: c), type != .void else {
        throw NCLError.invalidArgument(c == "e" ? "the error buffer 'e' must be the last argument" : "unknown argument type '\(c)' (use d, i, s, or a final e)")
      }
      return type
    }
  }

  public var description: String { "\(result.rawValue)(\(String(arguments.map(\.rawValue)))\(reportsErrors ? "e" : ""))" }
}

/// A value passed to or returned from a foreign call.
public enum ForeignValue: Equatable, CustomStringConvertible {
  case double(Double), int(Int64), string(String), void

  public var description: String {
    switch self {
    case .double(let v): return "\(v)"
    case .int(let v): return "\(v)"
    case .string(let v): return v
    case .void: return ""
    }
  }
}

enum ForeignCall {
  /// Parses command-line words into typed arguments, naming the argument that does not parse.
  static func arguments(_ words: [String], for signature: ForeignSignature, function: String) throws -> [ForeignValue] {
    guard words.count == signature.arguments.count else {
      throw NCLError.invalidArgument("\(function) takes \(signature.arguments.count) argument(s) (\(signature)), got \(words.count)")
    }
    return try zip(words, signature.arguments).enumerated().map { index, pair in
      let (word, type) = pair
      switch type {
      case .double:
        guard let v = Double(word) else { throw NCLError.invalidArgument("\(function): argument \(index + 1) '\(word)' is not a number") }
        return .double(v)
      case .int:
        guard let v = Int64(word) else { throw NCLError.invalidArgument("\(function): argument \(index + 1) '\(word)' is not an integer") }
        return .int(v)
      case .string: return .string(word)
      case .void: throw NCLError.invalidArgument("void argument")
      }
    }
  }

  static func ffiType(_ type: ForeignSignature.ValueType) -> UnsafeMutablePointer<ffi_type> {
    switch type {
    case .double: return withUnsafeMutablePointer(to: &ffi_type_double) { $0 }
    case .int: return withUnsafeMutablePointer(to: &ffi_type_sint64) { $0 }
    case .string: return withUnsafeMutablePointer(to: &ffi_type_pointer) { $0 }
    case .void: return withUnsafeMutablePointer(to: &ffi_type_void) { $0 }
    }
  }

  /// Calls `function` (a C function pointer) with `values` per `signature`; with `errorBuffer`,
  /// also passes it and its capacity as two trailing arguments (`char *err, size_t err_cap`).
  static func call(
    _ function: UnsafeMutableRawPointer, signature: ForeignSignature, values: [ForeignValue],
    errorBuffer: UnsafeMutableBufferPointer<CChar>? = nil
  ) throws -> ForeignValue {
    var argumentTypes: [UnsafeMutablePointer<ffi_type>?] = signature.arguments.map(ffiType)
    if errorBuffer != nil {
      argumentTypes += [withUnsafeMutablePointer(to: &ffi_type_pointer) { $0 }, withUnsafeMutablePointer(to: &ffi_type_uint64) { $0 }]
    }
    var cif = ffi_cif()
    let status = argumentTypes.withUnsafeMutableBufferPointer { types in
      ffi_prep_cif(&cif, FFI_DEFAULT_ABI, UInt32(types.count), ffiType(signature.result), types.baseAddress)
    }
    guard status == FFI_OK else { throw NCLError.invalidArgument("libffi cannot prepare a call of type \(signature) (status \(status.rawValue))") }

    // Argument storage must outlive the call: one 8-byte slot per argument, plus C strings.
    let slots = UnsafeMutableRawPointer.allocate(byteCount: (values.count + 2) * 8, alignment: 8)
    defer { slots.deallocate() }
    var strings: [UnsafeMutablePointer<CChar>] = []
    defer { strings.forEach { free($0) } }
    var pointers: [UnsafeMutableRawPointer?] = []
    for (i, value) in values.enumerated() {
      let slot = slots + 8 * i
      switch value {
      case .double(let v): slot.storeBytes(of: v, as: Double.self)
      case .int(let v): slot.storeBytes(of: v, as: Int64.self)
      case .string(let v):
        let copy = strdup(v)!
        strings.append(copy)
        slot.storeBytes(of: UnsafeRawPointer(copy), as: UnsafeRawPointer.self)
      case .void: break
      }
      pointers.append(slot)
    }
    if let errorBuffer {
      let slot = slots + 8 * values.count
      slot.storeBytes(of: UnsafeRawPointer(errorBuffer.baseAddress!), as: UnsafeRawPointer.self)
      (slot + 8).storeBytes(of: UInt64(errorBuffer.count), as: UInt64.self)
      pointers += [slot, slot + 8]
    }
    var result = UInt64(0)  // ffi_arg-sized and aligned return slot
    pointers.withUnsafeMutableBufferPointer { args in
      withUnsafeMutableBytes(of: &result) { out in
        ffi_call(&cif, unsafeBitCast(function, to: (@convention(c) () -> Void).self), out.baseAddress, args.baseAddress)
      }
    }
    switch signature.result {
    case .double: return .double(Double(bitPattern: result))
    case .int: return .int(Int64(bitPattern: result))
    case .string:
      guard let pointer = UnsafePointer<CChar>(bitPattern: UInt(result)) else { return .string("(null)") }
      return .string(String(cString: pointer))
    case .void: return .void
    }
  }
}
