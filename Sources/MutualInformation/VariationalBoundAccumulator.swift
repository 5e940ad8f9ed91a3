import Foundation
import MonteCarloCore

/// A mergeable state that averages a ``VariationalBound`` over many independent batches and
/// takes its standard error from the batch-to-batch spread once there are enough batches.
///
/// ```swift
/// var accumulator = VariationalBoundAccumulator(bound: .nwj, batchSize: 64)
/// for batch in batches { try accumulator.add(try ScoreMatrix(x: batch.x, y: batch.y, critic: critic)) }
/// let estimate = try accumulator.estimate()
/// print(estimate.diagnostics.figures["varianceFromBatchSpread"]!)  // 1: from the spread of the batches
/// ```
///
/// Shards built on other threads or machines combine with ``merge(_:)`` (the state is `Codable`);
/// the result depends only on the multiset of batches, up to rounding.
///
/// **Statistical properties.** The value is the mean of the m per-batch values. Its expectation
/// is that of one batch's value: batches must share B because InfoNCE's, DV's and SMILE's biases
/// depend on B (merging different B throws); the bias is declared as for one batch.
/// - `variance`, with m ≥ ``minimumBatchesForSpread`` (8) batches: the sample variance of the
///   per-batch values divided by m, unbiased when batches are independent (fresh pairs for every
///   batch, critic fixed) and free of any model of the dependence inside a batch;
///   `degreesOfFreedom` = m − 1, so intervals are Student-t and their coverage does not depend on
///   the spread's own noise (for normal batch values). That noise costs width instead: the mean
///   95% half-width t_{0.975, m−1}·E[s]/√m is 1.16 times the known-variance 1.96 σ/√m at m = 8,
///   1.20 at 7, 1.33 at 5, 1.95 at 3 and 5.2 at 2 (1.12 at 10). The threshold keeps that
///   penalty at or below 16%.
/// - With 1 ≤ m < 8 batches: the pooled within-batch variance, Σ_b v_b / m² (v_b from
///   ``VariationalBound/estimate(from:)``, which needs B ≥ 4), with normal intervals. It assumes
///   that one-batch variance is calibrated: measured within about 10% on the correlated Gaussian
///   benchmark with the exact critic (see there), but not checked for every critic and law.
/// - `diagnostics.figures["varianceFromBatchSpread"]` is 1 for the batch-to-batch variance and 0
///   for the pooled within-batch variance; `batchVariance` is the per-batch sample variance of the
///   values and `meanWithinBatchVariance` the mean per-batch reported variance of the first
///   (up to) 8 batches, so their ratio checks the one-batch error bar.
/// - Heavy tails: with heavy-tailed partition terms (NWJ/DV at high I) the sample variance across
///   batches still underestimates the truth until m ≫ e^{2I}/B²; `figures["heavyTailBatches"]`
///   counts batches in which one off-diagonal e^S was more than 10% of the batch's sum (a
///   warning is added when any was).
/// - ESS: the pooled per-draw variance of the diagonal scores divided by `variance`.
public struct VariationalBoundAccumulator: MergeableState, Hashable {
    /// The number of batches from which ``estimate()`` takes the batch-to-batch variance; with
    /// fewer it pools the batches' own variances.
    public static let minimumBatchesForSpread = 8

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
    /// Moments of the within-batch variances (``VariationalBound/estimate(from:)``) of the batches
    /// added while the state held fewer than ``minimumBatchesForSpread`` batches (B ≥ 4 only).
    public private(set) var withinBatchVariances = RunningMoments()

    /// An empty state.
    public init(bound: VariationalBound, batchSize: Int) {
        self.bound = bound
        self.batchSize = batchSize
    }

