/// Weighted mean and weighted centred second moment of a stream, mergeable (West 1979).
///
/// Keeps Σw, Σw², the w-weighted mean and Σ w (x − x̄_w)², and a second set of the same with
/// weights w², which self-normalized importance sampling needs for its delta-method variance
/// Σ w²(x − x̄_w)² / (Σw)². Also tracks the largest weight, for heavy-tail diagnostics.
public struct WeightedMoments: MergeableState, Hashable {
    /// Number of values added.
    public private(set) var count: Int = 0
    /// Σ w.
    public private(set) var sumOfWeights: Double = 0
    /// Σ w².
    public private(set) var sumOfSquaredWeights: Double = 0
    /// Σ w x / Σ w.
    public private(set) var weightedMean: Double = 0
    /// Σ w (x − weightedMean)².
    public private(set) var weightedSquaredDeviations: Double = 0
    /// Σ w² x / Σ w².
    public private(set) var squaredWeightMean: Double = 0
    /// Σ w² (x − squaredWeightMean)².
    public private(set) var squaredWeightSquaredDeviations: Double = 0
    /// The largest weight seen.
    public private(set) var maximumWeight: Double = 0

    /// An empty state.
    public init() {}

    /// Adds a value with a non-negative weight (West's incremental update, for both weightings).
    public mutating func add(_ x: Double, weight w: Double) {
        count += 1
        maximumWeight = max(maximumWeight, w)
        guard w > 0 else { return }
        sumOfWeights += w
        let delta = x - weightedMean
        weightedMean += delta * (w / sumOfWeights)
        weightedSquaredDeviations += w * delta * (x - weightedMean)
        let w2 = w * w
        sumOfSquaredWeights += w2
        let delta2 = x - squaredWeightMean
        squaredWeightMean += delta2 * (w2 / sumOfSquaredWeights)
        squaredWeightSquaredDeviations += w2 * delta2 * (x - squaredWeightMean)
    }

    /// Absorbs another state; never fails.
    public mutating func merge(_ other: WeightedMoments) {
        count += other.count
        maximumWeight = max(maximumWeight, other.maximumWeight)
        (sumOfWeights, weightedMean, weightedSquaredDeviations) = Self.combine(
            (sumOfWeights, weightedMean, weightedSquaredDeviations),
            (other.sumOfWeights, other.weightedMean, other.weightedSquaredDeviations))
        (sumOfSquaredWeights, squaredWeightMean, squaredWeightSquaredDeviations) = Self.combine(
            (sumOfSquaredWeights, squaredWeightMean, squaredWeightSquaredDeviations),
            (other.sumOfSquaredWeights, other.squaredWeightMean, other.squaredWeightSquaredDeviations))
    }

    private static func combine(
        _ a: (weight: Double, mean: Double, squares: Double), _ b: (weight: Double, mean: Double, squares: Double)
    ) -> (Double, Double, Double) {
        guard b.weight > 0 else { return a }
        guard a.weight > 0 else { return b }
        let total = a.weight + b.weight
        let delta = b.mean - a.mean
        let share = b.weight / total
        return (total, a.mean + delta * share, a.squares + b.squares + delta * delta * a.weight * share)
    }

    /// Rescales every weight by `factor` > 0 (means are unchanged; sums scale by factor or factor²).
    /// Lets callers keep weights relative to a moving reference, e.g. exp(log w − max log w).
    public mutating func scaleWeights(by factor: Double) {
        sumOfWeights *= factor
        weightedSquaredDeviations *= factor
        maximumWeight *= factor
        sumOfSquaredWeights *= factor * factor
        squaredWeightSquaredDeviations *= factor * factor
    }

    /// Kish's effective sample size (Σw)² / Σw².
    public var kishEffectiveSampleSize: Double {
        sumOfSquaredWeights > 0 ? sumOfWeights * sumOfWeights / sumOfSquaredWeights : 0
    }

    /// Σ w² (x − c)² for any centre c, from the w²-weighted moments.
    public func squaredWeightDeviations(about centre: Double) -> Double {
        let shift = squaredWeightMean - centre
        return squaredWeightSquaredDeviations + sumOfSquaredWeights * shift * shift
    }
}
