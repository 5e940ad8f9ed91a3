import Foundation
import MonteCarloCore

/// A summary of how honest an estimator's error bars are over independent replications:
/// coverage, the ratio of empirical to reported variance, and the mean bias in standard errors.
///
/// One report is one row of a calibration table; its ``checks`` make it a regression test.
///
/// ```swift
/// let report = try CalibrationReport(replications: 400, seed: 9, truth: exp(1) - 1) {
///     (_, generator: inout Xoshiro256PlusPlus) throws(MonteCarloError) -> Estimate in
///     try estimator.run(samples: 1_000, seed: generator.next())
/// }
/// #expect(report.passed, "\(report)")
/// print(CalibrationReport.markdownHeader)
/// print(report.markdownRow(label: "plain, n = 1000"))
/// ```
///
/// **Statistical properties.** From R replications with values x_r, reported variances v_r,
/// their mean v̄, the mean x̄ and the empirical variance s² of the values:
/// - ``coverage``: the fraction of `level` intervals containing the truth, tested against
///   Binomial(R, level) (``StatisticalCheck/coverage(of:containing:level:falseAlarmProbability:)``);
/// - ``varianceRatio`` = s²/v̄, tested against χ²_{R−1}/(R − 1)
///   (``StatisticalCheck/varianceCalibration(of:falseAlarmProbability:)``); about 1 for honest
///   error bars, 4 when they are half as wide as they should be;
/// - ``meanBiasInStandardErrors`` = (x̄ − truth)/√v̄, the bias as a fraction of one
///   replication's reported standard error (its own standard error is about √(s²/v̄)/√R), tested
///   by a t-test on the values (``StatisticalCheck/meanBias(of:truth:falseAlarmProbability:)``);
/// - ``rootMeanSquareZ`` = (Σ z_r²/R)^{1/2} with z_r = (x_r − truth)/√v_r, about 1 for honest
///   error bars (descriptive only).
///
/// Each of the three checks has false-alarm probability α, so the report fails spuriously with
/// probability at most 3α (union bound; 3 × 10⁻³ by default).
public struct CalibrationReport: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The number of replications R.
    public let replications: Int
    /// The exact value the replications estimate.
    public let truth: Double
    /// The confidence level of the coverage check.
    public let level: Double
    /// The mean x̄ of the replications' values.
    public let meanValue: Double
    /// The empirical variance s² of the values (R − 1 denominator).
    public let empiricalVariance: Double
    /// The mean v̄ of the reported variances.
    public let meanReportedVariance: Double
    /// The fraction of intervals that contain the truth.
    public let observedCoverage: Double
    /// s²/v̄: 1 for honest error bars.
    public let varianceRatio: Double
    /// (x̄ − truth)/√v̄: the bias in units of one replication's reported standard error.
    public let meanBiasInStandardErrors: Double
    /// The root mean square of the standardized errors (x_r − truth)/SE_r: about 1 when honest.
    public let rootMeanSquareZ: Double
    /// The coverage check.
    public let coverage: StatisticalCheck
    /// The reported-versus-empirical variance check.
    public let varianceCalibration: StatisticalCheck
    /// The t-test of the mean against the truth.
    public let meanBias: StatisticalCheck

    /// Summarizes `estimates` of `truth`.
    /// - Parameters:
    ///   - estimates: R ≥ 2 estimates from independent replications.
    ///   - truth: The exact value of the expectation.
    ///   - level: The confidence level of the coverage check, in (0, 1); 0.95 by default.
    ///   - alpha: The false-alarm probability of each of the three checks; 10⁻³ by default.
    /// - Throws: `MonteCarloError/insufficientSamples(needed:available:reason:)` for fewer than
    ///   two estimates, `MonteCarloError/invalidConfidenceLevel(_:)` for a level outside (0, 1),
    ///   `MonteCarloError/invalidParameter(name:value:requirement:)` for a non-finite truth or α
    ///   outside (0, 1).
    public init(
        estimates: [Estimate], truth: Double, level: Double = 0.95, falseAlarmProbability alpha: Double = 1e-3
    ) throws(MonteCarloError) {
        try Require.count(estimates.count, atLeast: 2, "for a calibration report")
        coverage = try .coverage(of: estimates, containing: truth, level: level, falseAlarmProbability: alpha)
        varianceCalibration = try .varianceCalibration(of: estimates, falseAlarmProbability: alpha)
        meanBias = try .meanBias(of: estimates, truth: truth, falseAlarmProbability: alpha)

        var values = RunningMoments()
        var reported = RunningMoments()
        var squaredZ = 0.0
        for estimate in estimates {
            values.add(estimate.value)
            reported.add(estimate.variance)
            let z = (estimate.value - truth) / estimate.standardError
            squaredZ += z * z
        }
        self.replications = estimates.count
        self.truth = truth
        self.level = level
        meanValue = values.mean
        empiricalVariance = values.sampleVariance
        meanReportedVariance = reported.mean
        observedCoverage = coverage.statistic
        varianceRatio = varianceCalibration.statistic
        meanBiasInStandardErrors = (values.mean - truth) / reported.mean.squareRoot()
        rootMeanSquareZ = (squaredZ / Double(estimates.count)).squareRoot()
    }

    /// Runs `count` replications with ``replicate(_:seed:_:)`` and summarizes them.
    ///
    /// Arguments are validated before any replication runs.
    /// - Throws: The errors of ``init(estimates:truth:level:falseAlarmProbability:)``, and any
    ///   error `body` throws.
    public init(
        replications count: Int, seed: UInt64, truth: Double, level: Double = 0.95,
        falseAlarmProbability alpha: Double = 1e-3,
        _ body: (_ replication: Int, _ generator: inout Xoshiro256PlusPlus) throws(MonteCarloError) -> Estimate
    ) throws(MonteCarloError) {
        try Require.count(count, atLeast: 2, "for a calibration report")
        try StatisticalCheck.validateCoverageArguments(replications: count, truth: truth, level: level, alpha: alpha)
        let estimates = try replicate(count, seed: seed, body)
        try self.init(estimates: estimates, truth: truth, level: level, falseAlarmProbability: alpha)
    }

    /// The three checks: coverage, variance calibration, mean bias.
    public var checks: [StatisticalCheck] { [coverage, varianceCalibration, meanBias] }

    /// Whether all three checks passed.
    public var passed: Bool { checks.allSatisfy(\.passed) }

    /// A summary line followed by one line per check.
    public var description: String {
        let summary = "calibration over \(replications) replications of truth \(Format.value(truth)): "
            + "coverage \(Format.percent(observedCoverage)) (nominal \(Format.percent(level))), "
            + "variance ratio \(Format.short(varianceRatio)), mean bias \(Format.short(meanBiasInStandardErrors)) SE, "
            + "RMS z \(Format.short(rootMeanSquareZ)) — \(passed ? "PASS" : "FAIL")"
        return ([summary] + checks.map { "  \($0)" }).joined(separator: "\n")
    }

    /// The header of a Markdown calibration table whose rows are ``markdownRow(label:verdict:)``.
    public static let markdownHeader = """
        | estimator | R | coverage | accepted | variance ratio | accepted | bias (SE) | RMS z | result |
        | --- | ---: | ---: | --- | ---: | --- | ---: | ---: | --- |
        """

    /// One row of a Markdown calibration table, under ``markdownHeader``.
    ///
    /// - Parameters:
    ///   - label: The first cell, naming the estimator and setting.
    ///   - verdict: The last cell; by default "pass" or "FAIL" from ``passed`` (all checks
    ///     two-sided). A test that judges by another rule — e.g. a deliberately conservative
    ///     error bar held only to the variance ratio's upper bound — states its own verdict.
    public func markdownRow(label: String, verdict: String? = nil) -> String {
        let cells = [
            label, "\(replications)",
            Format.percent(observedCoverage),
            "\(Format.percent(coverage.lowerBound))–\(Format.percent(coverage.upperBound))",
            Format.short(varianceRatio),
            "\(Format.short(varianceCalibration.lowerBound))–\(Format.short(varianceCalibration.upperBound))",
            String(format: "%+.3f", meanBiasInStandardErrors),
            Format.short(rootMeanSquareZ),
            verdict ?? (passed ? "pass" : "FAIL"),
        ]
        return "| " + cells.joined(separator: " | ") + " |"
    }
}
