import Dispatch
import Foundation
import MonteCarloCore

/// Runs an estimator under a stopping rule on several cores, reproducibly.
///
/// Work is cut into *blocks* of a fixed number of samples; block b always draws from stream
/// `firstStream + b` of `RandomStreams` for the seed. Blocks are processed in *rounds* of
/// ``blocksPerRound`` blocks, in parallel on ``threadCount`` threads, and their states are
/// merged in block order after each round; the stopping rule is checked only between rounds.
/// Block boundaries and check points therefore never depend on the thread count, and neither
/// does the result: it is bit-identical for 1 or 64 threads. (A time budget is the exception:
/// *when* it runs out depends on the machine.)
///
/// ```swift
/// let driver = MonteCarloDriver(stoppingRule: .absoluteError(1e-3, maximumSamples: 10_000_000))
/// let report = try driver.run(estimator, seed: 42)
/// print(report.estimate, report.stopReason)
/// ```
///
/// **Sharding.** Runs on several machines with the same seed and disjoint stream ranges
/// (``firstStream``) produce states that merge (`MergeableState/merge(_:)`) into the state of
/// one long run; finalize it with ``MonteCarloEstimator/estimate(from:)``. For a merge that is
/// bit-identical to one run (not only equal to rounding), compute disjoint block ranges of one
/// fixed-count run with ``blockStates(_:seed:blocks:)`` and fold them in block order with
/// ``foldedState(of:blockStates:)``.
public struct MonteCarloDriver: Sendable {
    /// When to stop.
    public var stoppingRule: StoppingRule
    /// Threads to use (default: all active cores).
    public var threadCount: Int
    /// Samples per block (default: the estimator's preferred size).
    public var blockSize: Int?
    /// Blocks per round: the stopping rule is checked every `blockSize · blocksPerRound` samples
    /// (default 64: rounds long enough that thread hand-offs cost little).
    public var blocksPerRound: Int
    /// Index of the first random stream (for sharding a run over processes or machines).
    public var firstStream: Int
    /// Called after every round with the progress so far.
    public var progress: (@Sendable (RunProgress) -> Void)?

    /// Creates a driver.
    public init(stoppingRule: StoppingRule, threadCount: Int = ProcessInfo.processInfo.activeProcessorCount,
                blockSize: Int? = nil, blocksPerRound: Int = 64, firstStream: Int = 0,
                progress: (@Sendable (RunProgress) -> Void)? = nil) {
        self.stoppingRule = stoppingRule
        self.threadCount = threadCount
        self.blockSize = blockSize
        self.blocksPerRound = blocksPerRound
        self.firstStream = firstStream
        self.progress = progress
    }

