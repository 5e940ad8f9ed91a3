/// A streaming, mergeable batch-means accumulator with a fixed batch size: feed a chain's values
/// in order, combine states of consecutive segments (``append(_:)``) or of other chains
/// (``merge(_:)``), and finalize to a ``LongRunVariance``.
///
/// ```swift
/// // Two halves of one chain, processed apart (e.g. on two machines), then joined.
/// var first = try BatchMeansState(batchSize: 50)
/// try first.add(contentsOf: chain[0..<1234])
/// var second = try BatchMeansState(batchSize: 50, chainStart: 1234)
/// try second.add(contentsOf: chain[1234...])
/// try first.append(second)
/// let r = try first.longRunVariance()   // == batchMeans(.fixed(50)) on the whole chain
/// ```
///
/// Batches are aligned to the chain's own index: batch k holds draws kb … kb + b − 1 of its
/// chain, whichever state saw them. A state that starts or ends mid-batch keeps that partial
/// batch (its sum and count) as a *head* or *tail*; appending the next segment of the same chain
/// completes it, so any split of a chain into consecutive segments gives the batches of a single
/// pass. ``merge(_:)`` combines *different chains*: their partial batches can no longer be
/// completed and are dropped from the batches (their values still count in the mean and s², as
/// the trailing n mod b draws of each chain do in
/// ``LongRunVarianceMethod/estimate(_:chainLengths:)``; ``droppedCount`` says how many).
///
/// **Statistical properties.** The finalized estimate is the batch-means estimator of
/// ``LongRunVarianceMethod/batchMeans(_:lugsail:)`` with b fixed, about the grand mean:
/// σ̂² = b/(a − 1) Σⱼ (Ȳⱼ − μ̂)², computed as b/(a − 1)[M₂ + a(Ȳ − μ̂)²] from the running
/// moments of the batch means (M₂ about their own mean Ȳ). With a fixed b it is *not*
/// consistent as n → ∞ (its bias −Γ/b stays); choose b of order √n for the run's expected length.
/// Student-t degrees of freedom a − 1; the guards of ``LongRunVarianceMethod`` apply.
public struct BatchMeansState: MergeableState, Hashable {
    /// A batch that this state saw only part of.
    struct PartialBatch: Sendable, Codable, Hashable {
        var index: Int
        var sum: Double
        var count: Int
    }

    /// The batch size b.
    public let batchSize: Int
    /// The index within its chain of this state's first value (0 for a state that starts its chain).
    public private(set) var chainStart: Int
    /// The number of chains merged into this state (1 for a segment of one chain).
    public private(set) var chainCount: Int = 1
    /// Moments of all values.
    public private(set) var values = RunningMoments()
    /// Moments of the means of the completed batches.
    public private(set) var batchMeans = RunningMoments()
    /// Values left out of the batches: partial batches of merged chains.
    public private(set) var droppedCount: Int = 0
    var head: PartialBatch?
    var tail: PartialBatch?

