/// Count, mean and centred second moment of a stream of numbers, mergeable (Welford; Chan et al.).
///
/// Adds one value at a time with Welford's update, or a buffer at a time with a two-pass block
/// computation followed by Chan, Golub & LeVeque's (1979) pairwise merge, which is both faster
/// and more accurate in hot loops. Merging is associative up to rounding.
///
/// ```swift
/// var moments = RunningMoments()
/// for x in [1.0, 2, 4] { moments.add(x) }
/// moments.mean            // 2.333…
/// moments.sampleVariance  // 2.333…
/// ```
public struct RunningMoments: MergeableState, Hashable {
    /// Number of values added.
    public private(set) var count: Int = 0
    /// Their mean (0 when empty).
    public private(set) var mean: Double = 0
    /// Sum of squared deviations from the mean, Σ (x − mean)².
    public private(set) var sumOfSquaredDeviations: Double = 0

    /// An empty state.
    public init() {}

    /// Adds one value (Welford's update).
    public mutating func add(_ x: Double) {
        count += 1
        let delta = x - mean
        mean += delta / Double(count)
        sumOfSquaredDeviations += delta * (x - mean)
    }

    /// Adds a buffer of values: two passes over the buffer, then one merge.
    public mutating func add(contentsOf values: UnsafeBufferPointer<Double>) {
        guard !values.isEmpty else { return }
        var sum = 0.0
        for x in values { sum += x }
        let blockMean = sum / Double(values.count)
        var squares = 0.0
        for x in values {
            let d = x - blockMean
            squares += d * d
        }
        merge(count: values.count, mean: blockMean, sumOfSquaredDeviations: squares)
    }

    /// Adds an array of values.
    public mutating func add(contentsOf values: [Double]) {
        values.withUnsafeBufferPointer { add(contentsOf: $0) }
    }

    /// Absorbs another state (Chan et al. 1979); never fails.
    public mutating func merge(_ other: RunningMoments) {
        merge(count: other.count, mean: other.mean, sumOfSquaredDeviations: other.sumOfSquaredDeviations)
    }

    mutating func merge(count otherCount: Int, mean otherMean: Double, sumOfSquaredDeviations otherSquares: Double) {
        guard otherCount > 0 else { return }
        guard count > 0 else {
            count = otherCount
            mean = otherMean
            sumOfSquaredDeviations = otherSquares
            return
        }
        let total = count + otherCount
        let delta = otherMean - mean
        let weight = Double(otherCount) / Double(total)
        mean += delta * weight
        sumOfSquaredDeviations += otherSquares + delta * delta * Double(count) * weight
        count = total
    }

    /// The unbiased sample variance Σ(x − x̄)²/(n − 1); NaN when fewer than two values.
    public var sampleVariance: Double {
        count > 1 ? sumOfSquaredDeviations / Double(count - 1) : .nan
    }

    /// The estimated variance of the mean, sampleVariance / n; NaN when fewer than two values.
    public var varianceOfMean: Double { sampleVariance / Double(count) }
}