    /// Runs `estimator` from an empty state.
    /// - Throws: the estimator's errors (the first in block order), or
    ///   `MonteCarloError/invalidParameter(name:value:requirement:)` for a bad configuration.
    @inlinable
    public func run<E: MonteCarloEstimator>(_ estimator: E, seed: UInt64) throws(MonteCarloError) -> RunReport<E.State, E.Output> {
        try validate()
        let start = DispatchTime.now().uptimeNanoseconds
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        let streams = RandomStreams(seed: seed)
        let size = blockSize ?? estimator.preferredBlockSize
        var state = estimator.makeState()
        var drawn = 0
        var nextBlock = 0
        var history: [RoundSummary] = []
        var latest: E.Output? = nil
        var reason: StopReason = .reachedSampleCap
        let minimum = min(stoppingRule.minimumSamples ?? estimator.minimumSamplesBeforeStopping, stoppingRule.maximumSamples)
        // The total the next rounds draw toward: the minimum first, then the plan (error targets).
        var plannedTotal = stoppingRule.hasErrorTarget ? max(1, minimum) : stoppingRule.maximumSamples

        while true {
            let remaining = stoppingRule.maximumSamples - drawn
            if remaining <= 0 {
                reason = { if case .sampleCount = stoppingRule.target { return .reachedSampleCount } else { return .reachedSampleCap } }()
                break
            }
            // Sizes of this round's blocks: full blocks, the last one cut at the cap, no more
            // blocks than reach the planned total.
            let wanted = min(remaining, max(1, plannedTotal - drawn))
            var counts: [Int] = []
            var planned = 0
            while counts.count < blocksPerRound, planned < wanted {
                let count = min(size, remaining - planned)
                counts.append(count)
                planned += count
            }
            guard nextBlock + counts.count <= RandomStreams.streamLimit - firstStream else {
                throw .invalidParameter(name: "firstStream", value: Double(firstStream),
                                        requirement: "low enough that every block has a stream below 2^48")
            }
            let states = try runRound(estimator, streams: streams, firstBlock: nextBlock, counts: counts, blockSize: size)
            for blockState in states { try state.merge(blockState) }
            drawn += planned
            nextBlock += counts.count

            latest = try? estimator.estimate(from: state)
            let seconds = elapsed()
            history.append(RoundSummary(samples: drawn, value: latest?.summary.value ?? .nan,
                                        standardError: latest?.summary.standardError ?? .nan, elapsedSeconds: seconds))
            progress?(RunProgress(samples: drawn, maximumSamples: stoppingRule.maximumSamples,
                                  value: latest?.summary.value, standardError: latest?.summary.standardError,
                                  elapsedSeconds: seconds))
            // The half-width over the target, worked out once: it decides the stop and plans the next total.
            let ratio = precisionRatio(latest)
            if let met = targetMet(ratio: ratio, drawn: drawn, minimum: minimum, seconds: seconds) {
                reason = met
                break
            }
            if drawn >= plannedTotal {
                plannedTotal = plannedSamples(ratio: ratio, drawn: drawn, minimum: minimum, blockSize: size)
            }
        }
        let estimate = try estimator.estimate(from: state)
        return RunReport(
            estimate: estimate, stopReason: reason, samples: drawn, history: history, seed: seed,
            stoppingRule: stoppingRule, blockSize: size, blocksPerRound: blocksPerRound, threadCount: threadCount,
            firstStream: firstStream, elapsedSeconds: elapsed(), state: state)
    }

    @usableFromInline
    func validate() throws(MonteCarloError) {
        guard stoppingRule.maximumSamples >= 1 else {
            throw .invalidParameter(name: "maximumSamples", value: Double(stoppingRule.maximumSamples), requirement: "at least 1")
        }
        guard threadCount >= 1 else {
            throw .invalidParameter(name: "threadCount", value: Double(threadCount), requirement: "at least 1")
        }
        guard blocksPerRound >= 1 else {
            throw .invalidParameter(name: "blocksPerRound", value: Double(blocksPerRound), requirement: "at least 1")
        }
        if let blockSize, blockSize < 1 {
            throw .invalidParameter(name: "blockSize", value: Double(blockSize), requirement: "at least 1")
        }
        guard firstStream >= 0 else {
            throw .invalidParameter(name: "firstStream", value: Double(firstStream), requirement: "non-negative")
        }
        guard firstStream < RandomStreams.streamLimit else {
            throw .invalidParameter(name: "firstStream", value: Double(firstStream), requirement: "below 2^48")
        }
        switch stoppingRule.target {
        case .sampleCount(let n):
            guard n >= 1 else { throw .invalidParameter(name: "sampleCount", value: Double(n), requirement: "at least 1") }
            guard n == stoppingRule.maximumSamples else {
                throw .invalidParameter(name: "maximumSamples", value: Double(stoppingRule.maximumSamples),
                                        requirement: "equal to the sample count \(n) of a fixed-count rule")
            }
        case .absoluteError(let e, let level), .relativeError(let e, let level):
            guard e > 0, e.isFinite else { throw .invalidParameter(name: "error", value: e, requirement: "finite and positive") }
            guard level > 0, level < 1 else { throw .invalidConfidenceLevel(level) }
        case .timeBudget(let seconds):
            guard seconds > 0 else { throw .invalidParameter(name: "seconds", value: seconds, requirement: "positive") }
        }
    }

    /// Whether the rule's target is met after a round, given the round's ``precisionRatio(_:)``.
    @usableFromInline
    func targetMet(ratio: Double?, drawn: Int, minimum: Int, seconds: Double) -> StopReason? {
        switch stoppingRule.target {
        case .sampleCount:
            return nil  // the cap equals the count
        case .timeBudget(let budget):
            return seconds >= budget ? .exhaustedTimeBudget : nil
        case .absoluteError, .relativeError:
            guard drawn >= minimum, let ratio else { return nil }
            return ratio <= 1 ? (stoppingRule.isRelative ? .reachedRelativeError : .reachedAbsoluteError) : nil
        }
    }

