import MonteCarloCore

/// The state of estimators that average i.i.d. per-sample values: plain, antithetic and RQMC.
///
/// `samples` holds the per-sample values (a draw, a pair mean, a replicate mean); their sample
/// variance divided by the count is the estimator's variance. `evaluations` holds every single
/// integrand value (left empty by plain Monte Carlo, where the two coincide), from which the
/// per-draw variance σ²_plain and hence the effective sample size are estimated.
public struct SampleMeanState: MergeableState, Hashable {
    /// Per-sample values.
    public internal(set) var samples = RunningMoments()
    /// Individual integrand values (empty when identical to `samples`).
    public internal(set) var evaluations = RunningMoments()
    /// Samples dropped because the integrand was not finite (``NonFinitePolicy/skipAndReport``).
    public internal(set) var skipped = 0

    /// An empty state.
    public init() {}

    private enum CodingKeys: String, CodingKey { case samples, evaluations, skipped }

    /// Decodes a state; the moments are checked by `RunningMoments`'s decoding.
    /// - Throws: `DecodingError.dataCorrupted` for a negative or huge `skipped` count.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        samples = try container.decode(RunningMoments.self, forKey: .samples)
        evaluations = try container.decode(RunningMoments.self, forKey: .evaluations)
        skipped = try container.decode(Int.self, forKey: .skipped)
        try DecodedState.requireCount(skipped, "skipped count", in: decoder)
    }

    /// Adds per-sample values, screening NaN/∞ by `policy` (indices are reported from `firstIndex`).
    @usableFromInline
    mutating func addSamples(_ values: UnsafeBufferPointer<Double>, firstIndex: Int, policy: NonFinitePolicy) throws(MonteCarloError) {
        guard !samples.addIfAllFinite(contentsOf: values) else { return }
        guard policy == .skipAndReport else {
            throw .nonFinite(quantity: "integrand", index: firstIndex + (values.firstIndex { !$0.isFinite } ?? 0))
        }
        for v in values {
            if v.isFinite { samples.add(v) } else { skipped += 1 }
        }
    }

    /// Adds one replicate (a randomized point set, a set of points): its mean as one sample and
    /// every value as an evaluation. A non-finite value is a typed error naming the point by
    /// `firstPointIndex` plus its position in the replicate.
    @usableFromInline
    mutating func addReplicate(_ values: UnsafeBufferPointer<Double>, firstPointIndex: Int) throws(MonteCarloError) {
        var replicate = RunningMoments()
        guard replicate.addIfAllFinite(contentsOf: values) else {
            throw .nonFinite(quantity: "integrand", index: firstPointIndex + (values.firstIndex { !$0.isFinite } ?? 0))
        }
        samples.add(replicate.mean)
        evaluations.merge(replicate)
    }

    /// Adds consecutive replicates of `size` values each (replicate r at positions r·size ..< (r + 1)·size),
    /// the first being replicate `firstReplicate` of the run, as ``addReplicate(_:firstPointIndex:)`` does.
    mutating func addReplicates(_ values: [Double], size: Int, firstReplicate: Int) throws(MonteCarloError) {
        try values.withUnsafeBufferPointer { (all) throws(MonteCarloError) in
            for r in 0..<(all.count / size) {
                try addReplicate(UnsafeBufferPointer(rebasing: all[(r * size)..<((r + 1) * size)]),
                                 firstPointIndex: (firstReplicate + r) * size)
            }
        }
    }

    /// Adds a block of finite values summarized by shifted sums (see ``RunningMoments/addBlock(count:shift:shiftedSum:shiftedSquares:)``).
    @usableFromInline
    mutating func addBlock(count: Int, shift: Double, shiftedSum: Double, shiftedSquares: Double) {
        samples.addBlock(count: count, shift: shift, shiftedSum: shiftedSum, shiftedSquares: shiftedSquares)
    }

    public mutating func merge(_ other: SampleMeanState) {
        samples.merge(other.samples)
        evaluations.merge(other.evaluations)
        skipped += other.skipped
    }

    /// The estimate: mean of the samples, variance s²/m, ESS σ²_plain/variance.
    func estimate(method: String, evaluationsPerSample: Int, degreesOfFreedom: Double?,
                  declaredBias: String? = nil) throws(MonteCarloError) -> Estimate {
        guard samples.count >= 2 else {
            throw .insufficientSamples(needed: 2, available: samples.count, reason: "to estimate a variance")
        }
        let variance = samples.varianceOfMean
        let perDraw = evaluations.count >= 2 ? evaluations.sampleVariance : samples.sampleVariance
        let evaluationCount = samples.count * evaluationsPerSample
        let ess = Estimate.effectiveSampleSize(perDrawVariance: perDraw, estimatorVariance: variance, evaluations: evaluationCount)
        var warnings: [String] = []
        if skipped > 0 { warnings.append("\(skipped) samples with non-finite integrand values were dropped") }
        return Estimate(
            value: samples.mean, variance: variance, sampleCount: evaluationCount, effectiveSampleSize: ess,
            degreesOfFreedom: degreesOfFreedom,
            diagnostics: Diagnostics(
                method: method, varianceReductionFactor: ess / Double(evaluationCount), declaredBias: declaredBias,
                figures: ["varianceDegreesOfFreedom": Double(samples.count - 1)]
                    .merging(skipped > 0 ? ["skippedSamples": Double(skipped)] : [:]) { $1 },
                warnings: warnings))
    }
}

