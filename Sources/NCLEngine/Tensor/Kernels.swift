// Element loops behind the TensorScalar requirements: unary maps, strided binary maps, reductions.
import RealModule

/// An elementwise function of one tensor; parameters are stored as Double and converted once.
public enum UnaryKernel: Sendable, Equatable {
  case negate, exp, log, log1p, sigmoid, softplus, silu, siluDerivative, siluSecondDerivative, tanh
  /// log sigma'(x), the standard logistic log-density
  case logLogisticDensity
  case sqrt, square, reciprocal, sin, cos, abs, sign
  /// scale * x + shift
  case affine(scale: Double, shift: Double)
  /// min(max(x, lower), upper)
  case clamp(lower: Double, upper: Double)
  /// 1 where lower <= x <= upper, else 0 (the derivative of `clamp`).
  case inside(lower: Double, upper: Double)
  /// x^p for a constant p
  case power(Double)
  /// 1 where x is finite, 0 at NaN and ±infinity
  case isFinite
}

/// An elementwise function of two broadcast tensors.
public enum BinaryKernel: Sendable, Equatable {
  case add, subtract, multiply, divide
  /// a^b (whole exponents by repeated multiplication, as `UnaryKernel.power`)
  case power
  /// 1 where the comparison holds, else 0 (IEEE: every comparison with NaN is false but !=)
  case less, lessOrEqual, greater, greaterOrEqual, equal, notEqual
}

/// A reduction along one axis.
public enum ReduceKernel: Sendable, Equatable {
  case sum, max, logSumExp
}

/// Generic loops; specialized per scalar type through the TensorScalar witnesses.
enum Kernels {
  @inline(__always)
  static func map<T: TensorScalar>(
    _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ count: Int, _ f: (T) -> T
  ) {
    for i in 0..<count { y[i] = f(x[i]) }
  }

  static func unary<T: TensorScalar>(_ op: UnaryKernel, _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int) {
    switch op {
    case .negate: map(x, y, n) { -$0 }
    case .exp: map(x, y, n) { T.exp($0) }
    case .log: map(x, y, n) { T.log($0) }
    case .log1p: map(x, y, n) { T.log(onePlus: $0) }
    case .sigmoid: map(x, y, n) { 1 / (1 + T.exp(-$0)) }
    case .softplus: map(x, y, n) { Swift.max($0, 0) + T.log(onePlus: T.exp(-Swift.abs($0))) }
    case .silu: map(x, y, n) { $0 / (1 + T.exp(-$0)) }
    case .siluDerivative:
      map(x, y, n) { v in
        let s = 1 / (1 + T.exp(-v))
        return s + v * s * (1 - s)
      }
    case .siluSecondDerivative:
      map(x, y, n) { v in
        let s = 1 / (1 + T.exp(-v))
        return s * (1 - s) * (2 + v * (1 - 2 * s))
      }
    case .tanh: map(x, y, n) { T.tanh($0) }
    case .logLogisticDensity: map(x, y, n) { -Swift.abs($0) - 2 * T.log(onePlus: T.exp(-Swift.abs($0))) }
    case .sqrt: map(x, y, n) { $0.squareRoot() }
    case .square: map(x, y, n) { $0 * $0 }
    case .reciprocal: map(x, y, n) { 1 / $0 }
    case .sin: map(x, y, n) { T.sin($0) }
    case .cos: map(x, y, n) { T.cos($0) }
    case .abs: map(x, y, n) { Swift.abs($0) }
    case .sign: map(x, y, n) { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }
    case .affine(let scale, let shift):
      let a = T(scale), b = T(shift)
      map(x, y, n) { a * $0 + b }
    case .clamp(let lower, let upper):
      let lo = T(lower), hi = T(upper)
      map(x, y, n) { $0.isNaN ? $0 : Swift.min(Swift.max($0, lo), hi) }
    case .inside(let lower, let upper):
      let lo = T(lower), hi = T(upper)
      map(x, y, n) { ($0 >= lo && $0 <= hi) ? 1 : 0 }
    case .power(let p):
      // Whole exponents by repeated multiplication: defined for negative bases, and 0^0 = 1.
      if p == 2 {
        map(x, y, n) { $0 * $0 }
      } else if p.rounded() == p && Swift.abs(p) <= 1024 {
        let k = Int(p)
        map(x, y, n) { T.pow($0, k) }
      } else {
        let q = T(p)
        map(x, y, n) { T.pow($0, q) }
      }
    case .isFinite: map(x, y, n) { $0.isFinite ? 1 : 0 }
    }
  }

