import Foundation

/// When a Monte Carlo run stops.
///
/// Error targets are planned, then checked. The driver first draws the minimum (the rule's, or
/// else the estimator's own ``MonteCarloEstimator/minimumSamplesBeforeStopping``: 1000 draws, 16
/// RQMC replicates); when the target is not met it plans the total from the variance so far, as
/// two-stage rules do: n = 1.1 · n₀ · (h₀ / h)² for half-width h₀ after n₀ samples and target h,
/// rounded up to whole blocks. It draws toward that total, checks, and plans again, so a run
/// stops within about 10% (one block) of the sample size its target needs instead of at the next
/// fixed round. The stopping time still depends on the data, so the final interval covers
/// slightly less than its nominal level (the classical effect of sequential stopping; measured
/// for RQMC on the Keister integral in the tests). Fixed sample counts are exact.
///
/// A rule always has a sample cap: error targets and time budgets stop at the cap if they are
/// not met first, and the report says so (``StopReason/reachedSampleCap``): never a silent
/// truncation. Samples are counted in the estimator's unit (draws, antithetic pairs, or RQMC
/// replicates).
public struct StoppingRule: Sendable, Hashable, Codable {
    /// What the rule aims at.
    public enum Target: Sendable, Hashable, Codable {
        /// Exactly this many samples.
        case sampleCount(Int)
        /// Half-width of the confidence interval at `level` no larger than `error`.
        case absoluteError(Double, level: Double)
        /// Half-width of the interval no larger than `error · |estimate|`.
        case relativeError(Double, level: Double)
        /// Stop after the first round that ends past this many seconds.
        case timeBudget(seconds: Double)
    }

    /// The target.
    public let target: Target
    /// The largest number of samples ever drawn.
    public let maximumSamples: Int
    /// Samples drawn before an error target is first checked (so the variance estimate is
    /// meaningful), in the estimator's unit; `nil` uses the estimator's
    /// ``MonteCarloEstimator/minimumSamplesBeforeStopping``.
    public let minimumSamples: Int?

    /// Draw exactly `n` samples.
    public static func sampleCount(_ n: Int) -> StoppingRule {
        StoppingRule(target: .sampleCount(n), maximumSamples: n, minimumSamples: n)
    }

    /// Stop when the interval half-width at `level` is at most `error`, or at the cap.
    /// `minimumSamples` defaults to the estimator's own minimum (see the type's discussion).
    public static func absoluteError(_ error: Double, level: Double = 0.95, maximumSamples: Int,
                                     minimumSamples: Int? = nil) -> StoppingRule {
        StoppingRule(target: .absoluteError(error, level: level), maximumSamples: maximumSamples,
                     minimumSamples: minimumSamples.map { min($0, maximumSamples) })
    }

    /// Stop when the interval half-width at `level` is at most `error · |estimate|`, or at the cap.
    public static func relativeError(_ error: Double, level: Double = 0.95, maximumSamples: Int,
                                     minimumSamples: Int? = nil) -> StoppingRule {
        StoppingRule(target: .relativeError(error, level: level), maximumSamples: maximumSamples,
                     minimumSamples: minimumSamples.map { min($0, maximumSamples) })
    }

    /// Stop once `seconds` of wall time have passed (checked after each round), or at the cap.
    /// The only rule whose result depends on the machine's speed.
    public static func timeBudget(seconds: Double, maximumSamples: Int) -> StoppingRule {
        StoppingRule(target: .timeBudget(seconds: seconds), maximumSamples: maximumSamples, minimumSamples: 0)
    }

    /// Whether the target is an absolute or relative error (planned and checked between rounds).
    @usableFromInline
    var hasErrorTarget: Bool {
        switch target {
        case .absoluteError, .relativeError: return true
        case .sampleCount, .timeBudget: return false
        }
    }

    /// Whether the target is a relative error.
    @usableFromInline
    var isRelative: Bool {
        if case .relativeError = target { return true }
        return false
    }
}

/// Why a run stopped.
public enum StopReason: String, Sendable, Hashable, Codable {
    /// The fixed sample count was drawn.
    case reachedSampleCount
    /// The absolute error target was met.
    case reachedAbsoluteError
    /// The relative error target was met.
    case reachedRelativeError
    /// The time budget ran out.
    case exhaustedTimeBudget
    /// The sample cap was reached before the target was met.
    case reachedSampleCap
}
