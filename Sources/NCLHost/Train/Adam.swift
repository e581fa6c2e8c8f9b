// The Adam optimizer, with optional decoupled weight decay (AdamW).

/// Adam (Kingma & Ba) with bias correction, on a flat list of parameter tensors.
///
/// `weightDecay` > 0 shrinks every parameter by `learningRate * weightDecay` of itself each step,
/// apart from the gradient (Loshchilov & Hutter's decoupled decay): a prior towards small weights
/// that, unlike an L2 term in the loss, Adam's per-coordinate scaling does not undo.
///
/// Parameters are immutable tensors, so `step` returns the updated list; the caller stores it
/// back into its model. Moments are kept here, in the same order.
public struct Adam<Scalar: TensorScalar> {
  public var learningRate: Scalar
  public let weightDecay: Scalar
  public let beta1: Scalar, beta2: Scalar, epsilon: Scalar
  public private(set) var stepCount = 0
  private var firstMoments: [Tensor<Scalar>] = []
  private var secondMoments: [Tensor<Scalar>] = []

  public init(
    learningRate: Scalar = 1e-3, beta1: Scalar = 0.9, beta2: Scalar = 0.999, epsilon: Scalar = 1e-8, weightDecay: Scalar = 0
  ) {
    precondition(learningRate > 0, "learning rate must be positive, got \(learningRate)")
    precondition(weightDecay >= 0, "weight decay must be >= 0, got \(weightDecay)")
    precondition((0..<1).contains(beta1) && (0..<1).contains(beta2), "betas must lie in [0, 1): \(beta1), \(beta2)")
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.weightDecay = weightDecay
  }

  /// Everything `step` depends on besides the hyperparameters: the update count and both
  /// moment lists (empty before the first step). Checkpoints save and restore it so a resumed
  /// run continues with exactly the same bias corrections and moments.
  public struct State {
    public var stepCount: Int
    public var firstMoments: [Tensor<Scalar>]
    public var secondMoments: [Tensor<Scalar>]

    public init(stepCount: Int = 0, firstMoments: [Tensor<Scalar>] = [], secondMoments: [Tensor<Scalar>] = []) {
      self.stepCount = stepCount
      self.firstMoments = firstMoments
      self.secondMoments = secondMoments
    }
  }

  /// The optimizer's state; setting it checks that both moment lists agree in length and shapes.
  public var state: State {
    get { State(stepCount: stepCount, firstMoments: firstMoments, secondMoments: secondMoments) }
    set {
      precondition(newValue.stepCount >= 0, "Adam step count must be >= 0, got \(newValue.stepCount)")
      precondition(newValue.firstMoments.map(\.shape) == newValue.secondMoments.map(\.shape),
                   "Adam moments disagree: \(newValue.firstMoments.map(\.shape)) and \(newValue.secondMoments.map(\.shape))")
      stepCount = newValue.stepCount
      firstMoments = newValue.firstMoments.map { $0.detached() }
      secondMoments = newValue.secondMoments.map { $0.detached() }
    }
  }

  /// One update; returns new leaf parameters ready for the next forward pass.
  public mutating func step(_ parameters: [Tensor<Scalar>], gradients: [Tensor<Scalar>]) -> [Tensor<Scalar>] {
    precondition(parameters.count == gradients.count, "\(gradients.count) gradients for \(parameters.count) parameters")
    if firstMoments.isEmpty {
      firstMoments = parameters.map { .zeros($0.shape) }
      secondMoments = parameters.map { .zeros($0.shape) }
    }
    stepCount += 1
    let correction1 = 1 - Scalar.pow(beta1, stepCount)
    let correction2 = 1 - Scalar.pow(beta2, stepCount)
    let stepSize = learningRate / correction1
    let shrink = 1 - learningRate * weightDecay
    return withoutGradient {
      parameters.indices.map { i in
        let g = gradients[i].detached()
        precondition(g.shape == parameters[i].shape, "gradient \(g.shape) for parameter \(parameters[i].shape)")
        firstMoments[i] = beta1 * firstMoments[i] + (1 - beta1) * g
        secondMoments[i] = beta2 * secondMoments[i] + (1 - beta2) * g.squared()
        let denominator = (secondMoments[i] / correction2).sqrt() + epsilon
        let decayed = weightDecay > 0 ? shrink * parameters[i].detached() : parameters[i].detached()
        return (decayed - stepSize * firstMoments[i] / denominator).requiringGradient()
      }
    }
  }
}
