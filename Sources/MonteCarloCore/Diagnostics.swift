/// What an estimator reports besides its value and variance.
///
/// Holds the method name, fitted coefficients (control-variate β, kernel weights summaries),
/// the variance-reduction factor against plain Monte Carlo on the same draws, a declared bias
/// when the estimator is knowingly biased, named extra figures and human-readable warnings.
public struct Diagnostics: Sendable, Codable, Hashable {
    /// Short name of the estimator that produced the estimate, e.g. `"antithetic"`.
    public var method: String
    /// Fitted coefficients, e.g. control-variate β in the order the controls were given.
    public var coefficients: [Double]
    /// σ²_plain / (n · variance): how many times fewer draws than plain Monte Carlo it needs.
    public var varianceReductionFactor: Double?
    /// A statement of known bias, e.g. `"O(1/n): β fitted on the same draws"`; `nil` when unbiased.
    public var declaredBias: String?
    /// Named extra figures (e.g. `"kishEffectiveSampleSize"`, `"maximumWeightShare"`).
    public var figures: [String: Double]
    /// Warnings a user should read before trusting the error bar.
    public var warnings: [String]

    /// Creates diagnostics for a method.
    public init(
        method: String, coefficients: [Double] = [], varianceReductionFactor: Double? = nil,
        declaredBias: String? = nil, figures: [String: Double] = [:], warnings: [String] = []
    ) {
        self.method = method
        self.coefficients = coefficients
        self.varianceReductionFactor = varianceReductionFactor
        self.declaredBias = declaredBias
        self.figures = figures
        self.warnings = warnings
    }
}
