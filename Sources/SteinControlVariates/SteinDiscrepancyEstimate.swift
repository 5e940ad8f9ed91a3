import MonteCarloCore

/// The squared kernel Stein discrepancy of a sample, as a U- and a V-statistic, each with its variance.
///
/// Returned by ``KernelSteinDiscrepancy/estimate(_:)``; see there for the formulas and the
/// statistical properties of each estimate.
public struct SteinDiscrepancyEstimate: Sendable, Hashable, Codable, CustomStringConvertible {
    /// KSD² as the U-statistic (1/(n(n−1))) Σ_{i≠j} k0(xᵢ, xⱼ): unbiased, may be negative.
    public let unbiased: Estimate
    /// KSD² as the V-statistic (1/n²) Σᵢⱼ k0(xᵢ, xⱼ): never negative, biased upward by
    /// (E k0(X, X) − KSD²)/n.
    public let biased: Estimate
    /// The base kernel's length-scale ℓ (the IMQ constant c) that was used.
    public let lengthScale: Double
    /// Whether the U-statistic looks degenerate (the estimated first Hoeffding variance ζ₁ is not
    /// above its noise floor), as it is when the draws come from the target: its normal
    /// interval is then not valid — use ``KernelSteinDiscrepancy/test(_:bootstrap:multipliers:seed:)``.
    public let looksDegenerate: Bool

    /// Creates the result; ``KernelSteinDiscrepancy/estimate(_:)`` calls this.
    public init(unbiased: Estimate, biased: Estimate, lengthScale: Double, looksDegenerate: Bool) {
        self.unbiased = unbiased
        self.biased = biased
        self.lengthScale = lengthScale
        self.looksDegenerate = looksDegenerate
    }

    /// One line per statistic.
    public var description: String {
        "KSD² (U-statistic) = \(unbiased)\nKSD² (V-statistic) = \(biased)\nlength-scale = \(lengthScale)"
    }
}
