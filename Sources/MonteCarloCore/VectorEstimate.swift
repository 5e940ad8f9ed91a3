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
    /// Method and the warnings about every component.
    public let diagnostics: Diagnostics
    /// The warnings about one component alone, per component (empty arrays when there are none).
    public let componentWarnings: [[String]]

    /// Creates a vector estimate (estimators call this).
    ///
    /// `componentWarnings[i]` holds the warnings about component i alone (empty, or one array per
    /// component); ``Diagnostics/warnings`` those about all of them.
    public init(values: [Double], covariance: [Double], sampleCount: Int, effectiveSampleSizes: [Double],
                degreesOfFreedom: Double? = nil, diagnostics: Diagnostics, componentWarnings: [[String]] = []) {
        precondition(covariance.count == values.count * values.count, "covariance must be dimension²")
        precondition(componentWarnings.isEmpty || componentWarnings.count == values.count, "one warning list per component")
        self.values = values
        self.covariance = covariance
        self.sampleCount = sampleCount
        self.effectiveSampleSizes = effectiveSampleSizes
        self.degreesOfFreedom = degreesOfFreedom
        self.diagnostics = diagnostics
        self.componentWarnings = componentWarnings.isEmpty ? Array(repeating: [], count: values.count) : componentWarnings
    }

    private enum CodingKeys: String, CodingKey {
        case values, covariance, sampleCount, effectiveSampleSizes, degreesOfFreedom, diagnostics, componentWarnings
    }

    /// Decodes a vector estimate; `componentWarnings` may be absent (estimates written before it existed).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(values: try container.decode([Double].self, forKey: .values),
                  covariance: try container.decode([Double].self, forKey: .covariance),
                  sampleCount: try container.decode(Int.self, forKey: .sampleCount),
                  effectiveSampleSizes: try container.decode([Double].self, forKey: .effectiveSampleSizes),
                  degreesOfFreedom: try container.decodeIfPresent(Double.self, forKey: .degreesOfFreedom),
                  diagnostics: try container.decode(Diagnostics.self, forKey: .diagnostics),
                  componentWarnings: try container.decodeIfPresent([[String]].self, forKey: .componentWarnings) ?? [])
    }

    /// Number of components.
    public var dimension: Int { values.count }

    /// Standard errors of the components.
    public var standardErrors: [Double] { (0..<dimension).map { covariance[$0 * dimension + $0].squareRoot() } }

    /// The trace of the covariance: total variance, a scalar summary for gradient estimators.
    public var totalVariance: Double { (0..<dimension).reduce(0) { $0 + covariance[$1 * dimension + $1] } }

    /// Component `i` as a scalar ``Estimate``: its own variance-reduction factor (ESS_i / n) and
    /// warnings (those about all components, then ``componentWarnings```[i]`).
    public func component(_ i: Int) -> Estimate {
        var own = diagnostics
        own.varianceReductionFactor = effectiveSampleSizes[i] / Double(sampleCount)
        own.warnings += componentWarnings[i]
        return Estimate(value: values[i], variance: covariance[i * dimension + i], sampleCount: sampleCount,
                        effectiveSampleSize: effectiveSampleSizes[i], degreesOfFreedom: degreesOfFreedom,
                        diagnostics: own)
    }

    /// The correlation of the estimators of components `i` and `j` (0 when either variance is 0, 1 on the diagonal).
    public func correlation(_ i: Int, _ j: Int) -> Double {
        if i == j { return 1 }
        let scale = (covariance[i * dimension + i] * covariance[j * dimension + j]).squareRoot()
        return scale > 0 ? covariance[i * dimension + j] / scale : 0
    }

    public var description: String {
        (0..<dimension).map { component($0).description }.joined(separator: "\n")
    }
}