  /// x^p with the conventions of `UnaryKernel.power`: whole exponents (up to 1024 in magnitude)
  /// by repeated multiplication, so negative bases work and 0^0 = 1; other exponents through
  /// pow, NaN for a negative base.
  @inline(__always)
  static func power<T: TensorScalar>(_ x: T, _ p: T) -> T {
    if p.rounded() == p && Swift.abs(p) <= 1024 { return T.pow(x, Int(p)) }
    return T.pow(x, p)
  }

  @inline(__always)
  static func zip<T: TensorScalar>(
    _ a: UnsafePointer<T>, _ sa: Int, _ b: UnsafePointer<T>, _ sb: Int, _ out: UnsafeMutablePointer<T>,
    _ n: Int, _ f: (T, T) -> T
  ) {
    // Separate loops per stride pattern so the common cases vectorize.
    if sa == 1 && sb == 1 && UnsafePointer(out) == a {
      // In place (gradient accumulation): one store pointer, so the alias check passes.
      for i in 0..<n { out[i] = f(out[i], b[i]) }
    } else if sa == 1 && sb == 1 {
      for i in 0..<n { out[i] = f(a[i], b[i]) }
    } else if sa == 1 && sb == 0 {
      let v = b[0]
      for i in 0..<n { out[i] = f(a[i], v) }
    } else if sa == 0 && sb == 1 {
      let v = a[0]
      for i in 0..<n { out[i] = f(v, b[i]) }
    } else {
      for i in 0..<n { out[i] = f(a[i * sa], b[i * sb]) }
    }
  }

  static func binary<T: TensorScalar>(
    _ op: BinaryKernel, _ a: UnsafePointer<T>, _ aStrides: [Int], _ b: UnsafePointer<T>, _ bStrides: [Int],
    _ out: UnsafeMutablePointer<T>, _ shape: [Int]
  ) {
    let (dims, strides) = StridedLayout.collapse(shape, [aStrides, bStrides])
    let inner = dims.last ?? 1
    let sa = strides[0].last ?? 0, sb = strides[1].last ?? 0
    func run(_ pa: UnsafePointer<T>, _ pb: UnsafePointer<T>, _ po: UnsafeMutablePointer<T>, _ n: Int) {
      switch op {
      case .add: zip(pa, sa, pb, sb, po, n, +)
      case .subtract: zip(pa, sa, pb, sb, po, n, -)
      case .multiply: zip(pa, sa, pb, sb, po, n, *)
      case .divide: zip(pa, sa, pb, sb, po, n, /)
      case .power: zip(pa, sa, pb, sb, po, n, power)
      case .less: zip(pa, sa, pb, sb, po, n) { $0 < $1 ? 1 : 0 }
      case .lessOrEqual: zip(pa, sa, pb, sb, po, n) { $0 <= $1 ? 1 : 0 }
      case .greater: zip(pa, sa, pb, sb, po, n) { $0 > $1 ? 1 : 0 }
      case .greaterOrEqual: zip(pa, sa, pb, sb, po, n) { $0 >= $1 ? 1 : 0 }
      case .equal: zip(pa, sa, pb, sb, po, n) { $0 == $1 ? 1 : 0 }
      case .notEqual: zip(pa, sa, pb, sb, po, n) { $0 != $1 ? 1 : 0 }
      }
    }
    if dims.count == 1 {
      // One long row: split it across cores.
      Parallel.forEachChunk(inner) { start, n in run(a + start * sa, b + start * sb, out + start, n) }
      return
    }
    // Several rows: split the outermost axis across cores, each chunk walking its own rows.
    let outer = dims[0], rowsPerOuter = dims.dropFirst().dropLast().reduce(1, *)
    let chunkRows = Swift.max(1, Parallel.minimumChunk / Swift.max(inner * rowsPerOuter, 1))
    let chunks = Swift.min(Parallel.threads, Swift.max(1, outer / chunkRows))
    func rows(_ range: Range<Int>) {
      var subDims = dims
      subDims[0] = range.count
      var offset = range.lowerBound * rowsPerOuter * inner
      let base = (a + range.lowerBound * strides[0][0], b + range.lowerBound * strides[1][0])
      StridedLayout.forEachRow(subDims, strides) { offsets in
        run(base.0 + offsets[0], base.1 + offsets[1], out + offset, inner)
        offset += inner
      }
    }
    Parallel.forEachRange(outer, parts: chunks, rows)
  }

