import Foundation
import MonteCarlo

/// What `mcest estimate` (and `mcest merge` of its shards) prints.
///
/// JSON: one ``EstimateRecord`` whose `context` holds `command` ("estimate"), `problem`,
/// `problemDescription`, `methodOption` (the `--method` given), `seed`, `samples` (in the
/// estimator's unit), `stopReason`, `truth` (`null` when unknown), `standardizedError`
/// ((value − truth)/SE) and, after a merge, `shards` (``MergeSummary``).
struct EstimateRunReport {
    let setup: EstimateSetup
    let seed: UInt64
    let estimate: EstimateRecord
    let samples: Int
    let stopReason: String
    let truth: Double?
    let truthNote: String
    let shards: MergeSummary?

    init(setup: EstimateSetup, seed: UInt64, estimate: Estimate, samples: Int, stopReason: String,
         shards: MergeSummary?) throws(MonteCarloError) {
        self.setup = setup
        self.seed = seed
        self.samples = samples
        self.stopReason = stopReason
        (truth, truthNote) = setup.truth
        self.shards = shards
        let standardizedError = truth.flatMap { estimate.standardError > 0 ? (estimate.value - $0) / estimate.standardError : nil }
        var context: [String: EstimateRecord.ContextValue] = [
            "command": "estimate", "problem": .string(setup.problem.rawValue),
            "problemDescription": .string(setup.problemDescription), "methodOption": .string(setup.method.rawValue),
            "seed": .init(seed: seed), "samples": .integer(samples), "stopReason": .string(stopReason),
            "truth": .init(truth), "standardizedError": .init(standardizedError),
        ]
        if let shards { context["shards"] = shards.contextValue }
        self.estimate = try EstimateRecord(estimate.requireFinite(estimate.diagnostics.method), context: context)
    }

    var standardizedError: Double? {
        guard let truth, estimate.standardError > 0 else { return nil }
        return (estimate.value - truth) / estimate.standardError
    }

    var text: String {
        let r = estimate
        let decimals = NumberFormat.decimals(forStandardError: r.standardError)
        let dof = r.confidenceInterval.degreesOfFreedom.map { "t, \(NumberFormat.count($0)) d.o.f." } ?? "normal"
        var lines = [
            "mcest estimate: \(setup.problemDescription), method \(setup.method.rawValue) (\(r.method)), seed \(seed)"
        ]
        if let shards { lines += shards.textLines }
        lines += [
            "",
            "  estimate  \(NumberFormat.fixed(r.value, decimals: decimals)) ± \(NumberFormat.standardError(r.standardError))"
                + "   95% CI [\(NumberFormat.fixed(r.confidenceInterval.lower, decimals: decimals)), "
                + "\(NumberFormat.fixed(r.confidenceInterval.upper, decimals: decimals))] (\(dof))",
            "  n = \(r.sampleCount) evaluations (\(samples) \(setup.unitName)), ESS \(NumberFormat.count(r.effectiveSampleSize))"
                + (r.diagnostics.varianceReductionFactor.map { ", variance reduction vs plain (ESS / n) \(NumberFormat.factor($0))" } ?? ""),
            "  stopped: \(stopReason)",
        ]
        if let truth, let z = standardizedError {
            lines.append("  \(truthNote) = \(truth); (estimate − truth) / SE = \(String(format: "%.2f", z))")
        } else {
            lines.append("  \(truthNote)")
        }
        if let bias = r.diagnostics.declaredBias { lines.append("  declared bias: \(bias)") }
        lines += r.diagnostics.warnings.map { "  warning: \($0)" }
        return lines.joined(separator: "\n")
    }

    func print(json: Bool) throws {
        if json {
            Swift.print(try estimate.json())
        } else {
            Swift.print(text)
        }
    }
}
