import Foundation
import MonteCarloCore

/// One line of an example's results: an estimate with its error bar, and the exact value when
/// the problem has one.
///
/// Examples print these as a table, or with `--json` as a JSON array of ``EstimateRecord``s (the
/// schema of `mcest --json`, `Schemas/estimate.schema.json`) whose context holds `example` (the
/// program's name), `label` and `truth` (`null` when unknown); the example tests read the JSON and
/// check every estimate that has a `truth` against it (within 5 standard errors).
public struct ExampleResult: Sendable {
    /// What was estimated, and how.
    public var label: String
    /// The estimate.
    public var value: Double
    /// Its standard error.
    public var standardError: Double
    /// The 95% confidence interval.
    public var lower: Double
    /// The 95% confidence interval.
    public var upper: Double
    /// Integrand evaluations (or draws) used.
    public var sampleCount: Int
    /// Effective sample size reported by the estimator.
    public var effectiveSampleSize: Double
    /// The exact value, when known.
    public var truth: Double?
    /// The estimator's warnings.
    public var warnings: [String]
    /// The estimate as a JSON record (context filled in when printed); `nil` when its interval failed.
    public var record: EstimateRecord?

    /// Wraps an estimate.
    public init(_ label: String, _ estimate: Estimate, truth: Double? = nil) {
        self.label = label
        value = estimate.value
        standardError = estimate.standardError
        let interval = try? estimate.confidenceInterval()
        lower = interval?.lower ?? .nan
        upper = interval?.upper ?? .nan
        sampleCount = estimate.sampleCount
        effectiveSampleSize = estimate.effectiveSampleSize
        self.truth = truth
        warnings = estimate.diagnostics.warnings
        record = try? EstimateRecord(estimate)
    }

    /// Prints `results` as a JSON array (when `json`) or as an aligned table with the truth and
    /// the error in standard errors where the truth is known.
    public static func print(_ results: [ExampleResult], json: Bool) {
        if json {
            let program = URL(fileURLWithPath: CommandLine.arguments.first ?? "").lastPathComponent
            let records = results.compactMap { result -> EstimateRecord? in
                guard var record = result.record else { return nil }
                record.context = ["example": .string(program), "label": .string(result.label), "truth": .init(result.truth)]
                return record
            }
            Swift.print((try? EstimateRecord.json(records)) ?? "[]")
            return
        }
        let header = ["", "estimate ± SE", "95% interval", "ESS", "truth", "z"]
        let rows = results.map { result -> [String] in
            let z = result.truth.map { (result.value - $0) / result.standardError }
            return [result.label, Fmt.plusMinus(result.value, result.standardError),
                    "[\(Fmt.matching(result.lower, error: result.standardError)), \(Fmt.matching(result.upper, error: result.standardError))]",
                    Fmt.short(result.effectiveSampleSize),
                    result.truth.map { Fmt.short($0) } ?? "", z.map { Fmt.signed($0, 1) } ?? ""]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        for (index, row) in ([header] + rows).enumerated() {
            Swift.print("  " + row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                .joined(separator: "   "))
            if index == 0 { Swift.print("  " + widths.map { String(repeating: "-", count: $0) }.joined(separator: "   ")) }
        }
        for result in results where !result.warnings.isEmpty {
            Swift.print("  note (\(result.label)): " + result.warnings.joined(separator: " "))
        }
    }
}

/// Runs an example's body; on an error, prints "`program`: error: …" on standard error and
/// exits with status 2 (bad input or a failed estimate, as `mcest` does).
public func exitingOnError(_ program: String, _ body: () throws -> Void) {
    do {
        try body()
    } catch {
        FileHandle.standardError.write(Data("\(program): error: \(error)\n".utf8))
        exit(2)
    }
}
