import Foundation

/// A Monte Carlo estimate of an expectation together with the variance *of the estimator*.
///
/// `variance` is the squared standard error of ``value``: the variance of the estimator over
/// repetitions of the whole computation, **not** the per-draw variance of the integrand. Divide
/// nothing by n yourself; ``standardError`` is already `sqrt(variance)`.
///
/// ```swift
/// let estimate = try PlainMonteCarlo(sampler: UniformDistribution.unit, integrand: Integrand { exp($0) })
///     .run(samples: 10_000, seed: 7)
/// print(estimate)                                 // 1.7183 ± 0.0049 (n = 10000, ESS = 10000)
/// let interval = try estimate.confidenceInterval(level: 0.95)
/// ```
///
/// ``effectiveSampleSize`` is σ²_plain / `variance`, where σ²_plain is the per-draw variance of the
/// integrand under the target, estimated from the same draws: the number of independent plain
/// Monte Carlo draws that would give the same precision. ESS larger than ``sampleCount`` means
/// the variance reduction worked; ``Diagnostics/varianceReductionFactor`` is ESS / n.
///
/// An `Estimate` is a value, not a number: it is not `Comparable` and has no arithmetic.
public struct Estimate: Sendable, Codable, Hashable, CustomStringConvertible {
    /// The point estimate.
    public let value: Double
    /// The variance of the estimator (the squared standard error), not the per-draw variance.
    public let variance: Double
    /// The number of integrand evaluations the estimate used.
    public let sampleCount: Int
    /// σ²_plain / ``variance``: how many independent plain Monte Carlo draws would match it.
    public let effectiveSampleSize: Double
    /// Degrees of freedom for a Student-t interval, or `nil` for a normal interval.
    public let degreesOfFreedom: Double?
    /// Method, coefficients, variance-reduction factor, declared bias and warnings.
    public let diagnostics: Diagnostics

    /// Creates an estimate; estimators call this, users normally read estimates rather than make them.
    public init(
        value: Double, variance: Double, sampleCount: Int, effectiveSampleSize: Double,
        degreesOfFreedom: Double? = nil, diagnostics: Diagnostics
    ) {
        self.value = value
        self.variance = variance
        self.sampleCount = sampleCount
        self.effectiveSampleSize = effectiveSampleSize
        self.degreesOfFreedom = degreesOfFreedom
        self.diagnostics = diagnostics
    }

    /// σ²_plain / variance, the effective sample size, with the degenerate cases made explicit:
    /// a zero-variance estimator of a non-constant integrand has infinite ESS, and a constant
    /// integrand has ESS equal to the number of evaluations.
    public static func effectiveSampleSize(perDrawVariance: Double, estimatorVariance: Double, evaluations: Int) -> Double {
        if estimatorVariance > 0 { return perDrawVariance / estimatorVariance }
        return perDrawVariance > 0 ? .infinity : Double(evaluations)
    }

    /// The standard error of ``value``: `sqrt(variance)`.
    public var standardError: Double { variance.squareRoot() }

    /// A two-sided confidence interval for the expectation.
    ///
    /// Uses the Student-t quantile when ``degreesOfFreedom`` is known and the normal quantile
    /// otherwise. A declared bias (``Diagnostics/declaredBias``) is *not* added to the width.
    /// - Parameter level: coverage probability in (0, 1), 0.95 by default.
    /// - Throws: ``MonteCarloError/invalidConfidenceLevel(_:)`` for a level outside (0, 1).
    public func confidenceInterval(level: Double = 0.95) throws(MonteCarloError) -> ConfidenceInterval {
        guard level > 0, level < 1 else { throw .invalidConfidenceLevel(level) }
        let upperTail = 0.5 + level / 2
        let quantile: Double
        if let degreesOfFreedom {
            quantile = StudentTDistribution.standardQuantile(upperTail, degreesOfFreedom: degreesOfFreedom)
        } else {
            quantile = NormalDistribution.standardQuantile(upperTail)
        }
        let halfWidth = quantile * standardError
        return ConfidenceInterval(lower: value - halfWidth, upper: value + halfWidth, level: level)
    }

    /// `value ± standardError (n = …, ESS = …)`, with the value rounded to the precision of its error.
    public var description: String {
        "\(Estimate.format(value, standardError: standardError)) ± \(Estimate.formatError(standardError))"
            + " (n = \(sampleCount), ESS = \(Estimate.formatCount(effectiveSampleSize)))"
    }

    // MARK: - Formatting

    /// Formats `value` with as many decimals as two significant digits of `standardError` need.
    static func format(_ value: Double, standardError: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        guard standardError.isFinite, standardError > 0 else { return String(format: "%.6g", value) }
        let decimals = max(0, 1 - Int(floor(log10(standardError))))
        if decimals > 12 || abs(value) >= 1e9 { return String(format: "%.6g", value) }
        return String(format: "%.\(decimals)f", value)
    }

    static func formatError(_ standardError: Double) -> String {
        guard standardError.isFinite, standardError > 0 else { return "\(standardError)" }
        return String(format: "%.2g", standardError)
    }

    static func formatCount(_ count: Double) -> String {
        guard count.isFinite else { return "\(count)" }
        return count >= 1e7 ? String(format: "%.3g", count) : String(format: "%.0f", count)
    }
}

/// A two-sided confidence interval `[lower, upper]` at a stated coverage level.
public struct ConfidenceInterval: Sendable, Codable, Hashable, CustomStringConvertible {
    /// Lower end point.
    public let lower: Double
    /// Upper end point.
    public let upper: Double
    /// Nominal coverage probability.
    public let level: Double

    /// Creates an interval.
    public init(lower: Double, upper: Double, level: Double) {
        self.lower = lower
        self.upper = upper
        self.level = level
    }

    /// Whether `x` lies in the closed interval.
    public func contains(_ x: Double) -> Bool { lower <= x && x <= upper }

    /// The interval's width.
    public var width: Double { upper - lower }

    public var description: String {
        String(format: "[%.6g, %.6g] (%g%%)", lower, upper, level * 100)
    }
}
