// Ranks of a data-parallel job as threads of one process: the trainer's collectives, testable
// without MPI and deterministic.
import Foundation
import NCLHost

/// `size` communicators whose collectives meet in memory; run one trainer per rank on its own thread.
public final class ThreadRanks: @unchecked Sendable {
  public let size: Int
  private let condition = NSCondition()
  private var arrived = 0, generation = 0
  private var accumulating: [Double] = [], result: [Double] = []
  private var bytes: [UInt8] = []

  public init(size: Int) { self.size = size }

  public func communicator(rank: Int) -> any Communicator { Rank(group: self, rank: rank) }

  /// Runs `body(rank)` for every rank on a thread of its own (each blocks in the collectives until
  /// all have arrived, so they must not share threads) and returns the results in rank order.
  public func run<T>(_ body: @escaping @Sendable (Int) -> T) -> [T] {
    let results = Results<T>(count: size)
    let done = DispatchGroup()
    for rank in 0..<size {
      done.enter()
      let thread = Thread {
        results.set(rank, body(rank))
        done.leave()
      }
      thread.stackSize = 16 << 20
      thread.start()
    }
    done.wait()
    return results.values
  }

  private final class Results<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [T?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: T) { lock.lock(); slots[index] = value; lock.unlock() }
    var values: [T] { lock.lock(); defer { lock.unlock() }; return slots.map { $0! } }
  }

  /// Every rank calls with its values; each gets `combine` folded over the ranks' values.
  fileprivate func collective(_ values: [Double], _ combine: (Double, Double) -> Double) -> [Double] {
    condition.lock()
    defer { condition.unlock() }
    accumulating = arrived == 0 ? values : zip(accumulating, values).map(combine)
    return finish { result }
  }

  fileprivate func broadcast(_ values: [UInt8], isRoot: Bool) -> [UInt8] {
    condition.lock()
    defer { condition.unlock() }
    if isRoot { bytes = values }
    return finish { bytes }
  }

  /// The rendezvous: the last rank to arrive publishes, the others wait for it. A generation's
  /// result stays in place until every rank has read it, since the next needs them all.
  private func finish<T>(_ read: () -> T) -> T {
    arrived += 1
    let mine = generation
    if arrived == size {
      result = accumulating
      arrived = 0
      generation += 1
      condition.broadcast()
    } else {
      while generation == mine { condition.wait() }
    }
    return read()
  }

  private final class Rank: Communicator {
    let group: ThreadRanks
    let rank: Int
    var size: Int { group.size }
    init(group: ThreadRanks, rank: Int) { (self.group, self.rank) = (group, rank) }
    func allReduceSum(_ values: inout [Double]) { values = group.collective(values, +) }
    func allReduceMaximum(_ values: inout [Double]) { values = group.collective(values, Swift.max) }
    func broadcast(_ bytes: inout [UInt8], from root: Int) { bytes = group.broadcast(bytes, isRoot: rank == root) }
    func abort(_ message: String) -> Never { fatalError("rank \(rank): \(message)") }
    func finish() {}
  }
}
