/// The outcome of a kernel Stein discrepancy goodness-of-fit test with a wild bootstrap.
///
/// Returned by ``KernelSteinDiscrepancy/test(_:bootstrap:multipliers:seed:)``.
public struct SteinGoodnessOfFitTest: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The test statistic n·V, V the V-statistic of KSD².
    public let statistic: Double
    /// (1 + #{b : Bᵦ ≥ n·V}) / (1 + B): the bootstrap p-value, never 0.
    public let pValue: Double
    /// The number B of bootstrap replicates.
    public let bootstrapCount: Int
    /// The flip probability a of the multiplier process (½: independent Rademacher signs).
    public let flipProbability: Double
    /// The seed of the multipliers: the same seed and draws give the same p-value.
    public let seed: UInt64
    /// The discrepancy estimates on the same draws.
    public let discrepancy: SteinDiscrepancyEstimate

    /// Creates the result; ``KernelSteinDiscrepancy/test(_:bootstrap:multipliers:seed:)`` calls this.
    public init(statistic: Double, pValue: Double, bootstrapCount: Int, flipProbability: Double, seed: UInt64,
                discrepancy: SteinDiscrepancyEstimate) {
        self.statistic = statistic
        self.pValue = pValue
        self.bootstrapCount = bootstrapCount
        self.flipProbability = flipProbability
        self.seed = seed
        self.discrepancy = discrepancy
    }

    /// Whether the null hypothesis (the draws come from the target) is rejected at `level`.
    public func rejects(at level: Double = 0.05) -> Bool { pValue <= level }

    /// The statistic and the p-value.
    public var description: String {
        "n·KSD² = \(statistic), p = \(pValue) (B = \(bootstrapCount), flip probability \(flipProbability))"
    }
}
