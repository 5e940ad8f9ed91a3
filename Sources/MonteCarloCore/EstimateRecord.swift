import Foundation

/// An ``Estimate`` as a JSON object: the one schema of every `mcest --json` output and every
/// example's `--json`.
///
/// The schema is committed as `Schemas/estimate.schema.json` and described in the README. An
/// output is one record, or a JSON array of records when a command estimates several quantities.
///
/// ```swift
/// let record = try EstimateRecord(estimate, context: ["problem": "E[exp(U)]", "truth": .number(M_E - 1)])
/// print(try record.json())
/// ```
///
/// The keys: `value`, `variance` (of the estimator: the squared standard error, never the
/// per-draw variance), `standardError`, `confidenceInterval` {`lower`, `upper`, `level`,
/// `degreesOfFreedom` (`null` for a normal interval)}, `sampleCount` (integrand evaluations),
/// `effectiveSampleSize` (σ²_plain / variance), `method` (the library's estimator name,
/// ``Diagnostics/method``), `diagnostics` {`warnings`, `declaredBias`, `coefficients`,
/// `varianceReductionFactor`, `figures`} and `context`: the single place for what the command or
/// example adds (its inputs, a known `truth`, a `label`, …). Every key is always present; JSON
/// has no NaN or ∞, so non-finite numbers are written as `null`.
public struct EstimateRecord: Sendable, Hashable, Encodable {
    /// The confidence interval and the degrees of freedom of its Student-t quantile.
    public struct Interval: Sendable, Hashable, Encodable {
        /// Lower end point.
        public var lower: Double
        /// Upper end point.
        public var upper: Double
        /// Nominal coverage probability.
        public var level: Double
        /// Student-t degrees of freedom, `nil` for a normal interval.
        public var degreesOfFreedom: Double?

