import Foundation
import MonteCarloCore

/// A mergeable state that averages a ``VariationalBound`` over many independent batches and
/// takes its standard error from the batch-to-batch spread.
///
/// ```swift
/// var accumulator = VariationalBoundAccumulator(bound: .nwj, batchSize: 64)
/// for batch in batches { try accumulator.add(try ScoreMatrix(x: batch.x, y: batch.y, critic: critic)) }
/// let estimate = try accumulator.estimate()
/// ```
///
/// Shards built on other threads or machines combine with ``merge(_:)`` (the state is `Codable`);
/// the result depends only on the multiset of batches, up to rounding.
///
/// **Statistical properties.** The value is the mean of the m per-batch values; `variance` is
/// their sample variance divided by m, which is unbiased when batches are independent (fresh
/// pairs for every batch, critic fixed) and needs no model of the dependence inside a batch.
/// `degreesOfFreedom` = m − 1, so intervals are Student-t. The expectation is that of one
/// batch's value: batches must share B because InfoNCE's, DV's and SMILE's biases depend on B
/// (merging different B throws). With heavy-tailed partition terms (NWJ/DV at high I) the
/// sample variance across batches still underestimates the truth until m ≫ e^{2I}/B²;
/// `figures["heavyTailBatches"]` counts batches in which one off-diagonal e^S was more than 10%
/// of the batch's sum (a warning is added when any was). ESS is the
/// pooled per-draw variance of the diagonal scores divided by `variance`.
public struct VariationalBoundAccumulator: MergeableState, Hashable {
    /// The bound evaluated on each batch.
    public let bound: VariationalBound
    /// The batch size B every added batch must have.
    public let batchSize: Int
    /// Moments of the per-batch values.
    public private(set) var batchValues = RunningMoments()
    /// Moments of the diagonal (joint) scores over all batches.
    public private(set) var jointScores = RunningMoments()
    /// Batches whose partition term looked heavy-tailed.
    public private(set) var heavyTailBatches = 0
    /// The largest per-batch share of one off-diagonal e^S in the batch's sum.
    public private(set) var maxNegativeShare = 0.0

    /// An empty state.
    public init(bound: VariationalBound, batchSize: Int) {
        self.bound = bound
        self.batchSize = batchSize
    }

    /// Adds one batch.
    /// - Throws: `MonteCarloError/dimensionMismatch(what:expected:actual:)` for a batch of the
    ///   wrong size and the errors of ``VariationalBound/value(of:)``.
    /// - Complexity: O(B²).
    public mutating func add(_ scores: ScoreMatrix) throws(MonteCarloError) {
        guard scores.batchSize == batchSize else {
            throw .dimensionMismatch(what: "batch size of a score matrix", expected: batchSize, actual: scores.batchSize)
        }
        try bound.validate()
        let b = batchSize
        let value: Double
        switch bound {
        case .infoNCE:
            value = InfoNCEComputation(scores).value
        default:
            let computation = try PartitionComputation(bound, scores, withVariance: false)
            value = computation.value
            maxNegativeShare = max(maxNegativeShare, computation.maxNegativeShare)
            if computation.maxNegativeShare > 0.1 { heavyTailBatches += 1 }
        }
        guard value.isFinite else { throw .nonFinite(quantity: "batch value of \(bound.name)", index: batchValues.count) }
        batchValues.add(value)
        for i in 0..<b { jointScores.add(scores[i, i]) }
    }

    /// Absorbs a state built from other batches.
    /// - Throws: `MonteCarloError/incompatibleStates(_:)` for a different bound or batch size.
    public mutating func merge(_ other: VariationalBoundAccumulator) throws(MonteCarloError) {
        guard other.bound == bound, other.batchSize == batchSize else {
            throw .incompatibleStates("\(bound.name) with B = \(batchSize) vs \(other.bound.name) with B = \(other.batchSize)")
        }
        batchValues.merge(other.batchValues)
        jointScores.merge(other.jointScores)
        heavyTailBatches += other.heavyTailBatches
        maxNegativeShare = max(maxNegativeShare, other.maxNegativeShare)
    }

    /// The mean over batches with its batch-to-batch standard error.
    /// - Throws: `MonteCarloError/insufficientSamples(needed:available:reason:)` with fewer than 2 batches.
    public func estimate() throws(MonteCarloError) -> Estimate {
        let m = batchValues.count
        guard m >= 2 else {
            throw .insufficientSamples(needed: 2, available: m, reason: "batches for a batch-to-batch standard error")
        }
        let variance = batchValues.varianceOfMean
        let ess = variance > 0 ? jointScores.sampleVariance / variance : Double(jointScores.count)
        var warnings: [String] = []
        if heavyTailBatches > 0 {
            warnings.append("\(heavyTailBatches) of \(m) batches had one off-diagonal e^S above 10% of the partition "
                + "sum: the partition term is heavy-tailed and the batch-to-batch error bar may be too small.")
        }
        let ceiling = log(Double(batchSize))
        if bound == .infoNCE, ceiling - batchValues.mean < 1 {
            warnings.append("InfoNCE mean is within 1 nat of its ceiling log B = \(ceiling); the true MI may be much larger.")
        }
        let bias: String? = switch bound {
        case .nwj, .jensenShannon(.nwjShifted): nil
        case .infoNCE: "A lower bound whose expectation is below I; every value ≤ log B."
        default: "Biased upward at finite B by about Var(Ẑ)/(2Ẑ²) (log of a mean); SMILE with finite τ is not a bound."
        }
        return Estimate(
            value: batchValues.mean, variance: variance, sampleCount: m * batchSize, effectiveSampleSize: ess,
            degreesOfFreedom: Double(m - 1),
            diagnostics: Diagnostics(
                method: "\(bound.name)-batches", declaredBias: bias,
                figures: ["batches": Double(m), "batchSize": Double(batchSize), "logBatchSize": ceiling,
                          "heavyTailBatches": Double(heavyTailBatches), "maxNegativeShare": maxNegativeShare],
                warnings: warnings))
    }
}
