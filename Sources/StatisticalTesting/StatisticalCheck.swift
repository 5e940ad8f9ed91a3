import Foundation
import MonteCarloCore

/// The outcome of one statistical regression check: pass or fail, the statistic, the acceptance
/// region it had to fall in, and a sentence saying why.
///
/// Checks are made by the static functions in the extensions of this type
/// (``consistency(of:with:standardErrors:)``, ``coverage(of:containing:level:falseAlarmProbability:)``,
/// ``varianceCalibration(of:falseAlarmProbability:)``, ``meanBias(of:truth:falseAlarmProbability:)``,
/// ``varianceReductionFactor(of:theoreticalFactor:plainDegreesOfFreedom:reducedDegreesOfFreedom:falseAlarmProbability:)``).
/// A failing test prints the check, so the log says what went wrong:
///
/// ```swift
/// let check = StatisticalCheck.consistency(of: estimate, with: exp(1) - 1)
/// #expect(check.passed, "\(check)")
/// // FAIL consistency: estimate 1.7301 ± 0.0029 is 4.1 standard errors above truth 1.71828;
/// //   allowed 3 (false-alarm probability 0.0027)
/// ```
///
/// **Statistical properties.** Every check is a test of the hypothesis "the Monte Carlo code is
/// correct" (unbiased, with honest reported variance). ``falseAlarmProbability`` is the
/// probability, under that hypothesis and the model stated in the check's documentation
/// (usually: replicate values are normal), that a correct estimator fails. It is small (10⁻³ by
/// default, 5.7 × 10⁻⁷ for a 5-standard-error consistency check), so with fixed seeds a failure
/// is reproducible and almost always a real bug. A suite of m checks fails spuriously with
/// probability at most the sum of their false-alarm probabilities (union bound).
///
/// Two kinds of problem are kept apart: invalid *arguments* of a check (an empty replication
/// list, a level outside (0, 1), a non-positive tolerance given to a throwing check) throw a
/// `MonteCarloError`; a non-finite or otherwise impossible *estimate* — the output of the code
/// under test — makes the check fail with a detail saying so.
public struct StatisticalCheck: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Short name of the check, e.g. `"consistency"` or `"coverage"`.
    public let name: String
    /// Whether the statistic fell inside the acceptance region.
    public let passed: Bool
    /// The test statistic (its meaning is given by each check, e.g. a z-score or a ratio).
    public let statistic: Double
    /// Lower end of the acceptance region for ``statistic`` (may be −∞).
    public let lowerBound: Double
    /// Upper end of the acceptance region for ``statistic`` (may be +∞).
    public let upperBound: Double
    /// The probability that a correct estimator fails this check, under the check's model
    /// (an upper bound where the check says so).
    public let falseAlarmProbability: Double
    /// A sentence that explains the outcome with numbers.
    public let detail: String

    /// Creates a check with an explicit outcome.
    public init(
        name: String, passed: Bool, statistic: Double, lowerBound: Double, upperBound: Double,
        falseAlarmProbability: Double, detail: String
    ) {
        self.name = name
        self.passed = passed
        self.statistic = statistic
        self.lowerBound = lowerBound
        self.upperBound = upperBound
        self.falseAlarmProbability = falseAlarmProbability
        self.detail = detail
    }

    /// Creates a check that passes iff `lowerBound ≤ statistic ≤ upperBound` (a NaN statistic fails).
    public init(
        name: String, statistic: Double, lowerBound: Double, upperBound: Double,
        falseAlarmProbability: Double, detail: String
    ) {
        self.init(
            name: name, passed: lowerBound <= statistic && statistic <= upperBound, statistic: statistic,
            lowerBound: lowerBound, upperBound: upperBound, falseAlarmProbability: falseAlarmProbability,
            detail: detail)
    }

    /// `PASS name: detail (false-alarm probability p)` or `FAIL …`.
    public var description: String {
        "\(passed ? "PASS" : "FAIL") \(name): \(detail) (false-alarm probability \(Format.probability(falseAlarmProbability)))"
    }
}

// MARK: - Formatting and argument checks shared by the checks

/// Number formatting for check details.
enum Format {
    /// Six significant digits: values and truths.
    static func value(_ x: Double) -> String { String(format: "%.6g", x) }
    /// Three significant digits: z-scores, ratios, bounds.
    static func short(_ x: Double) -> String { String(format: "%.3g", x) }
    /// Two significant digits: standard errors and probabilities.
    static func probability(_ x: Double) -> String { String(format: "%.2g", x) }
    /// Degrees of freedom: an integer when integral, else three significant digits.
    static func degreesOfFreedom(_ nu: Double) -> String {
        nu == nu.rounded() && abs(nu) < 1e15 ? String(format: "%.0f", nu) : short(nu)
    }
    /// A percentage with one decimal.
    static func percent(_ x: Double) -> String { String(format: "%.1f%%", 100 * x) }
}

/// Argument validation for the throwing checks.
enum Require {
    static func probability(_ value: Double, _ name: String) throws(MonteCarloError) {
        guard value > 0, value < 1 else {
            throw .invalidParameter(name: name, value: value, requirement: "in the open interval (0, 1)")
        }
    }

    static func level(_ level: Double) throws(MonteCarloError) {
        guard level > 0, level < 1 else { throw .invalidConfidenceLevel(level) }
    }

    static func finite(_ value: Double, _ name: String) throws(MonteCarloError) {
        guard value.isFinite else { throw .invalidParameter(name: name, value: value, requirement: "finite") }
    }

    static func positive(_ value: Double, _ name: String) throws(MonteCarloError) {
        guard value.isFinite, value > 0 else {
            throw .invalidParameter(name: name, value: value, requirement: "finite and positive")
        }
    }

    static func count(_ available: Int, atLeast needed: Int, _ reason: String) throws(MonteCarloError) {
        guard available >= needed else {
            throw .insufficientSamples(needed: needed, available: max(available, 0), reason: reason)
        }
    }
}
