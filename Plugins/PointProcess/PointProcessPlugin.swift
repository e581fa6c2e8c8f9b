// PointProcess: spatio-temporal event modeling with NCL. Event times follow a temporal point
// process (homogeneous Poisson or exponential Hawkes, fitted here by maximum likelihood); event
// locations follow the NCL density rho_t(x) at the event's time t, trained through the host by
// exact maximum likelihood (no ODE solve). See README.md for the objective and the metrics.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NCLPluginAPI
import NCLPluginKit
import NCLSupport

/// The one exported entry point.
@_cdecl("ncl_plugin_entry")
public func nclPluginEntry() -> UnsafePointer<ncl_plugin_descriptor_t> { PointProcessObjective.descriptor }

/// Extra function `generate_pinwheel PATH SEQUENCES SEED`: writes a Pinwheel CSV, returns the
/// number of events written (-1 on error, with the reason on stderr).
@_cdecl("ncl_point_process_generate_pinwheel")
public func generatePinwheelFunction(_ path: UnsafePointer<CChar>?, _ sequences: Int64, _ seed: Int64) -> Int64 {
  guard let path, sequences >= 1 else {
    fputs("generate_pinwheel: needs a path and at least 1 sequence\n", stderr)
    return -1
  }
  let set = Pinwheel.generate(sequences: Int(sequences), seed: UInt64(bitPattern: seed))
  do {
    try EventCSV.write(set, to: String(cString: path))
  } catch {
    fputs("generate_pinwheel: \(error)\n", stderr)
    return -1
  }
  return Int64(set.eventCount)
}

/// The three splits of a data set, locations standardized with the training split's statistics.
struct SplitData {
  var train: EventSet
  var val: EventSet
  var test: EventSet
  /// Training mean and standard deviation of each coordinate (raw units).
  var mean: [Double]
  var std: [Double]

  init(train rawTrain: EventSet, val rawVal: EventSet, test rawTest: EventSet) throws {
    let (mean, std) = rawTrain.locationStatistics()
    guard std.allSatisfy({ $0 > 0 && $0.isFinite }) else {
      throw DataError(message: "the training locations have zero or non-finite spread (std \(std)); cannot standardize")
    }
    self.mean = mean
    self.std = std
    train = rawTrain.standardized(mean: mean, std: std)
    val = rawVal.standardized(mean: mean, std: std)
    test = rawTest.standardized(mean: mean, std: std)
  }
}

public final class PointProcessObjective: ObjectiveImplementation {
  enum Dataset: String, CaseIterable {
    case pinwheel, earthquakesJP = "earthquakes_jp", csv, generated
  }

  public static let plugin = PluginInfo(
    id: "org.ncl.point-process",
    name: "PointProcess",
    version: "0.1.0",
    description: "Spatio-temporal events: Poisson/Hawkes event times and the NCL density rho_t(x) of event locations, exact maximum likelihood",
    parameters: [
      .choice("dataset", Dataset.allCases.map(\.rawValue), default: "pinwheel",
              help: "pinwheel or earthquakes_jp (shipped), csv (train/val/test files), generated (a fresh Pinwheel sample)"),
      .path("data_dir", help: "folder holding pinwheel/ and earthquakes_jp/ (default: found next to the plugin or in the source tree)"),
      .path("train", help: "dataset=csv: training events, columns sequence,t,X,Y"),
      .path("val", help: "dataset=csv: validation events (default: none)"),
      .path("test", help: "dataset=csv: test events"),
      .float("window", default: 30, range: 1e-9...1e12, help: "dataset=csv: every sequence lives on [0, window] (the time horizon)"),
      .int("generated_sequences", default: 200, range: 2...1_000_000,
           help: "dataset=generated: training sequences (validation and test get a tenth each, at least 2)"),
      .int("generated_seed", default: 1, range: 0...Int(Int32.max), help: "dataset=generated: seed of the Pinwheel sample"),
      .int("batch", default: 512, range: 1...1_048_576, help: "training events per step (drawn uniformly with replacement)"),
      .float("time_jitter", default: 0.1, range: 0...100,
             help: "training only: std of Gaussian noise added to event times, as a fraction of the window (reflected into it); smooths rho_t in time; 0: none"),
      .int("eval_batch", default: 4096, range: 1...1_048_576, help: "events per model evaluation in evaluate()"),
      .bool("baselines", default: true, help: "evaluate also fits and reports the Poisson, Hawkes and conditional-KDE baselines"),
      .string("plot_dir", default: "", help: "evaluate() writes density.png there (the learned rho_t at plot_times over the test events); empty: no picture"),
      .string("plot_times", default: "", help: "times of the density panels, comma-separated, in the window's units (default: 5 evenly spaced, 3,9,15,21,27 for 30 days)"),
    ],
    functions: [
      FunctionDeclaration("generate_pinwheel", symbol: "ncl_point_process_generate_pinwheel", signature: "i(sii)",
                          help: "generate_pinwheel PATH SEQUENCES SEED: writes a Pinwheel CSV (10-class Hawkes on [0, 30]), returns the event count"),
    ])