        private enum CodingKeys: String, CodingKey { case lower, upper, level, degreesOfFreedom }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(ContextValue(lower), forKey: .lower)
            try container.encode(ContextValue(upper), forKey: .upper)
            try container.encode(level, forKey: .level)
            try container.encode(ContextValue(degreesOfFreedom), forKey: .degreesOfFreedom)
        }
    }

    /// A JSON value of the `context` object.
    public indirect enum ContextValue: Sendable, Hashable, Encodable, ExpressibleByStringLiteral,
        ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral,
        ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
    {
        case string(String)
        /// A number; non-finite numbers are written as `null`.
        case number(Double)
        case integer(Int)
        case bool(Bool)
        case array([ContextValue])
        case object([String: ContextValue])
        case null

        /// `null` for `nil`.
        public init(_ value: Double?) { self = value.map(ContextValue.number) ?? .null }
        /// `null` for `nil`.
        public init(_ value: Int?) { self = value.map(ContextValue.integer) ?? .null }
        /// `null` for `nil`.
        public init(_ value: String?) { self = value.map(ContextValue.string) ?? .null }
        /// An array of strings.
        public init(_ values: [String]) { self = .array(values.map(ContextValue.string)) }
        /// An array of numbers.
        public init(_ values: [Double]) { self = .array(values.map(ContextValue.number)) }
        /// An array of integers.
        public init(_ values: [Int]) { self = .array(values.map(ContextValue.integer)) }
        /// A seed (as a JSON number: exact below 2⁵³, as JSON readers parse it as a double).
        public init(seed: UInt64) { self = .integer(Int(truncatingIfNeeded: seed)) }

        public init(stringLiteral value: String) { self = .string(value) }
        public init(integerLiteral value: Int) { self = .integer(value) }
        public init(floatLiteral value: Double) { self = .number(value) }
        public init(booleanLiteral value: Bool) { self = .bool(value) }
        public init(arrayLiteral elements: ContextValue...) { self = .array(elements) }
        public init(dictionaryLiteral elements: (String, ContextValue)...) {
            self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
        }
        public init(nilLiteral: ()) { self = .null }

        private struct MemberKey: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        public func encode(to encoder: any Encoder) throws {
            switch self {
            case .object(let members):
                var container = encoder.container(keyedBy: MemberKey.self)
                for (key, value) in members { try container.encode(value, forKey: MemberKey(stringValue: key)) }
            case .array(let elements):
                var container = encoder.unkeyedContainer()
                for element in elements { try container.encode(element) }
            default:
                var container = encoder.singleValueContainer()
                switch self {
                case .string(let s): try container.encode(s)
                case .number(let x): if x.isFinite { try container.encode(x) } else { try container.encodeNil() }
                case .integer(let i): try container.encode(i)
                case .bool(let b): try container.encode(b)
                default: try container.encodeNil()
                }
            }
        }
    }

    /// The point estimate.
    public var value: Double
    /// The variance of the estimator (the squared standard error).
    public var variance: Double
    /// The standard error of ``value``.
    public var standardError: Double
    /// The confidence interval (95% unless asked otherwise).
    public var confidenceInterval: Interval
    /// Integrand evaluations used.
    public var sampleCount: Int
    /// σ²_plain / variance on the same draws.
    public var effectiveSampleSize: Double
    /// The library's estimator name (``Diagnostics/method``).
    public var method: String
    /// Coefficients, variance-reduction factor, declared bias, figures and warnings.
    public var diagnostics: Diagnostics
    /// What the command or example adds: its inputs, a known truth, a label.
    public var context: [String: ContextValue]

    /// The record of `estimate` with its confidence interval at `level`.
    ///
    /// - Throws: ``MonteCarloError/invalidArgument(_:)`` when `level` is not in (0, 1).
    public init(_ estimate: Estimate, level: Double = 0.95, context: [String: ContextValue] = [:]) throws(MonteCarloError) {
        let interval = try estimate.confidenceInterval(level: level)
        value = estimate.value
        variance = estimate.variance
        standardError = estimate.standardError
        confidenceInterval = Interval(lower: interval.lower, upper: interval.upper, level: interval.level,
                                      degreesOfFreedom: estimate.degreesOfFreedom)
        sampleCount = estimate.sampleCount
        effectiveSampleSize = estimate.effectiveSampleSize
        method = estimate.diagnostics.method
        diagnostics = estimate.diagnostics
        self.context = context
    }

    // MARK: - JSON

    private enum CodingKeys: String, CodingKey {
        case value, variance, standardError, confidenceInterval, sampleCount, effectiveSampleSize, method, diagnostics, context
        case warnings, declaredBias, coefficients, varianceReductionFactor, figures
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(ContextValue(value), forKey: .value)
        try container.encode(ContextValue(variance), forKey: .variance)
        try container.encode(ContextValue(standardError), forKey: .standardError)
        try container.encode(confidenceInterval, forKey: .confidenceInterval)
        try container.encode(sampleCount, forKey: .sampleCount)
        try container.encode(ContextValue(effectiveSampleSize), forKey: .effectiveSampleSize)
        try container.encode(method, forKey: .method)
        var d = container.nestedContainer(keyedBy: CodingKeys.self, forKey: .diagnostics)
        try d.encode(diagnostics.warnings, forKey: .warnings)
        try d.encode(ContextValue(diagnostics.declaredBias), forKey: .declaredBias)
        try d.encode(ContextValue(diagnostics.coefficients), forKey: .coefficients)
        try d.encode(ContextValue(diagnostics.varianceReductionFactor), forKey: .varianceReductionFactor)
        try d.encode(ContextValue.object(diagnostics.figures.mapValues(ContextValue.number)), forKey: .figures)
        try container.encode(ContextValue.object(context), forKey: .context)
    }

    /// This record as pretty-printed JSON with sorted keys.
    public func json() throws -> String { try Self.encoded(self) }

    /// `records` as a pretty-printed JSON array with sorted keys.
    public static func json(_ records: [EstimateRecord]) throws -> String { try encoded(records) }

    private static func encoded(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
