// Arithmetic operators on host tensors (broadcasting, NumPy rules) and with Double constants.
import NCLPluginAPI

extension PluginTensor {
  func binary(_ op: Int32, _ other: PluginTensor) -> PluginTensor {
    wrap(api.pointee.binary(host.raw, ncl_binary_op_t(op), handle, other.handle))
  }

  public static func + (a: PluginTensor, b: PluginTensor) -> PluginTensor { a.binary(NCL_OP_ADD, b) }
  public static func - (a: PluginTensor, b: PluginTensor) -> PluginTensor { a.binary(NCL_OP_SUBTRACT, b) }
  public static func * (a: PluginTensor, b: PluginTensor) -> PluginTensor { a.binary(NCL_OP_MULTIPLY, b) }
  public static func / (a: PluginTensor, b: PluginTensor) -> PluginTensor { a.binary(NCL_OP_DIVIDE, b) }
  public static prefix func - (a: PluginTensor) -> PluginTensor { a.unary(NCL_OP_NEGATE) }

  public static func + (a: PluginTensor, b: Double) -> PluginTensor { a.affine(scale: 1, shift: b) }
  public static func + (a: Double, b: PluginTensor) -> PluginTensor { b.affine(scale: 1, shift: a) }
  public static func - (a: PluginTensor, b: Double) -> PluginTensor { a.affine(scale: 1, shift: -b) }
  public static func - (a: Double, b: PluginTensor) -> PluginTensor { b.affine(scale: -1, shift: a) }
  public static func * (a: PluginTensor, b: Double) -> PluginTensor { a.affine(scale: b) }
  public static func * (a: Double, b: PluginTensor) -> PluginTensor { b.affine(scale: a) }
  public static func / (a: PluginTensor, b: Double) -> PluginTensor { a.affine(scale: 1 / b) }
  public static func / (a: Double, b: PluginTensor) -> PluginTensor { b.reciprocal().affine(scale: a) }
}
