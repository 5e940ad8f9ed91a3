import Dispatch
import MonteCarloCore

// MARK: - The blocks of a fixed-count run, one by one (for sharding across machines)

extension MonteCarloDriver {
    /// The number of blocks a fixed-count run of `estimator` uses: ⌈n / block size⌉ for the
    /// rule ``StoppingRule/sampleCount(_:)`` with n samples, and the block size given to the
    /// driver or else the estimator's preferred one.
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` when the rule is not a
    ///   fixed sample count (an error target cannot be split ahead of time) or the driver's
    ///   configuration is invalid.
    public func blockCount<E: MonteCarloEstimator>(for estimator: E) throws(MonteCarloError) -> Int {
        let (samples, size) = try fixedCountLayout(estimator)
        return (samples + size - 1) / size
    }

    /// The unmerged states of blocks `blocks` of the fixed-count run ``run(_:seed:)`` would do.
    ///
    /// Block b holds samples b·B ..< min((b + 1)·B, n) and draws from stream `firstStream + b` of
    /// `RandomStreams(seed:)`, exactly as in ``run(_:seed:)``; blocks run in parallel, in rounds
    /// of ``blocksPerRound``, and ``progress`` is called after each round with the estimate of
    /// the blocks so far. Folding the states of all blocks in block order with
    /// ``foldedState(of:blockStates:)`` gives a state bit-identical to the `state` of the
    /// ``RunReport`` of ``run(_:seed:)`` — so shards that compute disjoint block ranges on
    /// different machines, and whose block states are later concatenated in block order,
    /// reproduce one single run exactly, not merely to rounding.
    ///
    /// ```swift
    /// let driver = MonteCarloDriver(stoppingRule: .sampleCount(1_000_000))
    /// let total = try driver.blockCount(for: estimator)
    /// let mine = try driver.blockStates(estimator, seed: 7, blocks: (i * total / n)..<((i + 1) * total / n))
    /// ```
    ///
    /// **Statistical properties.** Those of the estimator: this only decides which stream each
    /// block draws from, as ``run(_:seed:)`` does.
    /// - Throws: the estimator's errors (the first in block order);
    ///   `MonteCarloError/invalidParameter(name:value:requirement:)` when the rule is not a fixed
    ///   sample count or `blocks` is not within `0..<blockCount(for:)`.
    public func blockStates<E: MonteCarloEstimator>(_ estimator: E, seed: UInt64,
                                                    blocks: Range<Int>) throws(MonteCarloError) -> [E.State] {
        let (samples, size) = try fixedCountLayout(estimator)
        let total = (samples + size - 1) / size
        guard blocks.lowerBound >= 0, blocks.upperBound <= total else {
            throw .invalidParameter(name: "blocks", value: Double(blocks.upperBound),
                                    requirement: "a range within 0..<\(total), the blocks of this run")
        }
        guard blocks.upperBound <= RandomStreams.streamLimit - firstStream else {
            throw .invalidParameter(name: "firstStream", value: Double(firstStream),
                                    requirement: "low enough that every block has a stream below 2^48")
        }
        let start = DispatchTime.now().uptimeNanoseconds
        let streams = RandomStreams(seed: seed)
        var states: [E.State] = []
        states.reserveCapacity(blocks.count)
        var partial = estimator.makeState()
        var next = blocks.lowerBound
        var drawn = 0
        while next < blocks.upperBound {
            let end = min(blocks.upperBound, next + blocksPerRound)
            let counts = (next..<end).map { b in min(size, samples - b * size) }
            let round = try runRound(estimator, streams: streams, firstBlock: next, counts: counts, blockSize: size)
            states += round
            drawn += counts.reduce(0, +)
            next = end
            if let progress {
                for state in round { try partial.merge(state) }
                let latest = try? estimator.estimate(from: partial)
                progress(RunProgress(samples: drawn, maximumSamples: blocks.reduce(0) { $0 + min(size, samples - $1 * size) },
                                     value: latest?.summary.value, standardError: latest?.summary.standardError,
                                     elapsedSeconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
            }
        }
        return states
    }

    /// The states of consecutive blocks merged in the order given, starting from an empty state:
    /// the same fold ``run(_:seed:)`` performs, so the result is bit-identical to its state when
    /// given every block of the run in block order.
    /// - Throws: `MonteCarloError/incompatibleStates(_:)` when the states were configured differently.
    public static func foldedState<E: MonteCarloEstimator>(of estimator: E,
                                                           blockStates: some Sequence<E.State>) throws(MonteCarloError) -> E.State {
        var state = estimator.makeState()
        for block in blockStates { try state.merge(block) }
        return state
    }

    /// n and the block size of a fixed-count run.
    private func fixedCountLayout<E: MonteCarloEstimator>(_ estimator: E) throws(MonteCarloError) -> (samples: Int, blockSize: Int) {
        try validate()
        guard case .sampleCount(let n) = stoppingRule.target else {
            throw .invalidParameter(name: "stoppingRule", value: .nan,
                                    requirement: "a fixed sample count, so that the blocks are known before the run")
        }
        return (n, blockSize ?? estimator.preferredBlockSize)
    }
}