  let data: SplitData
  let batch: Int
  let timeJitter: Double
  let evalBatch: Int
  let baselines: Bool
  let plotDirectory: String
  let plotTimes: [Double]
  public let problem: ProblemDescription

  /// sum_i log std_i: log rho in standardized units = log rho in data units + this (the
  /// published spatial NLLs are per standardized unit).
  private let logStandardDeviations: Double
  /// Training events flattened once: times and standardized locations.
  private let trainTimes: [Double]
  private let trainLocations: [Double]
  private var firstLossTime: Double? = nil
  private var cachedBaselines: [String: Double]? = nil

  public init(parameters p: ParameterValues, host: PluginHost) throws {
    let dataset = try p.choice("dataset", as: Dataset.self)
    batch = try p.int("batch")
    timeJitter = try p.double("time_jitter")  // a fraction of the window
    evalBatch = try p.int("eval_batch")
    baselines = try p.bool("baselines")
    plotDirectory = try p.string("plot_dir")
    plotTimes = try p.doubles("plot_times")
    do {
      data = try Self.load(dataset, p, libraryPath: host.pluginPath)
    } catch let error as DataError {
      throw ObjectiveError.data(error.message)
    }
    trainTimes = data.train.allTimes
    trainLocations = data.train.allLocations
    let window = data.train.window
    if !plotDirectory.isEmpty, let outside = plotTimes.first(where: { !(0...window).contains($0) }) {
      throw ObjectiveError.invalidArgument("plot_times: \(outside) is outside the window [0, \(window)]")
    }
    var problem = ProblemDescription(dimension: 2)
    problem.horizon = 0...data.train.window
    problem.components = 32
    problem.hiddenWidth = 128
    problem.hiddenLayers = 3
    problem.batchSize = batch
    // The recommended run (README): 30 000 steps, cosine from the host's 1e-3.
    (problem.suggestedSteps, problem.suggestedSchedule) = (30_000, .cosine)
    // The host sees (and users get) data units; the model trains on standardized coordinates.
    problem.dataShift = data.mean
    problem.dataScale = data.std
    self.problem = problem
    logStandardDeviations = data.std.reduce(0) { $0 + log($1) }
    host.log("PointProcess: \(dataset.rawValue): train \(data.train.sequences.count) sequences / \(data.train.eventCount) events, " +
             "val \(data.val.sequences.count) / \(data.val.eventCount), test \(data.test.sequences.count) / \(data.test.eventCount); " +
             "window [0, \(data.train.window)]; locations standardized with mean \(data.mean) and std \(data.std)")
  }

  static func load(_ dataset: Dataset, _ p: ParameterValues, libraryPath: String?) throws -> SplitData {
    switch dataset {
    case .pinwheel, .earthquakesJP:
      let folder = try DataLocation.find(dataset: dataset.rawValue, override: p.string("data_dir"), libraryPath: libraryPath) + "/" + dataset.rawValue
      let window = 30.0
      return try SplitData(train: EventCSV.load(path: folder + "/train.csv", window: window),
                           val: EventCSV.load(path: folder + "/val.csv", window: window),
                           test: EventCSV.load(path: folder + "/test.csv", window: window))
    case .csv:
      let window = try p.double("window")
      let train = try p.string("train"), val = try p.string("val"), test = try p.string("test")
      guard !train.isEmpty, !test.isEmpty else {
        throw ObjectiveError.invalidArgument("dataset=csv needs train=FILE and test=FILE (val=FILE is optional)")
      }
      let trainSet = try EventCSV.load(path: train, window: window), testSet = try EventCSV.load(path: test, window: window)
      let valSet = val.isEmpty ? EventSet(sequences: [], window: window) : try EventCSV.load(path: val, window: window)
      return try SplitData(train: trainSet, val: valSet, test: testSet)
    case .generated:
      let n = try p.int("generated_sequences"), seed = UInt64(try p.int("generated_seed"))
      let held = max(2, n / 10)
      return try SplitData(train: Pinwheel.generate(sequences: n, seed: 3 * seed),
                           val: Pinwheel.generate(sequences: held, seed: 3 * seed + 1),
                           test: Pinwheel.generate(sequences: held, seed: 3 * seed + 2))
    }
  }