    /// Adds one batch.
    /// - Throws: `MonteCarloError/dimensionMismatch(what:expected:actual:)` for a batch of the
    ///   wrong size, `MonteCarloError/nonFinite(quantity:index:)` for a non-finite score (e.g. from
    ///   ``ScoreMatrix/shifted(by:)``) or batch value, and the errors of ``VariationalBound/value(of:)``.
    /// - Complexity: O(B²); the first ``minimumBatchesForSpread`` batches also compute their own
    ///   variance (a second O(B²) pass for InfoNCE).
    public mutating func add(_ scores: ScoreMatrix) throws(MonteCarloError) {
        guard scores.batchSize == batchSize else {
            throw .dimensionMismatch(what: "batch size of a score matrix", expected: batchSize, actual: scores.batchSize)
        }
        try bound.validate()
        // `ScoreMatrix.shifted(by:)` can make scores non-finite; catch them before the kernels.
        if let bad = scores.values.firstIndex(where: { !$0.isFinite }) {
            throw .nonFinite(quantity: "critic score S[\(bad / batchSize), \(bad % batchSize)]", index: bad)
        }
        let b = batchSize
        let value: Double
        var withinVariance: Double?
        switch bound {
        case .infoNCE:
            let computation = InfoNCEComputation(scores)
            value = computation.value
            if batchValues.count < Self.minimumBatchesForSpread && b >= 4 {
                withinVariance = computation.evaluation.variance
            }
        default:
            // The within-batch variance is needed only while the spread is not yet used.
            let wantsVariance = batchValues.count < Self.minimumBatchesForSpread && b >= 4
            let computation = try PartitionComputation(bound, scores, withVariance: wantsVariance)
            value = computation.value
            if wantsVariance { withinVariance = computation.evaluation.variance }
            maxNegativeShare = max(maxNegativeShare, computation.maxNegativeShare)
            if computation.maxNegativeShare > 0.1 { heavyTailBatches += 1 }
        }
        guard value.isFinite else { throw .nonFinite(quantity: "batch value of \(bound.name)", index: batchValues.count) }
        if let withinVariance {
            guard withinVariance.isFinite else {
                throw .nonFinite(quantity: "within-batch variance of \(bound.name)", index: batchValues.count)
            }
            withinBatchVariances.add(withinVariance)
        }
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
        withinBatchVariances.merge(other.withinBatchVariances)
        heavyTailBatches += other.heavyTailBatches
        maxNegativeShare = max(maxNegativeShare, other.maxNegativeShare)
    }

    /// The mean over batches with the batch-to-batch standard error (m ≥ 8 batches) or the
    /// pooled within-batch one (1 ≤ m < 8).
    /// - Throws: `MonteCarloError/insufficientSamples(needed:available:reason:)` with no batches, or
    ///   with fewer than ``minimumBatchesForSpread`` batches of B < 4 pairs (too small for a
    ///   within-batch variance).
    public func estimate() throws(MonteCarloError) -> Estimate {
        let m = batchValues.count
        guard m >= 1 else {
            throw .insufficientSamples(needed: 1, available: 0, reason: "batches (add a score matrix first)")
        }
        let fromSpread = m >= Self.minimumBatchesForSpread
        guard fromSpread || withinBatchVariances.count == m else {
            throw .insufficientSamples(
                needed: Self.minimumBatchesForSpread, available: m,
                reason: "batches for a batch-to-batch standard error (batches of B = \(batchSize) < 4 pairs have no "
                    + "variance of their own)")
        }
        let variance = fromSpread ? batchValues.varianceOfMean : withinBatchVariances.mean / Double(m)
        let ess = variance > 0 ? jointScores.sampleVariance / variance : Double(jointScores.count)
        var warnings: [String] = []
        if heavyTailBatches > 0 {
            warnings.append("\(heavyTailBatches) of \(m) batches had one off-diagonal e^S above 10% of the partition "
                + "sum: the partition term is heavy-tailed and the error bar may be too small.")
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
        var figures = [
            "batches": Double(m), "batchSize": Double(batchSize), "logBatchSize": ceiling,
            "heavyTailBatches": Double(heavyTailBatches), "maxNegativeShare": maxNegativeShare,
            "varianceFromBatchSpread": fromSpread ? 1 : 0,
        ]
        if m >= 2 { figures["batchVariance"] = batchValues.sampleVariance }
        if withinBatchVariances.count > 0 { figures["meanWithinBatchVariance"] = withinBatchVariances.mean }
        return Estimate(
            value: batchValues.mean, variance: variance, sampleCount: m * batchSize, effectiveSampleSize: ess,
            degreesOfFreedom: fromSpread ? Double(m - 1) : nil,
            diagnostics: Diagnostics(
                method: fromSpread ? "\(bound.name)-batches" : "\(bound.name)-batches-pooled-within",
                declaredBias: bias, figures: figures, warnings: warnings))
    }
}
