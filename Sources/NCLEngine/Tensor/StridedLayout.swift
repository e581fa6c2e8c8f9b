// Row-major shapes, strides and broadcasting rules shared by every op.

/// Helpers for row-major layouts: contiguous strides, broadcasting, and row iteration.
package enum StridedLayout {
  /// Contiguous row-major strides of `shape`.
  static func contiguousStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var step = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) {
      strides[i] = step
      step *= shape[i]
    }
    return strides
  }

  /// NumPy broadcasting: align trailing axes; an axis of 1 stretches. Nil if incompatible.
  package static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
    let rank = max(a.count, b.count)
    var out = [Int](repeating: 1, count: rank)
    for i in 0..<rank {
      let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
      let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
      if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else { return nil }
    }
    return out
  }

  /// Strides that read a contiguous tensor of `shape` as if it had `target` shape (0 on broadcast axes).
  static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
    let own = contiguousStrides(shape)
    let lead = target.count - shape.count
    return (0..<target.count).map { i in
      i < lead || shape[i - lead] == 1 ? 0 : own[i - lead]
    }
  }

  /// Merges adjacent axes that every operand walks contiguously, so inner loops run longer.
  static func collapse(_ shape: [Int], _ strides: [[Int]]) -> ([Int], [[Int]]) {
    guard !shape.isEmpty else { return ([1], strides.map { _ in [0] }) }
    var dims = [shape[0]]
    var out = strides.map { [$0[0]] }
    for axis in 1..<shape.count {
      let n = shape[axis]
      let mergeable = strides.indices.allSatisfy { k in out[k][out[k].count - 1] == strides[k][axis] * n }
      if mergeable {
        dims[dims.count - 1] *= n
        for k in strides.indices { out[k][out[k].count - 1] = strides[k][axis] }
      } else {
        dims.append(n)
        for k in strides.indices { out[k].append(strides[k][axis]) }
      }
    }
    return (dims, out)
  }

  /// Calls `body` with each operand's element offset at the start of every innermost row.
  @inline(__always)
  static func forEachRow(_ dims: [Int], _ strides: [[Int]], _ body: ([Int]) -> Void) {
    let rank = dims.count
    if dims.contains(0) { return }
    var index = [Int](repeating: 0, count: rank)
    var offsets = [Int](repeating: 0, count: strides.count)
    while true {
      body(offsets)
      // Odometer over every axis but the last.
      var axis = rank - 2
      while axis >= 0 {
        index[axis] += 1
        for k in strides.indices { offsets[k] += strides[k][axis] }
        if index[axis] < dims[axis] { break }
        for k in strides.indices { offsets[k] -= strides[k][axis] * dims[axis] }
        index[axis] = 0
        axis -= 1
      }
      if axis < 0 { return }
    }
  }
}
