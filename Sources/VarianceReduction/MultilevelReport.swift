import MonteCarloCore

/// The outcome of a ``MultilevelMonteCarlo`` run: the estimate, the levels that made it, the
/// fitted rates, the declared bias bound and why the run stopped.
public struct MultilevelReport: Sendable, Hashable, Codable {
    /// Why a multilevel run stopped.
    public enum StopReason: String, Sendable, Hashable, Codable {
        /// Both halves of the target were met: estimated variance ≤ ε²/2 and bias bound ≤ ε/√2.
        case reachedTarget
        /// The variance target was met but the bias bound was still above ε/√2 at the sampler's
        /// finest level; the estimate carries a warning.
        case reachedMaximumLevel
        /// The cost cap was reached before the target; the estimate carries a warning.
        case reachedCostCap
        /// A fixed allocation (``MultilevelMonteCarlo/run(samplesPerLevel:seed:)``) was drawn.
        case reachedSampleCounts
    }

    /// One level's figures.
    public struct Level: Sendable, Hashable, Codable {
        /// The level ℓ.
        public let level: Int
        /// Coupled samples drawn, N_ℓ.
        public let samples: Int
        /// The sample mean of P_ℓ − P_{ℓ−1} (of P₀ at level 0).
        public let mean: Double
        /// The unbiased sample variance V_ℓ of P_ℓ − P_{ℓ−1} (per sample, not of the mean).
        public let variance: Double
        /// The sample variance of the fine values P_ℓ.
        public let fineVariance: Double
        /// The declared cost of one coupled sample, C_ℓ.
        public let cost: Double
    }

    /// The estimate of lim E[P_ℓ]: value Σ_ℓ mean_ℓ, variance Σ_ℓ V_ℓ/N_ℓ.
    public let estimate: Estimate
    /// Levels 0…L in order.
    public let levels: [Level]
    /// The rates used for the allocation and the bias bound (given, or fitted over levels ≥ 1).
    public let rates: MultilevelRates?
    /// The estimated remaining bias |E[P − P_L]| ≈ max_j |mean_{L−j}| 2^{−jα}/(2^α − 1) over the last
    /// three levels (Giles 2015, §2.1), or `nil` when it could not be estimated.
    public let biasBound: Double?
    /// The target root-mean-square error ε, when one was given.
    public let targetRootMeanSquareError: Double?
    /// Σ_ℓ N_ℓ C_ℓ, in the sampler's cost unit.
    public let totalCost: Double
    /// Why the run stopped.
    public let stopReason: StopReason
    /// The seed of the random streams.
    public let seed: UInt64

    /// √(variance + bias bound²): the root-mean-square error the run claims.
    public var claimedRootMeanSquareError: Double {
        (estimate.variance + (biasBound ?? 0) * (biasBound ?? 0)).squareRoot()
    }
}
