import Foundation

/// When a Monte Carlo run stops.
///
/// Error targets are checked after every round, so the stopping time depends on the data; the
/// final interval then covers slightly less than its nominal level (the classical effect of
/// sequential stopping, small when many rounds precede the stop). Fixed sample counts are exact.
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
    /// Samples drawn before an error target is first checked (so the variance estimate is meaningful).
    public let minimumSamples: Int

    /// Draw exactly `n` samples.
    public static func sampleCount(_ n: Int) -> StoppingRule {
        StoppingRule(target: .sampleCount(n), maximumSamples: n, minimumSamples: n)
    }

    /// Stop when the interval half-width at `level` is at most `error`, or at the cap.
    public static func absoluteError(_ error: Double, level: Double = 0.95, maximumSamples: Int,
                                     minimumSamples: Int = 1000) -> StoppingRule {
        StoppingRule(target: .absoluteError(error, level: level), maximumSamples: maximumSamples,
                     minimumSamples: min(minimumSamples, maximumSamples))
    }

    /// Stop when the interval half-width at `level` is at most `error · |estimate|`, or at the cap.
    public static func relativeError(_ error: Double, level: Double = 0.95, maximumSamples: Int,
                                     minimumSamples: Int = 1000) -> StoppingRule {
        StoppingRule(target: .relativeError(error, level: level), maximumSamples: maximumSamples,
                     minimumSamples: min(minimumSamples, maximumSamples))
    }

    /// Stop once `seconds` of wall time have passed (checked after each round), or at the cap.
    /// The only rule whose result depends on the machine's speed.
    public static func timeBudget(seconds: Double, maximumSamples: Int) -> StoppingRule {
        StoppingRule(target: .timeBudget(seconds: seconds), maximumSamples: maximumSamples, minimumSamples: 0)
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
