// Extra entry points: `nclhost call DynamicalOT gaussian_w2 ...` and `... discrete_ot ...`.
import NCLPluginKit
import NCLSupport

enum ExportedFunctions {
  static let declarations: [FunctionDeclaration] = [
    FunctionDeclaration("gaussian_w2", symbol: "dynamical_ot_gaussian_w2", signature: "d(issss)",
                        help: "W2^2 between N(mean0, diag std0^2) and N(mean1, diag std1^2) in D dims: D, mean0, std0, mean1, std1 (each one value or D comma-separated)"),
    FunctionDeclaration("discrete_ot", symbol: "dynamical_ot_discrete_ot", signature: "d(ssii)",
                        help: "discrete-OT W2^2 (exact assignment) between COUNT samples of two built-in 2-D laws: SOURCE, TARGET, COUNT, SEED"),
    FunctionDeclaration("population_csv", symbol: "dynamical_ot_population_csv", signature: "d(ssiiii)",
                        help: "write the snapshots data=population trains on as a CSV (time,x1..xD): PATH, PROCESS, DIMENSION, TIMES, SIZE, SEED (data_seed); returns the rows written"),
  ]

  /// Discrete-OT W2^2 between `count` samples of each law (exact assignment).
  static func discreteOT(_ a: ToyDistribution, _ b: ToyDistribution, count: Int, seed: UInt64) -> Double {
    var g = SeededGenerator(seed: seed ^ 0x0D15_C07E)
    let x = a.sample(count, using: &g), y = b.sample(count, using: &g)
    let w2 = Assignment.wasserstein(x, y, dimension: 2, p: 2)
    return w2 * w2
  }
}

private func vector(_ text: UnsafePointer<CChar>?, _ d: Int) -> [Double]? {
  guard let text else { return nil }
  let values = String(cString: text).split(whereSeparator: { $0 == "," || $0 == " " }).map { Double(String($0)) }
  guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else { return nil }
  if values.count == 1 { return Array(repeating: values[0]!, count: d) }
  return values.count == d ? values.map { $0! } : nil
}

/// Writes the built-in population's snapshots (the same as data=population with these settings) to
/// PATH; returns the number of rows, NaN for a bad process name, dimension, count or path.
@_cdecl("dynamical_ot_population_csv")
public func dynamicalOTPopulationCSV(_ path: UnsafePointer<CChar>?, _ process: UnsafePointer<CChar>?, _ dimension: Int64,
                                     _ times: Int64, _ size: Int64, _ seed: Int64) -> Double {
  guard let path, let process, let population = PopulationProcess(rawValue: String(cString: process)),
        (2...1000).contains(dimension), (2...100).contains(times), (2...1_000_000).contains(size), seed >= 0 else { return .nan }
  let m = Int(times)
  let data = population.snapshots(dimension: Int(dimension), times: (0..<m).map { Double($0) / Double(m - 1) },
                                  count: Int(size), seed: UInt64(seed))
  do {
    try AtomicFile.write(Array(data.csv().utf8), to: String(cString: path), createDirectories: true)
  } catch {
    return .nan
  }
  return Double(m * Int(size))
}

/// W2^2 between two diagonal Gaussians; NaN for malformed arguments.
@_cdecl("dynamical_ot_gaussian_w2")
public func dynamicalOTGaussianW2(_ dimension: Int64, _ mean0: UnsafePointer<CChar>?, _ std0: UnsafePointer<CChar>?,
                                  _ mean1: UnsafePointer<CChar>?, _ std1: UnsafePointer<CChar>?) -> Double {
  let d = Int(dimension)
  guard d >= 1, let m0 = vector(mean0, d), let s0 = vector(std0, d), let m1 = vector(mean1, d), let s1 = vector(std1, d) else { return .nan }
  return GaussianPair(mean0: m0, std0: s0, mean1: m1, std1: s1).w2Squared
}

/// Discrete-OT W2^2 between COUNT samples of two built-in laws; NaN for unknown names or a bad count.
@_cdecl("dynamical_ot_discrete_ot")
public func dynamicalOTDiscreteOT(_ source: UnsafePointer<CChar>?, _ target: UnsafePointer<CChar>?, _ count: Int64, _ seed: Int64) -> Double {
  guard let source, let target, let a = ToyDistribution(rawValue: String(cString: source)),
        let b = ToyDistribution(rawValue: String(cString: target)), (2...10_000).contains(count), seed >= 0 else { return .nan }
  return ExportedFunctions.discreteOT(a, b, count: Int(count), seed: UInt64(seed))
}
