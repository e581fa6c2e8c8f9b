// Orders the part of the tape that reaches a set of roots.

enum Tape {
  /// Nodes reachable from `roots`, every node after all of its inputs (iterative, so deep
  /// graphs such as long training loops cannot overflow the stack).
  static func topologicalOrder<Scalar>(from roots: [Node<Scalar>]) -> [Node<Scalar>] {
    var order: [Node<Scalar>] = []
    var visited = Set<ObjectIdentifier>()
    var stack: [(node: Node<Scalar>, nextInput: Int)] = []
    for root in roots where visited.insert(ObjectIdentifier(root)).inserted {
      stack.append((root, 0))
      while !stack.isEmpty {
        let top = stack.count - 1
        let (node, next) = stack[top]
        if next < node.inputs.count {
          stack[top].nextInput += 1
          if let parent = node.inputs[next].node, visited.insert(ObjectIdentifier(parent)).inserted {
            stack.append((parent, 0))
          }
        } else {
          order.append(node)
          stack.removeLast()
        }
      }
    }
    return order
  }
}
