import Foundation
import MonteCarlo

/// The `--json` form of one `Estimate`, the same in every subcommand that reports one:
/// `value`, `variance` (of the estimator: the squared standard error), `standardError`,
/// `interval` {`lower`, `upper`, `level`} (95%), `degreesOfFreedom` (`null` for a normal
/// interval), `sampleCount` (integrand evaluations), `effectiveSampleSize`, `method` (the
/// library's estimator name) and `diagnostics` {`warnings`, `declaredBias`, `coefficients`,
/// `varianceReductionFactor`, `figures`}. Non-finite numbers are written as `null`.
struct EstimateReport: Encodable {
    struct Interval: Encodable {
        let lower: Double
        let upper: Double
        let level: Double
    }

    let value: Double
    let variance: Double
    let standardError: Double
    let interval: Interval
    let degreesOfFreedom: Double?
    let sampleCount: Int
    let effectiveSampleSize: Double
    /// The library's estimator name (``Diagnostics/method``).
    let method: String
    let diagnostics: Diagnostics

    init(_ estimate: Estimate) throws(MonteCarloError) {
        try estimate.requireFinite(estimate.diagnostics.method)
        let ci = try estimate.confidenceInterval(level: 0.95)
        value = estimate.value
        variance = estimate.variance
        standardError = estimate.standardError
        interval = Interval(lower: ci.lower, upper: ci.upper, level: ci.level)
        degreesOfFreedom = estimate.degreesOfFreedom
        sampleCount = estimate.sampleCount
        effectiveSampleSize = estimate.effectiveSampleSize
        method = estimate.diagnostics.method
        diagnostics = estimate.diagnostics
    }

    private enum CodingKeys: String, CodingKey {
        case value, variance, standardError, interval, degreesOfFreedom, sampleCount, effectiveSampleSize, method, diagnostics
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(EstimateReport.finite(value), forKey: .value)
        try container.encode(EstimateReport.finite(variance), forKey: .variance)
        try container.encode(EstimateReport.finite(standardError), forKey: .standardError)
        try container.encode(IntervalJSON(lower: interval.lower, upper: interval.upper, level: interval.level), forKey: .interval)
        try container.encode(degreesOfFreedom.flatMap(EstimateReport.finite), forKey: .degreesOfFreedom)
        try container.encode(sampleCount, forKey: .sampleCount)
        try container.encode(EstimateReport.finite(effectiveSampleSize), forKey: .effectiveSampleSize)
        try container.encode(method, forKey: .method)
        try container.encode(DiagnosticsJSON(diagnostics), forKey: .diagnostics)
    }

    /// `{"lower", "upper", "level"}`, non-finite bounds as `null`.
    struct IntervalJSON: Encodable {
        let lower: Double
        let upper: Double
        let level: Double

        private enum CodingKeys: String, CodingKey { case lower, upper, level }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(EstimateReport.finite(lower), forKey: .lower)
            try container.encode(EstimateReport.finite(upper), forKey: .upper)
            try container.encode(level, forKey: .level)
        }
    }

    /// `{"warnings", "declaredBias", "coefficients", "varianceReductionFactor", "figures"}`,
    /// non-finite numbers as `null` (figures: left out).
    struct DiagnosticsJSON: Encodable {
        let diagnostics: Diagnostics

        init(_ diagnostics: Diagnostics) { self.diagnostics = diagnostics }

        private enum CodingKeys: String, CodingKey {
            case warnings, declaredBias, coefficients, varianceReductionFactor, figures
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(diagnostics.warnings, forKey: .warnings)
            try container.encode(diagnostics.declaredBias, forKey: .declaredBias)
            try container.encode(diagnostics.coefficients.map { $0.isFinite ? $0 : nil }, forKey: .coefficients)
            try container.encode(diagnostics.varianceReductionFactor.flatMap(EstimateReport.finite), forKey: .varianceReductionFactor)
            try container.encode(diagnostics.figures.compactMapValues(EstimateReport.finite), forKey: .figures)
        }
    }

    static func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }
}