    /// The current half-width over the target's (absolute or relative), or `nil` when the
    /// estimate or its interval is not available yet.
    @usableFromInline
    func precisionRatio<Output: StoppableEstimate>(_ estimate: Output?) -> Double? {
        guard let estimate else { return nil }
        switch stoppingRule.target {
        case .absoluteError(let target, let level):
            return (try? estimate.halfWidth(level: level)).map { $0 / target }
        case .relativeError(let target, let level):
            return (try? estimate.relativeHalfWidth(level: level)).map { $0 / target }
        case .sampleCount, .timeBudget:
            return nil
        }
    }

    /// The total to draw toward after `drawn` samples that missed the target, given the round's
    /// ``precisionRatio(_:)`` h / target: the minimum while it is not reached, then
    /// 1.1 · n · (h / target)², since half-widths shrink like 1/√n; one more block when the
    /// estimate gives no plan (no interval yet, or a relative target around 0).
    @usableFromInline
    func plannedSamples(ratio: Double?, drawn: Int, minimum: Int, blockSize: Int) -> Int {
        guard stoppingRule.hasErrorTarget else { return stoppingRule.maximumSamples }
        if drawn < minimum { return minimum }
        guard let ratio, ratio.isFinite, ratio > 0 else { return drawn + blockSize }
        let total = (1.1 * Double(drawn) * ratio * ratio).rounded(.up)
        return total >= Double(stoppingRule.maximumSamples) ? stoppingRule.maximumSamples : max(drawn + 1, Int(total))
    }

    /// Runs one round's blocks, in parallel when asked, and returns their states in block order.
    ///
    /// Workers claim blocks one at a time, so a late or slowed thread does not hold the round
    /// back; which thread runs a block never changes its stream or its slot.
    @inlinable
    func runRound<E: MonteCarloEstimator>(
        _ estimator: E, streams: RandomStreams, firstBlock: Int, counts: [Int], blockSize: Int
    ) throws(MonteCarloError) -> [E.State] {
        let results = BlockResults<E.State>(count: counts.count)
        let workers = min(threadCount, counts.count)
        let generators = streams.streams(from: firstStream + firstBlock, count: counts.count)
        let work: @Sendable (Int) -> Void = { _ in
            while let slot = results.claim() {
                let block = firstBlock + slot
                var generator = generators[slot]
                var state = estimator.makeState()
                do throws(MonteCarloError) {
                    try estimator.accumulate(counts[slot], firstIndex: (firstStream + block) * blockSize, into: &state, using: &generator)
                    results.store(.success(state), at: slot)
                } catch {
                    results.store(.failure(error), at: slot)
                }
            }
        }
        if workers <= 1 {
            work(0)
        } else {
            ParallelLoop.run(iterations: workers, work)
        }
        return try results.collect()
    }
}

/// Per-block results written by worker threads into distinct slots.
@usableFromInline
final class BlockResults<State: Sendable>: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<Result<State, MonteCarloError>?>
    private let count: Int
    private let lock = NSLock()
    private var nextSlot = 0

    @usableFromInline
    init(count: Int) {
        self.count = count
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil, count: count)
    }

    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
    }

    /// The next unclaimed slot, or `nil` when all are taken.
    @usableFromInline
    func claim() -> Int? {
        lock.withLock {
            guard nextSlot < count else { return nil }
            defer { nextSlot += 1 }
            return nextSlot
        }
    }

    /// Each slot is written by exactly one worker, and read only after all workers finished.
    @usableFromInline
    func store(_ result: Result<State, MonteCarloError>, at slot: Int) { slots[slot] = result }

    @usableFromInline
    func collect() throws(MonteCarloError) -> [State] {
        var states: [State] = []
        states.reserveCapacity(count)
        for i in 0..<count {
            switch slots[i] {
            case .success(let state)?: states.append(state)
            case .failure(let error)?: throw error
            case nil: preconditionFailure("block \(i) produced no result")
            }
        }
        return states
    }
}
