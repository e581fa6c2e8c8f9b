// A function on dense arrays with its first derivatives, as code outside the engine supplies it.

/// A function of dense Double arrays whose derivatives come as callbacks: a vector-Jacobian
/// product and, optionally, a Jacobian-vector product. The engine records one on its tape
/// (`Tensor.external`, where it is named `ExternalFunction`); NCLPluginKit hands one to the host
/// as a plugin-defined function (`DifferentiableFunction`). One definition serves both sides.
public struct ArrayFunction {
  /// A dense row-major array and its shape.
  public struct Array {
    public var values: [Double]
    public var shape: [Int]
    public init(values: [Double], shape: [Int]) {
      self.values = values
      self.shape = shape
    }
  }

  /// Named in every message.
  public let name: String
  /// f(inputs), `outputShape` elements.
  public let forward: (_ inputs: [Array], _ outputShape: [Int]) throws -> [Double]
  /// The gradient of a scalar with respect to each input, given its gradient wrt the output.
  public let vjp: (_ inputs: [Array], _ output: Array, _ outputGradient: Array) throws -> [[Double]]
  /// The output's tangent (`outputShape` elements) given one tangent per input; nil: forward mode
  /// fails, naming the function.
  public let jvp: ((_ inputs: [Array], _ tangents: [Array], _ outputShape: [Int]) throws -> [Double])?

  public init(
    name: String,
    forward: @escaping ([Array], [Int]) throws -> [Double],
    vjp: @escaping ([Array], Array, Array) throws -> [[Double]],
    jvp: (([Array], [Array], [Int]) throws -> [Double])? = nil
  ) {
    self.name = name
    self.forward = forward
    self.vjp = vjp
    self.jvp = jvp
  }
}
