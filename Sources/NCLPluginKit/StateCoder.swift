// Numbers in and out of an objective's checkpointed state (NCL_EXTENSION_STATE).

/// A state as bytes: the count of values (UInt64), then each as its exact Float64 bits, all
/// little-endian. Reading checks the count against what the objective expects, so a checkpoint of
/// another configuration fails with a message instead of restoring the wrong numbers.
public enum StateCoder {
  public static func bytes(_ values: [Double]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(8 * (values.count + 1))
    func append(_ word: UInt64) { withUnsafeBytes(of: word.littleEndian) { out += $0 } }
    append(UInt64(values.count))
    for value in values { append(value.bitPattern) }
    return out
  }

  /// The values of `bytes`, which must hold exactly `count` of them; `what` names them in errors.
  public static func doubles(_ bytes: [UInt8], count: Int, what: String) throws -> [Double] {
    func word(_ i: Int) -> UInt64 {
      bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)) }
    }
    guard bytes.count >= 8, bytes.count % 8 == 0, word(0) == UInt64(bytes.count / 8 - 1) else {
      throw ObjectiveError.invalidArgument("\(what): the saved state is malformed (\(bytes.count) bytes)")
    }
    guard Int(word(0)) == count else {
      throw ObjectiveError.invalidArgument("\(what): the saved state holds \(word(0)) values, this run needs \(count) (a checkpoint of another configuration?)")
    }
    return (0..<count).map { Double(bitPattern: word($0 + 1)) }
  }
}