  // MARK: - Training

  /// Mean spatial NLL of `batch` training events drawn uniformly (from the host's seeded stream),
  /// each at its own time (plus the time jitter, reflected into the window):
  /// -(1/B) sum_b log rho_{t_b}(x_b).
  public func loss(host: PluginHost, step: StepInfo) throws -> PluginTensor {
    if firstLossTime == nil { firstLossTime = monotonicSeconds() }
    let n = trainTimes.count
    let u = try host.uniform([batch]).values()
    let jitter = timeJitter > 0 ? try host.normal([batch], std: timeJitter * data.train.window).values() : []
    let window = data.train.window
    var t = [Double](repeating: 0, count: batch), x = [Double](repeating: 0, count: 2 * batch)
    for (b, v) in u.enumerated() {
      let i = min(max(Int(v * Double(n)), 0), n - 1)
      t[b] = jitter.isEmpty ? trainTimes[i] : Self.reflect(trainTimes[i] + jitter[b], into: window)
      x[2 * b] = trainLocations[2 * i]
      x[2 * b + 1] = trainLocations[2 * i + 1]
    }
    let logDensity = host.field(.logDensity, t: host.tensor(t, shape: [batch, 1]), x: host.tensor(dataUnits(x), shape: [batch, 2]))
    return try (-logDensity.mean() - logStandardDeviations).checked("the spatial NLL")
  }

  /// Standardized locations (x1, y1, x2, ...) back in data units, as the host takes them.
  func dataUnits(_ standardized: ArraySlice<Double>) -> [Double] {
    standardized.enumerated().map { k, v in data.mean[k % 2] + data.std[k % 2] * v }
  }

  func dataUnits(_ standardized: [Double]) -> [Double] { dataUnits(standardized[...]) }

  /// t folded into [0, window] by reflection at both ends.
  static func reflect(_ t: Double, into window: Double) -> Double {
    var y = t.truncatingRemainder(dividingBy: 2 * window)
    if y < 0 { y += 2 * window }
    return y > window ? 2 * window - y : y
  }

  // MARK: - Evaluation

  /// log rho_t(x) per standardized unit of every event of `set`, `evalBatch` events per model evaluation.
  func logDensities(_ set: EventSet, host: PluginHost) throws -> [Double] {
    try logDensities(times: set.allTimes, locations: set.allLocations, host: host)
  }

  func logDensities(times: [Double], locations: [Double], host: PluginHost) throws -> [Double] {
    var out: [Double] = []
    out.reserveCapacity(times.count)
    var start = 0
    while start < times.count {
      let end = min(start + evalBatch, times.count), b = end - start
      let t = host.tensor(Array(times[start..<end]), shape: [b, 1])
      let x = host.tensor(dataUnits(locations[(2 * start)..<(2 * end)]), shape: [b, 2])
      out += try host.field(.logDensity, t: t, x: x).values().map { $0 + logStandardDeviations }
      start = end
    }
    return out
  }

  public func evaluate(host: PluginHost) throws -> [String: Double] {
    var metrics: [String: Double] = [:]
    if let start = firstLossTime { metrics["train_seconds"] = monotonicSeconds() - start }
    let began = monotonicSeconds()
    let test = try logDensities(data.test, host: host)
    let seconds = monotonicSeconds() - began
    let n = Double(max(test.count, 1))
    metrics["spatial_nll_test"] = -test.reduce(0, +) / n
    metrics["eval_seconds_per_event"] = seconds / n
    metrics["test_events"] = Double(test.count)
    // The first (up to) 10 000 training events: the gap to the test NLL measures overfitting.
    let subset = min(trainTimes.count, 10_000)
    let train = try logDensities(times: Array(trainTimes[..<subset]), locations: Array(trainLocations[..<(2 * subset)]), host: host)
    metrics["spatial_nll_train"] = -train.reduce(0, +) / Double(subset)
    if data.val.eventCount > 0 {
      let val = try logDensities(data.val, host: host)
      metrics["spatial_nll_val"] = -val.reduce(0, +) / Double(val.count)
    }
    guard metrics["spatial_nll_test"]!.isFinite else {
      throw ObjectiveError.numeric("the test spatial NLL is not finite (\(metrics["spatial_nll_test"]!))")
    }
    if baselines {
      if cachedBaselines == nil { cachedBaselines = Self.baselineMetrics(data) }
      metrics.merge(cachedBaselines!) { a, _ in a }
    }
    if !plotDirectory.isEmpty {
      do {
        try plot(host: host)
      } catch let error as DataError {
        throw ObjectiveError.invalidArgument("plot_dir: \(error.message)")
      }
    }
    return metrics
  }

