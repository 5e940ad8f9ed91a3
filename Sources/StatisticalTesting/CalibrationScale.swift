import Foundation

/// How many replications calibration suites run: a fast subset by default, the full suite on
/// demand.
///
/// The environment variable `MONTECARLO_CALIBRATION` chooses: `full` (any case) selects
/// ``full``; anything else, or no variable, selects ``fast``. `make test-calibration` sets it.
///
/// ```swift
/// @Test(.tags(.calibration))
/// func plainMonteCarloCoverage() throws {
///     let replications = CalibrationScale.current.replications(fast: 200, full: 5_000)
///     let report = try CalibrationReport(replications: replications, seed: 1, truth: 0.5) { _, g in
///         try estimator.run(samples: 1_000, using: &g)
///     }
///     #expect(report.passed, "\(report)")
/// }
/// ```
///
/// **Statistical properties.** The scale changes only the number of replications R, not the
/// false-alarm probabilities: each check keeps its α at any R, while its power (the smallest
/// miscalibration it detects) grows like √R. A fast run detects gross errors (error bars off
/// by a factor of 1.5, biases of a standard error); the full run detects subtle ones.
public enum CalibrationScale: String, Sendable, Hashable, Codable, CaseIterable {
    /// The fast subset, run by default and in CI.
    case fast
    /// The full calibration suite, run on demand.
    case full

    /// The name of the environment variable that selects the scale.
    public static let environmentVariable = "MONTECARLO_CALIBRATION"

    /// The scale selected by this process's environment.
    public static var current: CalibrationScale {
        CalibrationScale(environment: ProcessInfo.processInfo.environment)
    }

    /// The scale selected by `environment`: ``full`` iff `MONTECARLO_CALIBRATION` is `full`
    /// (ignoring case and surrounding white space).
    public init(environment: [String: String]) {
        let setting = environment[Self.environmentVariable]?
            .trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        self = setting == "full" ? .full : .fast
    }

    /// Whether this is the full suite.
    public var isFull: Bool { self == .full }

    /// `fast` or `full` according to the scale: replication counts, sample sizes, anything.
    public func choose<Value>(fast: Value, full: Value) -> Value {
        self == .full ? full : fast
    }

    /// The number of replications for this scale.
    public func replications(fast: Int, full: Int) -> Int {
        choose(fast: fast, full: full)
    }
}
