/// Estimates of several expectations at once, with the covariance matrix *of the estimators*.
///
/// `covariance[i · dimension + j]` estimates Cov(μ̂_i, μ̂_j): the squared standard errors sit
/// on the diagonal. Used for gradients and for several integrands estimated from one sample.
public struct VectorEstimate: Sendable, Codable, Hashable, CustomStringConvertible {
    /// The point estimates.
    public let values: [Double]
    /// Covariance of the estimators, row-major, `dimension × dimension`.
    public let covariance: [Double]
    /// Number of integrand evaluations used.
    public let sampleCount: Int
    /// Per-component σ²_plain / variance.
    public let effectiveSampleSizes: [Double]
    /// Degrees of freedom for t intervals, or `nil` for normal intervals.
    public let degreesOfFreedom: Double?
    /// Method and warnings.
    public let diagnostics: Diagnostics

    /// Creates a vector estimate (estimators call this).
    public init(values: [Double], covariance: [Double], sampleCount: Int, effectiveSampleSizes: [Double],
                degreesOfFreedom: Double? = nil, diagnostics: Diagnostics) {
        precondition(covariance.count == values.count * values.count, "covariance must be dimension²")
        self.values = values
        self.covariance = covariance
        self.sampleCount = sampleCount
        self.effectiveSampleSizes = effectiveSampleSizes
        self.degreesOfFreedom = degreesOfFreedom
        self.diagnostics = diagnostics
    }

    /// Number of components.
    public var dimension: Int { values.count }

    /// Standard errors of the components.
    public var standardErrors: [Double] { (0..<dimension).map { covariance[$0 * dimension + $0].squareRoot() } }

    /// The trace of the covariance: total variance, a scalar summary for gradient estimators.
    public var totalVariance: Double { (0..<dimension).reduce(0) { $0 + covariance[$1 * dimension + $1] } }

    /// Component `i` as a scalar ``Estimate``.
    public func component(_ i: Int) -> Estimate {
        Estimate(value: values[i], variance: covariance[i * dimension + i], sampleCount: sampleCount,
                 effectiveSampleSize: effectiveSampleSizes[i], degreesOfFreedom: degreesOfFreedom,
                 diagnostics: diagnostics)
    }

    public var description: String {
        (0..<dimension).map { component($0).description }.joined(separator: "\n")
    }
}