  /// Poisson and Hawkes fits (temporal NLL per test event) and the conditional KDE (spatial NLL
  /// per test event), all fitted by maximum likelihood on the training split.
  static func baselineMetrics(_ data: SplitData) -> [String: Double] {
    let temporal = TemporalReport(train: data.train, test: data.test)
    let kde = ConditionalKDE.fit(data.train)
    return [
      "poisson_rate": temporal.poisson.rate,
      "temporal_nll_poisson_test": -temporal.poissonLogLikelihoodPerEvent,
      "hawkes_mu": temporal.hawkes.mu,
      "hawkes_alpha": temporal.hawkes.alpha,
      "hawkes_beta": temporal.hawkes.beta,
      "temporal_nll_hawkes_test": -temporal.hawkesLogLikelihoodPerEvent,
      "kde_spatial_nll_test": kde.negativeLogLikelihoodPerEvent(data.test),
      "kde_bandwidth": kde.bandwidth,
      "kde_timescale": kde.timescale,
    ]
  }

  // MARK: - Pictures

  /// density.png: one panel per plot time, rho_t on a grid over the training locations' range
  /// (standardized units, log color scale shared by the panels), with the test events within
  /// window / 30 of that time as white dots.
  func plot(host: PluginHost) throws {
    let times = plotTimes.isEmpty ? (0..<5).map { (Double($0) + 0.5) / 5 * data.train.window } : plotTimes
    let grid = 160, gap = 12, top = 22
    // Range: 0.5% to 99.5% quantiles of the training locations, padded by 10%.
    func range(_ k: Int) -> (Double, Double) {
      let v = stride(from: k, to: trainLocations.count, by: 2).map { trainLocations[$0] }.sorted()
      let lo = v[Int(0.005 * Double(v.count - 1))], hi = v[Int(0.995 * Double(v.count - 1))]
      let pad = 0.1 * (hi - lo)
      return (lo - pad, hi + pad)
    }
    let (x0, x1) = range(0), (y0, y1) = range(1)
    var gridTimes: [Double] = [], gridLocations: [Double] = []
    for t in times {
      for r in 0..<grid {
        for c in 0..<grid {
          gridTimes.append(t)
          gridLocations.append(x0 + (Double(c) + 0.5) / Double(grid) * (x1 - x0))
          gridLocations.append(y1 - (Double(r) + 0.5) / Double(grid) * (y1 - y0))
        }
      }
    }
    let logDensity = try logDensities(times: gridTimes, locations: gridLocations, host: host)
    let top99 = logDensity.filter(\.isFinite).max() ?? 0
    let floor = top99 - 10
    var canvas = Canvas(width: gap + times.count * (grid + gap), height: top + grid + gap)
    let window = data.train.window
    let testTimes = data.test.allTimes, testLocations = data.test.allLocations
    for (p, t) in times.enumerated() {
      let left = gap + p * (grid + gap)
      for r in 0..<grid {
        for c in 0..<grid {
          let v = logDensity[p * grid * grid + r * grid + c]
          canvas[left + c, top + r] = Colormap.viridis((v - floor) / (top99 - floor))
        }
      }
      for (i, te) in testTimes.enumerated() where abs(te - t) <= window / 30 {
        let px = Int(((testLocations[2 * i] - x0) / (x1 - x0) * Double(grid)).rounded(.down))
        let py = Int(((y1 - testLocations[2 * i + 1]) / (y1 - y0) * Double(grid)).rounded(.down))
        guard px >= 0, py >= 0, px < grid, py < grid else { continue }
        canvas.fill(PixelRect(x: left + px, y: top + py, width: 2, height: 2), color: .white)
      }
      canvas.text("t=" + Self.shortNumber(t), x: left, y: 4)
    }
    if mkdir(plotDirectory, 0o755) != 0 && errno != EEXIST {
      throw DataError(message: "\(plotDirectory): cannot create (\(String(cString: strerror(errno))))")
    }
    try canvas.write(to: plotDirectory + "/density.png")
  }

  static func shortNumber(_ v: Double) -> String {
    if v == v.rounded() && abs(v) < 1e9 { return String(Int(v)) }
    return String((v * 100).rounded() / 100)
  }
}