  static func copy<T: TensorScalar>(_ x: UnsafePointer<T>, _ strides: [Int], _ out: UnsafeMutablePointer<T>, _ shape: [Int]) {
    let (dims, collapsed) = StridedLayout.collapse(shape, [strides])
    let inner = dims.last ?? 1
    let s = collapsed[0].last ?? 0
    func rows(_ dims: [Int], _ x: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>) {
      var offset = 0
      StridedLayout.forEachRow(dims, collapsed) { offsets in
        let px = x + offsets[0], po = out + offset
        if s == 1 {
          po.update(from: px, count: inner)
        } else {
          for i in 0..<inner { po[i] = px[i * s] }
        }
        offset += inner
      }
    }
    // Large copies (broadcast biases, slices of a batch) split the outermost axis across cores.
    let outer = dims.count > 1 ? dims[0] : 1
    let chunks = Swift.min(Parallel.threads, outer, shape.reduce(1, *) / Parallel.minimumChunk)
    let rowSize = dims.dropFirst().reduce(1, *)
    Parallel.forEachRange(outer, parts: chunks) { range in
      var part = dims
      if dims.count > 1 { part[0] = range.count }
      rows(part, x + range.lowerBound * (collapsed[0].first ?? 0), out + range.lowerBound * rowSize)
    }
  }

