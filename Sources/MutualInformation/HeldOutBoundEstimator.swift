import Foundation
import MonteCarloCore

/// A variational bound on I(X; Y) from one sample of pairs: the critic is fitted on a random part
/// of the rows and the bound averaged over batches of the others.
///
/// The rows are shuffled with ``seed``; half of them (at most ``maximumTrainingRows``) train the
/// critic (``TrainedCritic`` of ``criticFamily``, or the choice of ``CriticSelection`` when it is
/// `nil`), and the rest are cut into at least 2 batches of B ≤ ``maximumBatchSize`` pairs, averaged
/// by ``VariationalBoundAccumulator``. NWJ, Donsker–Varadhan and JS at S + 1 fall back to InfoNCE on the same
/// critic and batches when their partition term is dominated by single pairs (a batch whose largest
/// e^S carries more than 10% of its sum, or an overflow): their value would then be noise from a few
/// pairs. The fallback is reported in ``Result/fallback`` and as the first warning.
///
/// ```swift
/// let result = try HeldOutBoundEstimator(bound: .infoNCE, seed: 7).estimate(x: x, y: y)
/// print(result.estimate, result.critic.family)
/// ```
///
/// **Statistical properties.** The critic never sees the pairs it is scored on, so the value is
/// an unbiased estimate of the bound *for the fitted critic* (up to the finite-B bias of DV and
/// InfoNCE, declared by the accumulator): in expectation a lower bound on I that falls short of it
/// by as much as the critic misses the optimal log-ratio (SMILE's clipping biases it either way).
/// `variance` and the ESS are the accumulator's: from 8 batches on, the batch-to-batch spread
/// (Student-t interval, batches − 1 degrees of freedom); below, the pooled within-batch variances.
public struct HeldOutBoundEstimator: Sendable {
    /// The bound to estimate.
    public var bound: VariationalBound
    /// The critic family; `nil` chooses between quadratic and random-Fourier critics on held-out
    /// training rows (``CriticSelection``).
    public var criticFamily: TrainedCritic.Family?
    /// The largest batch B (B² critic scores per batch).
    public var maximumBatchSize: Int
    /// At most this many rows train the critic (the fits cost O(rows)); the rest evaluate.
    public var maximumTrainingRows: Int
    /// Seed of the split and of the critic's random features and network.
    public var seed: UInt64

    /// The bound reported instead of the requested one.
    public struct Fallback: Sendable, Hashable {
        /// The requested bound.
        public let from: VariationalBound
        /// The bound reported (InfoNCE).
        public let to: VariationalBound
        /// Why the requested bound was unusable.
        public let reason: String
    }

    /// The estimate and how it was made.
    public struct Result: Sendable {
        /// The bound's estimate (InfoNCE's after a fallback).
        public let estimate: Estimate
        /// The fitted critic.
        public let critic: TrainedCritic
        /// The critic choice, when ``criticFamily`` was `nil`.
        public let selection: CriticSelection?
        /// Rows that trained the critic.
        public let trainingRows: Int
        /// Rows held out for evaluation (those beyond `batches × batchSize` are unused).
        public let evaluationRows: Int
        /// Number of batches and pairs per batch.
        public let batches: Int, batchSize: Int
        /// Set when NWJ, DV or JS (NWJ at S + 1) was unusable and InfoNCE is reported instead.
        public let fallback: Fallback?
    }

    /// Creates the estimator.
    public init(bound: VariationalBound, criticFamily: TrainedCritic.Family? = nil, maximumBatchSize: Int = 128,
                maximumTrainingRows: Int = 4000, seed: UInt64) {
        self.bound = bound
        self.criticFamily = criticFamily
        self.maximumBatchSize = maximumBatchSize
        self.maximumTrainingRows = maximumTrainingRows
        self.seed = seed
    }

