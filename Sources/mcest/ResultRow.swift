import Foundation
import MonteCarlo

/// One estimator's result on one problem: a line of a table, or an ``EstimateRecord`` of the
/// `--json` array (``record``).
///
/// `standardError` is the standard error *of the estimate* (`Estimate.standardError`), never
/// the per-draw standard deviation. `varianceReductionFactor` is
/// ``Diagnostics/varianceReductionFactor`` = ESS / n: how many times fewer integrand evaluations
/// than plain Monte Carlo the method needs for the same error, both variances being estimated
/// from the same draws. `truth` is `nil` when the problem has no closed-form answer.
struct ResultRow: Sendable, Equatable {
    /// The problem's short name, e.g. `"E[exp(U)]"`.
    var problem: String
    /// The method's short name, e.g. `"antithetic"`.
    var method: String
    /// The library's name for the estimator (``Diagnostics/method``), e.g. `"control-variates-cross-fitted"`.
    var estimator: String
    /// The point estimate.
    var value: Double
    /// The standard error of the estimate.
    var standardError: Double
    /// The 95% confidence interval.
    var lower: Double
    var upper: Double
    /// Student-t degrees of freedom of the interval, `nil` for a normal interval.
    var degreesOfFreedom: Double?
    /// Integrand evaluations used (n).
    var samples: Int
    /// Effective sample size σ²_plain / variance.
    var ess: Double
    /// ESS / n.
    var varianceReductionFactor: Double?
    /// Wall time of the run in milliseconds.
    var milliseconds: Double
    /// The exact answer, when known.
    var truth: Double?
    /// Fitted coefficients (control-variate β), empty for methods without any.
    var coefficients: [Double] = []
    /// When there is no truth: an independent, more precise estimate to compare with.
    var reference: Double? = nil
    /// The standard error of ``reference``.
    var referenceStandardError: Double? = nil
    /// When there is no truth but a known bound on the estimand: its upper bound (IWAE_K ≤ log p(x)).
    var upperBound: Double? = nil
    /// The estimator's variance (the squared standard error).
    var variance: Double = .nan
    /// The estimate's diagnostics.
    var diagnostics = Diagnostics(method: "")

    /// (estimate − truth) / standard error when the truth is known, otherwise
    /// (estimate − reference) / √(SE² + SE_ref²) when there is an independent reference.
    var standardizedError: Double? {
        if let truth { return (value - truth) / standardError }
        if let reference, let referenceStandardError {
            return (value - reference) / (standardError * standardError + referenceStandardError * referenceStandardError).squareRoot()
        }
        return nil
    }

    /// Runs `body`, timing it, and makes the row from its estimate.
    static func measure(
        problem: String, method: String, truth: Double?,
        _ body: () throws(MonteCarloError) -> Estimate
    ) throws(MonteCarloError) -> ResultRow {
        let clock = ContinuousClock()
        let start = clock.now
        let estimate = try body()
        let elapsed = clock.now - start
        let interval = try estimate.confidenceInterval(level: 0.95)
        let (seconds, attoseconds) = elapsed.components
        return ResultRow(
            problem: problem, method: method, estimator: estimate.diagnostics.method,
            value: estimate.value, standardError: estimate.standardError,
            lower: interval.lower, upper: interval.upper, degreesOfFreedom: estimate.degreesOfFreedom,
            samples: estimate.sampleCount, ess: estimate.effectiveSampleSize,
            varianceReductionFactor: estimate.diagnostics.varianceReductionFactor,
            milliseconds: Double(seconds) * 1e3 + Double(attoseconds) / 1e15,
            truth: truth, coefficients: estimate.diagnostics.coefficients,
            variance: estimate.variance, diagnostics: estimate.diagnostics)
    }

    // MARK: - JSON

    /// The row as an estimate record whose context holds `command` ("demo"), `section`,
    /// `problem`, `methodOption` (the row's short method name), `truth`, `reference`,
    /// `referenceStandardError`, `upperBound`, `standardizedError` and `milliseconds` (`null` when not applicable).
    func record(section: String) throws(MonteCarloError) -> EstimateRecord {
        let estimate = Estimate(value: value, variance: variance, sampleCount: samples, effectiveSampleSize: ess,
                                degreesOfFreedom: degreesOfFreedom, diagnostics: diagnostics)
        return try EstimateRecord(estimate, context: [
            "command": "demo", "section": .string(section), "problem": .string(problem), "methodOption": .string(method),
            "truth": .init(truth), "reference": .init(reference), "referenceStandardError": .init(referenceStandardError),
            "upperBound": .init(upperBound), "standardizedError": .init(standardizedError), "milliseconds": .number(milliseconds),
        ])
    }
}