  static func reduce<T: TensorScalar>(
    _ op: ReduceKernel, _ x: UnsafePointer<T>, _ outer: Int, _ length: Int, _ inner: Int, _ y: UnsafeMutablePointer<T>
  ) {
    switch op {
    case .sum, .max:
      // Long reductions run on several cores: by blocks of the outer axis when there are enough,
      // else by blocks of columns (the usual case: a bias gradient sums [batch, features] over
      // the batch).
      let blocks = Swift.min(Parallel.threads, outer * length * inner / Parallel.minimumChunk)
      if blocks > 1 && outer >= blocks {
        Parallel.forEachRange(outer, parts: blocks) { r in
          reduceRows(op, x + r.lowerBound * length * inner, r.count, length, inner, inner, y + r.lowerBound * inner)
        }
      } else if blocks > 1 && inner >= 16 * blocks {
        Parallel.forEachRange(inner, parts: blocks) { r in
          reduceRows(op, x + r.lowerBound, outer, length, inner, r.count, y + r.lowerBound)
        }
      } else {
        reduceRows(op, x, outer, length, inner, inner, y)
      }
    case .logSumExp:
      // Max-shifted so that exp never overflows; an all -inf slice gives -inf. One scratch
      // buffer and one call of T._unary(.exp) for the whole tensor, so Float uses its fast kernel.
      let count = outer * length * inner
      let shifted = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(count, 1))
      defer { shifted.deallocate() }
      reduce(.max, x, outer, length, inner, y)
      for o in 0..<outer {
        for l in 0..<length {
          let row = x + (o * length + l) * inner, srow = shifted + (o * length + l) * inner, m = y + o * inner
          for i in 0..<inner { srow[i] = m[i].isFinite ? row[i] - m[i] : -T.infinity }
        }
      }
      T._unary(.exp, shifted, shifted, count)
      let sums = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(outer * inner, 1))
      defer { sums.deallocate() }
      reduce(.sum, shifted, outer, length, inner, sums)
      for j in 0..<outer * inner where y[j].isFinite { y[j] += T.log(sums[j]) }
    }
  }

  /// Sums or maxima over the middle axis of (outer, length, inner) for `columns` of the inner
  /// positions, starting at x and y.
  static func reduceRows<T: TensorScalar>(
    _ op: ReduceKernel, _ x: UnsafePointer<T>, _ outer: Int, _ length: Int, _ inner: Int, _ columns: Int,
    _ y: UnsafeMutablePointer<T>
  ) {
    let isSum = op == .sum
    for o in 0..<outer {
      let px = x + o * length * inner, py = y + o * inner
      if inner == 1 {
        py[0] = isSum ? rowSum(px, length) : rowMax(px, length)
        continue
      }
      if length == 0 {
        py.update(repeating: isSum ? 0 : -T.infinity, count: columns)
        continue
      }
      py.update(from: px, count: columns)
      for l in 1..<length {
        let row = px + l * inner
        if isSum {
          for i in 0..<columns { py[i] += row[i] }
        } else {
          for i in 0..<columns { py[i] = Swift.max(py[i], row[i]) }
        }
      }
    }
  }

  /// Sum of a contiguous row with four partial sums, so the loop vectorizes.
  @inline(__always)
  static func rowSum<T: TensorScalar>(_ p: UnsafePointer<T>, _ n: Int) -> T {
    var (a, b, c, d): (T, T, T, T) = (0, 0, 0, 0)
    var i = 0
    while i + 4 <= n {
      a += p[i]; b += p[i + 1]; c += p[i + 2]; d += p[i + 3]
      i += 4
    }
    while i < n { a += p[i]; i += 1 }
    return (a + b) + (c + d)
  }

  @inline(__always)
  static func rowMax<T: TensorScalar>(_ p: UnsafePointer<T>, _ n: Int) -> T {
    var m = -T.infinity
    for i in 0..<n { m = Swift.max(m, p[i]) }
    return m
  }

  static func cumsum<T: TensorScalar>(
    _ x: UnsafePointer<T>, _ outer: Int, _ length: Int, _ inner: Int, reverse: Bool, exclusive: Bool,
    _ y: UnsafeMutablePointer<T>
  ) {
    var running = [T](repeating: 0, count: inner)
    for o in 0..<outer {
      let base = o * length * inner
      for i in 0..<inner { running[i] = 0 }
      for step in 0..<length {
        let l = reverse ? length - 1 - step : step
        let px = x + base + l * inner, py = y + base + l * inner
        for i in 0..<inner {
          if exclusive {
            py[i] = running[i]
            running[i] += px[i]
          } else {
            running[i] += px[i]
            py[i] = running[i]
          }
        }
      }
    }
  }
}

extension TensorScalar {
  public static func _binary(
    _ op: BinaryKernel, _ a: UnsafePointer<Self>, _ aStrides: [Int], _ b: UnsafePointer<Self>, _ bStrides: [Int],
    _ out: UnsafeMutablePointer<Self>, _ shape: [Int]
  ) {
    Kernels.binary(op, a, aStrides, b, bStrides, out, shape)
  }

  public static func _copy(_ x: UnsafePointer<Self>, _ strides: [Int], _ out: UnsafeMutablePointer<Self>, _ shape: [Int]) {
    Kernels.copy(x, strides, out, shape)
  }

  public static func _reduce(
    _ op: ReduceKernel, _ x: UnsafePointer<Self>, _ outer: Int, _ length: Int, _ inner: Int, _ y: UnsafeMutablePointer<Self>
  ) {
    Kernels.reduce(op, x, outer, length, inner, y)
  }

  public static func _cumsum(
    _ x: UnsafePointer<Self>, _ outer: Int, _ length: Int, _ inner: Int, reverse: Bool, exclusive: Bool,
    _ y: UnsafeMutablePointer<Self>
  ) {
    Kernels.cumsum(x, outer, length, inner, reverse: reverse, exclusive: exclusive, y)
  }
}

extension TensorScalar {
  public static func _select(
    _ condition: UnsafePointer<Self>, _ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>,
    _ out: UnsafeMutablePointer<Self>, _ count: Int
  ) {
    for i in 0..<count { out[i] = condition[i] != 0 ? a[i] : b[i] }
  }
}