    /// Estimates the bound from the pairs (x[i], y[i]).
    ///
    /// - Throws: `MonteCarloError/invalidArgument(_:)` when there are too few rows for a
    ///   training part and two batches of 4 pairs, or the critic's fit fails; the accumulator's
    ///   errors (non-finite scores).
    /// - Complexity: the critic's fit, plus O(B²) critic scores per batch.
    public func estimate(x: [[Double]], y: [[Double]]) throws(MonteCarloError) -> Result {
        let n = x.count
        guard y.count == n else { throw .dimensionMismatch(what: "Y rows", expected: n, actual: y.count) }
        guard maximumBatchSize >= 4 else { throw .invalidArgument("maximumBatchSize must be at least 4 (got \(maximumBatchSize)).") }
        let trainCount = min(n / 2, maximumTrainingRows), evaluationCount = n - trainCount
        guard trainCount >= 2, evaluationCount >= 8 else {
            throw .insufficientSamples(needed: 16, available: n, reason: "(a training half and two batches of 4 pairs)")
        }
        // Seeded random split: a file sorted by some column would otherwise give a critic
        // fitted on a different region from the evaluation pairs.
        var generator = RandomStreams(seed: seed).stream(1)
        var order = Array(0..<n)
        for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, Int(generator.next() % UInt64(i + 1))) }
        let train = order[..<trainCount], evaluation = Array(order[trainCount...])
        let batches = max(2, (evaluationCount + maximumBatchSize - 1) / maximumBatchSize)
        let b = evaluationCount / batches

        let trainX = train.map { x[$0] }, trainY = train.map { y[$0] }
        let settings = TrainedCritic.Settings(seed: seed)
        let fitted: TrainedCritic
        var selection: CriticSelection? = nil
        do {
            if let criticFamily {
                fitted = try TrainedCritic.fit(criticFamily, x: trainX, y: trainY, for: bound, settings: settings)
            } else {
                let chosen = try CriticSelection.select(x: trainX, y: trainY, for: bound, batchSize: b, settings: settings)
                fitted = chosen.critic
                selection = chosen
            }
        } catch {
            throw .invalidArgument("Fitting the \(criticFamily?.rawValue ?? "auto") critic failed: \(error.description)")
        }

        // The requested bound and InfoNCE (the fallback) on the same score matrices.
        var accumulator = VariationalBoundAccumulator(bound: bound, batchSize: b)
        var infoNCE = VariationalBoundAccumulator(bound: .infoNCE, batchSize: b)
        let canFallBack = bound == .nwj || bound == .donskerVaradhan || bound == .jensenShannon(.nwjShifted)
        var overflowed = false
        for m in 0..<batches {
            let rows = evaluation[(m * b)..<((m + 1) * b)]
            let scores = try fitted.scoreMatrix(x: rows.map { x[$0] }, y: rows.map { y[$0] })
            if canFallBack { try infoNCE.add(scores) }
            do { try accumulator.add(scores) } catch {
                guard canFallBack, case .nonFinite = error else { throw error }
                overflowed = true
            }
        }
        guard canFallBack, overflowed || accumulator.heavyTailBatches > 0 else {
            return Result(estimate: try accumulator.estimate(), critic: fitted, selection: selection, trainingRows: trainCount,
                          evaluationRows: evaluationCount, batches: batches, batchSize: b, fallback: nil)
        }
        let reason = overflowed
            ? "its partition term mean e^S overflowed in a batch"
            : "in \(accumulator.heavyTailBatches) of \(batches) batches one product pair carried more than 10% of the "
                + String(format: "partition sum (largest share %.0f%%)", 100 * accumulator.maxNegativeShare)
        let reported = try infoNCE.estimate()
        var diagnostics = reported.diagnostics
        diagnostics.warnings.insert("\(bound.name.uppercased()) is unusable here: \(reason), so its value is noise from a few "
            + "pairs. Reported instead: InfoNCE with the same critic and batches (a lower bound, ≤ log B).", at: 0)
        let estimate = Estimate(value: reported.value, variance: reported.variance, sampleCount: reported.sampleCount,
                                effectiveSampleSize: reported.effectiveSampleSize, degreesOfFreedom: reported.degreesOfFreedom,
                                diagnostics: diagnostics)
        return Result(estimate: estimate, critic: fitted, selection: selection, trainingRows: trainCount,
                      evaluationRows: evaluationCount, batches: batches, batchSize: b,
                      fallback: Fallback(from: bound, to: .infoNCE, reason: reason))
    }
}