    /// An empty state for batches of `batchSize`, whose first value will be draw `chainStart`
    /// of its chain.
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` for a batch size
    ///   below 1 or a negative chain start.
    public init(batchSize: Int, chainStart: Int = 0) throws(MonteCarloError) {
        guard batchSize >= 1 else { throw .invalidParameter(name: "batch size", value: Double(batchSize), requirement: "at least 1") }
        guard chainStart >= 0 else { throw .invalidParameter(name: "chainStart", value: Double(chainStart), requirement: "non-negative") }
        self.batchSize = batchSize
        self.chainStart = chainStart
    }

    /// The number of values added.
    public var count: Int { values.count }

    /// Adds the next value of the chain.
    /// - Throws: `MonteCarloError/nonFinite(quantity:index:)` (index: this state's count) for a
    ///   NaN or infinite value, which is not added; `MonteCarloError/incompatibleStates(_:)`
    ///   after ``merge(_:)`` (a multi-chain state has no "next value").
    /// - Complexity: O(1).
    public mutating func add(_ x: Double) throws(MonteCarloError) {
        guard x.isFinite else { throw .nonFinite(quantity: "series value", index: values.count) }
        guard chainCount == 1 else { throw .incompatibleStates("cannot add values to a state that merged several chains") }
        let position = chainStart + values.count
        let index = position / batchSize
        values.add(x)
        if head == nil && tail == nil && batchMeans.count == 0 && chainStart % batchSize != 0 {
            head = PartialBatch(index: index, sum: x, count: 1)
        } else if var h = head, h.index == index, batchMeans.count == 0, tail == nil {
            h.sum += x
            h.count += 1
            head = h
        } else if var t = tail {
            t.sum += x
            t.count += 1
            tail = t
        } else {
            tail = PartialBatch(index: index, sum: x, count: 1)
        }
        if let t = tail, t.count == batchSize {
            batchMeans.add(t.sum / Double(batchSize))
            tail = nil
        }
    }

    /// Adds the next values of the chain, in order.
    /// - Throws: as ``add(_:)``; values before the bad one stay added.
    /// - Complexity: O(count).
    public mutating func add<S: Sequence>(contentsOf sequence: S) throws(MonteCarloError) where S.Element == Double {
        for x in sequence { try add(x) }
    }

    /// Appends the state of the *next segment of the same chain* (its ``chainStart`` must be
    /// this state's `chainStart + count`), completing the batch split between the two.
    /// - Throws: `MonteCarloError/incompatibleStates(_:)` for another batch size, a segment
    ///   that does not start where this one ends, or states that merged several chains.
    /// - Complexity: O(1).
    public mutating func append(_ other: BatchMeansState) throws(MonteCarloError) {
        guard other.batchSize == batchSize else {
            throw .incompatibleStates("batch sizes differ (\(batchSize) and \(other.batchSize))")
        }
        guard chainCount == 1, other.chainCount == 1 else {
            throw .incompatibleStates("append joins segments of one chain; these states merged several chains")
        }
        guard other.chainStart == chainStart + count else {
            throw .incompatibleStates("the appended segment starts at draw \(other.chainStart), this one ends before draw \(chainStart + count)")
        }
        guard other.count > 0 else { return }
        guard count > 0 else { self = other; return }
        // The partial batches in chain order; neighbours with one index are one batch.
        var partials: [PartialBatch] = [head, tail, other.head, other.tail].compactMap { $0 }
        var joined: [PartialBatch] = []
        for partial in partials {
            if var last = joined.last, last.index == partial.index {
                last.sum += partial.sum
                last.count += partial.count
                joined[joined.count - 1] = last
            } else {
                joined.append(partial)
            }
        }
        partials = []
        var completed = RunningMoments()
        for partial in joined {
            if partial.count == batchSize { completed.add(partial.sum / Double(batchSize)) } else { partials.append(partial) }
        }
        // Batch means in chain order: ours, any batch completed at the junction, theirs.
        batchMeans.merge(completed)
        batchMeans.merge(other.batchMeans)
        values.merge(other.values)
        let startIndex = chainStart / batchSize
        let startsMidBatch = chainStart % batchSize != 0
        head = partials.first.flatMap { startsMidBatch && $0.index == startIndex ? $0 : nil }
        tail = partials.last.flatMap { $0 == head ? nil : $0 }
    }

    /// Merges the state of *another chain* (or of several): the batches and moments are pooled
    /// and every partial batch is dropped from the batches (see the type's discussion).
    /// - Throws: `MonteCarloError/incompatibleStates(_:)` for another batch size.
    /// - Complexity: O(1).
    public mutating func merge(_ other: BatchMeansState) throws(MonteCarloError) {
        guard other.batchSize == batchSize else {
            throw .incompatibleStates("batch sizes differ (\(batchSize) and \(other.batchSize))")
        }
        droppedCount += (head?.count ?? 0) + (tail?.count ?? 0) + other.droppedCount
            + (other.head?.count ?? 0) + (other.tail?.count ?? 0)
        head = nil
        tail = nil
        batchMeans.merge(other.batchMeans)
        values.merge(other.values)
        chainCount += other.chainCount
        chainStart = 0
    }

    /// The batch-means estimate of the chains seen so far (partial batches not yet completed
    /// are left out of the batches, as in a single pass).
    /// - Throws: `MonteCarloError/insufficientSamples(needed:available:reason:)` with fewer than
    ///   two complete batches.
    /// - Complexity: O(1).
    public func longRunVariance() throws(MonteCarloError) -> LongRunVariance {
        let a = batchMeans.count
        guard a >= 2 else {
            let needed = batchSize.multipliedReportingOverflow(by: 2)
            throw .insufficientSamples(needed: needed.overflow ? Int.max : needed.partialValue, available: count,
                                       reason: "(two complete batches of \(batchSize)) for batch means")
        }
        let n = values.count
        let s2 = values.sampleVariance
        let mu = values.mean
        let shift = batchMeans.mean - mu
        let spread = batchMeans.sumOfSquaredDeviations + Double(a) * shift * shift
        let raw = Double(batchSize) * spread / Double(a - 1)
        let sigma2 = s2 == 0 ? 0 : LongRunVarianceMethod.guarded(raw, plain: nil, sampleVariance: s2, count: n)
        return LongRunVariance(mean: mu, sampleCount: n, sampleVariance: s2, longRunVariance: sigma2,
                               degreesOfFreedom: Double(a - 1), batchSize: batchSize, method: "batch-means(b=\(batchSize))")
    }
}
