import MonteCarloCore

/// Chooses a critic family for a variational bound by the bound's value on validation pairs held
/// out of the training pairs, then refits the winner on all training pairs.
///
/// ```swift
/// let split = try CriticSplit(x: xs, y: ys)                     // training | evaluation
/// let selection = try CriticSelection.select(x: split.trainingX, y: split.trainingY, for: .nwj, batchSize: 128)
/// var accumulator = VariationalBoundAccumulator(bound: .nwj, batchSize: 128)
/// for batch in evaluationBatches {                              // never seen by the selection
///     try accumulator.add(try selection.critic.scoreMatrix(x: batch.x, y: batch.y))
/// }
/// ```
///
/// Rule: the training pairs, in the order given, are cut into a fitting part (the first
/// ⌈(1 − f)·n⌉) and a validation part (the rest, f = `validationFraction`). Every candidate family
/// is fitted on the fitting part (``TrainedCritic/fit(_:x:y:for:settings:)``) and the bound is
/// averaged over validation batches of min(B, n_val/2) pairs. The candidate with the highest
/// validation value wins, except that candidates whose partition term was dominated by one pair
/// in some validation batch (one e^S above 10% of the batch's sum,
/// ``VariationalBoundAccumulator/heavyTailBatches``) rank after all others; ties keep the order
/// of `families` (list simpler families first). A candidate that fails
/// to fit or to score is recorded with its error and skipped. The winner is refitted on all n
/// training pairs.
///
/// **Statistical properties.** The selection looks only at training pairs, so a bound evaluated
/// with the selected critic on separate evaluation pairs keeps its documented bias and variance,
/// conditional on the critic (the choice is part of fitting the critic). The validation values
/// themselves are biased upward as a group (the maximum of noisy values) and are reported only to
/// explain the choice. Since every bound is, in expectation, a lower bound or close to I for any
/// critic, the higher held-out value marks the critic closer to the optimum, up to the validation
/// noise (about the bound's batch-to-batch standard deviation over √(batches)).
public struct CriticSelection: Sendable {
    /// One candidate's result.
    public struct Candidate: Sendable, Hashable {
        /// The family.
        public let family: TrainedCritic.Family
        /// The mean of the bound over the validation batches (nil if fitting or scoring failed).
        public let validationValue: Double?
        /// Validation batches in which one off-diagonal e^S was more than 10% of the batch's
        /// partition sum (``VariationalBoundAccumulator/heavyTailBatches``).
        public let heavyTailBatches: Int
        /// Why the candidate was skipped, if it was.
        public let failure: String?
    }

    /// The winner, refitted on all training pairs.
    public let critic: TrainedCritic
    /// Every candidate in the order tried.
    public let candidates: [Candidate]
    /// Pairs in the fitting and validation parts.
    public let fittingPairs: Int, validationPairs: Int
    /// The validation batch size.
    public let validationBatchSize: Int

    /// Fits each family, validates, and refits the best.
    ///
    /// - Parameters:
    ///   - families: The candidates, simplest first (quadratic and rff by default: both see normal
    ///     scores, so their e^T stays bounded; the raw Gaussian critic is left out because on
    ///     heavy-tailed data its partition term can look fine on a small validation part and
    ///     still explode on the evaluation pairs).
    ///   - x: n training draws of X (none of them evaluation pairs).
    ///   - y: The n paired draws of Y.
    ///   - bound: The bound the critic is for (and the validation criterion).
    ///   - batchSize: B of the evaluation batches (validation batches use min(B, n_val/2)).
    ///   - validationFraction: f in (0, 1), the share of the training pairs held out.
    ///   - settings: The trained families' settings.
    /// - Throws: a `MonteCarloError` input case for an empty family list, f outside
    ///   (0, 1), B < 4, or fewer than 8 validation pairs; the last candidate's error if every
    ///   candidate failed; the refit's error.
    /// - Complexity: the sum of the candidates' fits, plus one refit, plus O(n_val B) scores per
    ///   candidate.
    public static func select(
        families: [TrainedCritic.Family] = [.quadratic, .randomFourier], x: [[Double]], y: [[Double]],
        for bound: VariationalBound, batchSize: Int, validationFraction: Double = 0.3,
        settings: TrainedCritic.Settings = .init()
    ) throws(MonteCarloError) -> CriticSelection {
        guard !families.isEmpty else { throw .invalidArgument("No critic families to choose from.") }
        guard validationFraction > 0, validationFraction < 1 else {
            throw .invalidParameter(name: "validationFraction", value: validationFraction,
                                                  requirement: "in (0, 1)")
        }
        guard batchSize >= 4 else {
            throw .invalidParameter(name: "batchSize", value: Double(batchSize), requirement: "at least 4")
        }
        guard x.count == y.count else {
            throw .dimensionMismatch(what: "number of y draws (one per x draw)", expected: x.count,
                                                   actual: y.count)
        }
        let n = x.count
        let validationCount = Int((validationFraction * Double(n)).rounded(.down))
        guard validationCount >= 8 else {
            throw .insufficientSamples(needed: Int((8 / validationFraction).rounded(.up)), available: n,
                                                     reason: "training pairs to hold out 8 validation pairs")
        }
        let fitCount = n - validationCount
        let fitX = Array(x[..<fitCount]), fitY = Array(y[..<fitCount])
        let validX = Array(x[fitCount...]), validY = Array(y[fitCount...])
        let b = min(batchSize, validationCount / 2)
        let batches = validationCount / b

        var candidates: [Candidate] = []
        var best: (index: Int, heavy: Bool, value: Double)?
        var lastError: MonteCarloError?
        for family in families {
            do throws(MonteCarloError) {
                let critic = try TrainedCritic.fit(family, x: fitX, y: fitY, for: bound, settings: settings)
                var accumulator = VariationalBoundAccumulator(bound: bound, batchSize: b)
                do throws(MonteCarloError) {
                    for m in 0..<batches {
                        let rows = (m * b)..<((m + 1) * b)
                        try accumulator.add(try critic.scoreMatrix(x: Array(validX[rows]), y: Array(validY[rows])))
                    }
                } catch { throw error }
                let value = accumulator.batchValues.mean
                let heavy = accumulator.heavyTailBatches > 0
                candidates.append(Candidate(family: family, validationValue: value,
                                            heavyTailBatches: accumulator.heavyTailBatches, failure: nil))
                let better = best.map { (!heavy && $0.heavy) || (heavy == $0.heavy && value > $0.value) } ?? true
                if better { best = (candidates.count - 1, heavy, value) }
            } catch {
                lastError = error
                candidates.append(Candidate(family: family, validationValue: nil, heavyTailBatches: 0,
                                            failure: error.description))
            }
        }
        guard let best else { throw lastError! }
        let critic = try TrainedCritic.fit(candidates[best.index].family, x: x, y: y, for: bound, settings: settings)
        return CriticSelection(critic: critic, candidates: candidates, fittingPairs: fitCount,
                               validationPairs: validationCount, validationBatchSize: b)
    }
}
