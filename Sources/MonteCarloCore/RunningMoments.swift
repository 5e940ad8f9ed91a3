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

    private enum CodingKeys: String, CodingKey { case count, mean, sumOfSquaredDeviations }

    /// Decodes a state, refusing one no sequence of values can produce.
    /// - Throws: `DecodingError.dataCorrupted` for a negative count or one above 2⁵³, a
    ///   non-finite mean, a negative or non-finite sum of squares, or non-zero moments with a
    ///   zero count.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        count = try container.decode(Int.self, forKey: .count)
        mean = try container.decode(Double.self, forKey: .mean)
        sumOfSquaredDeviations = try container.decode(Double.self, forKey: .sumOfSquaredDeviations)
        try DecodedState.requireCount(count, "count", in: decoder)
        try DecodedState.require(mean.isFinite, "mean \(mean) is not finite", in: decoder)
        try DecodedState.require(sumOfSquaredDeviations.isFinite && sumOfSquaredDeviations >= 0,
                                 "sum of squared deviations \(sumOfSquaredDeviations) is negative or not finite", in: decoder)
        try DecodedState.require(count > 0 || (mean == 0 && sumOfSquaredDeviations == 0),
                                 "an empty state (count 0) has non-zero moments", in: decoder)
    }

    /// Adds one value (Welford's update).
    public mutating func add(_ x: Double) {
        count += 1
        let delta = x - mean
        mean += delta / Double(count)
        sumOfSquaredDeviations += delta * (x - mean)
    }

    /// Adds a buffer of values: two passes over the buffer, then one merge.
    ///
    /// Values that are not finite make the whole result NaN or ∞, as with one-at-a-time adds;
    /// use ``addIfAllFinite(contentsOf:)`` to screen them.
    public mutating func add(contentsOf values: UnsafeBufferPointer<Double>) {
        guard !values.isEmpty else { return }
        let sum = Self.sum(values)
        merge(count: values.count, mean: sum / Double(values.count),
              sumOfSquaredDeviations: Self.squaredDeviations(values, about: sum / Double(values.count)))
    }

    /// Adds a buffer of values if all are finite and returns `true`; otherwise changes nothing
    /// and returns `false` (the screening costs nothing extra: a non-finite value makes the sums
    /// non-finite).
    ///
    /// One pass of shifted sums: with c the block's first value, Σ(x − c) and Σ(x − c)² give the
    /// block mean and Σ(x − x̄)² = Σ(x − c)² − (Σ(x − c))²/m. Shifting by a value of the data
    /// keeps the cancellation mild (Chan, Golub & LeVeque 1983); blocks are then merged exactly.
    public mutating func addIfAllFinite(contentsOf values: UnsafeBufferPointer<Double>) -> Bool {
        guard !values.isEmpty else { return true }
        let c = values[0]
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var q0 = 0.0, q1 = 0.0, q2 = 0.0, q3 = 0.0
        var i = 0
        let n = values.count
        while i + 4 <= n {
            let d0 = values[i] - c, d1 = values[i + 1] - c, d2 = values[i + 2] - c, d3 = values[i + 3] - c
            s0 += d0
            s1 += d1
            s2 += d2
            s3 += d3
            q0 += d0 * d0
            q1 += d1 * d1
            q2 += d2 * d2
            q3 += d3 * d3
            i += 4
        }
        while i < n {
            let d = values[i] - c
            s0 += d
            q0 += d * d
            i += 1
        }
        let shiftedSum = (s0 + s1) + (s2 + s3)
        let shiftedSquares = (q0 + q1) + (q2 + q3)
        guard shiftedSum.isFinite, shiftedSquares.isFinite, c.isFinite else {
            // Either a non-finite value, or finite values whose sums overflowed.
            guard values.allSatisfy({ $0.isFinite }) else { return false }
            for x in values { add(x) }
            return true
        }
        addBlock(count: n, shift: c, shiftedSum: shiftedSum, shiftedSquares: shiftedSquares)
        return true
    }

    /// Adds a block of `count` values summarized by shifted sums Σ(x − shift) and Σ(x − shift)²,
    /// for callers that accumulate in registers while they evaluate (the shift should be a value
    /// of the block, e.g. its first, to keep cancellation mild).
    public mutating func addBlock(count: Int, shift: Double, shiftedSum: Double, shiftedSquares: Double) {
        guard count > 0 else { return }
        let m = Double(count)
        merge(count: count, mean: shift + shiftedSum / m,
              sumOfSquaredDeviations: max(0, shiftedSquares - shiftedSum * shiftedSum / m))
    }

    /// Σ x with four independent partial sums (the order is fixed, so the result is deterministic).
    private static func sum(_ values: UnsafeBufferPointer<Double>) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var i = 0
        let n = values.count
        while i + 4 <= n {
            s0 += values[i]
            s1 += values[i + 1]
            s2 += values[i + 2]
            s3 += values[i + 3]
            i += 4
        }
        while i < n {
            s0 += values[i]
            i += 1
        }
        return (s0 + s1) + (s2 + s3)
    }

    /// Σ (x − c)² with four independent partial sums.
    static func squaredDeviations(_ values: UnsafeBufferPointer<Double>, about c: Double) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var i = 0
        let n = values.count
        while i + 4 <= n {
            let d0 = values[i] - c, d1 = values[i + 1] - c, d2 = values[i + 2] - c, d3 = values[i + 3] - c
            s0 += d0 * d0
            s1 += d1 * d1
            s2 += d2 * d2
            s3 += d3 * d3
            i += 4
        }
        while i < n {
            let d = values[i] - c
            s0 += d * d
            i += 1
        }
        return (s0 + s1) + (s2 + s3)
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

    /// Rescales every value added so far by `factor` (mean × factor, squared deviations × factor²).
    public mutating func scaleValues(by factor: Double) {
        mean *= factor
        sumOfSquaredDeviations *= factor * factor
    }

    /// The unbiased sample variance Σ(x − x̄)²/(n − 1); NaN when fewer than two values.
    public var sampleVariance: Double {
        count > 1 ? sumOfSquaredDeviations / Double(count - 1) : .nan
    }

    /// The estimated variance of the mean, sampleVariance / n; NaN when fewer than two values.
    public var varianceOfMean: Double { sampleVariance / Double(count) }
}
