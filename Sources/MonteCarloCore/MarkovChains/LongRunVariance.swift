/// A long-run variance estimate of a series: σ̂²_∞, the variance of the mean, the ESS and the
/// degrees of freedom an interval needs.
public struct LongRunVariance: Sendable, Hashable, Codable {
    /// The mean of all draws.
    public let mean: Double
    /// The number of draws n (over all chains).
    public let sampleCount: Int
    /// The per-draw sample variance s² (all draws about their mean, divisor n − 1).
    public let sampleVariance: Double
    /// σ̂²_∞, the long-run (asymptotic) variance per draw: n × ``varianceOfMean``.
    public let longRunVariance: Double
    /// σ̂²_∞ / n: the variance of the mean, the squared Monte Carlo standard error.
    public let varianceOfMean: Double
    /// n s² / σ̂²_∞: how many independent draws would give the same precision.
    public let effectiveSampleSize: Double
    /// Degrees of freedom of a Student-t interval (batch means: batches − 1), or `nil` for normal.
    public let degreesOfFreedom: Double?
    /// The batch size or truncation used, when the method has one (initial sequences: the
    /// number of autocovariance lags summed, 2M).
    public let batchSize: Int?
    /// A short name of the method, e.g. `"batch-means(b=31)"`.
    public let method: String

    /// Creates an estimate from σ̂²_∞.
    public init(mean: Double, sampleCount: Int, sampleVariance: Double, longRunVariance: Double,
                degreesOfFreedom: Double?, batchSize: Int?, method: String) {
        self.mean = mean
        self.sampleCount = sampleCount
        self.sampleVariance = sampleVariance
        self.longRunVariance = longRunVariance
        self.varianceOfMean = longRunVariance / Double(sampleCount)
        self.effectiveSampleSize = Estimate.effectiveSampleSize(
            perDrawVariance: sampleVariance, estimatorVariance: varianceOfMean, evaluations: sampleCount)
        self.degreesOfFreedom = degreesOfFreedom
        self.batchSize = batchSize
        self.method = method
    }
}

extension LongRunVariance {
    /// The mean of the series as an ``Estimate``: value ``mean``, variance ``varianceOfMean``,
    /// ESS ``effectiveSampleSize`` and the same degrees of freedom, so that
    /// `Estimate/confidenceInterval(level:)` gives the Student-t interval where the method
    /// has one.
    ///
    /// ```swift
    /// let interval = try LongRunVarianceMethod.auto.estimate(series).meanEstimate.confidenceInterval()
    /// ```
    public var meanEstimate: Estimate {
        Estimate(value: mean, variance: varianceOfMean, sampleCount: sampleCount,
                 effectiveSampleSize: effectiveSampleSize, degreesOfFreedom: degreesOfFreedom,
                 diagnostics: Diagnostics(method: method, figures: ["longRunVariance": longRunVariance]))
    }
}
