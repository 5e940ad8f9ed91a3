import Foundation
import MonteCarlo

/// `mcest estimate --problem rare-event --method cem|plain [--threshold γ]`: P(Z > γ) for
/// Z ~ N(0, 1), by the cross-entropy method (Gaussian mean shift, `--samples` fresh final draws)
/// or by plain Monte Carlo (`--samples` draws).
///
/// JSON: one ``EstimateRecord`` whose `context` holds `command`, `problem`, `methodOption`,
/// `seed`, `threshold`, `truth` (Q(γ)), `stopReason`, `standardizedError`, `relativeStandardError`,
/// `plainDrawsForSameError` (the draws plain Monte Carlo needs for the same standard error,
/// p(1 − p)/SE², from the closed form) and, for cem, `proposalMean` and `levels`.
struct RareEventEstimate {
    let method: EstimateCommand.MethodName
    let threshold: Double
    let samples: Int
    let seed: UInt64
    /// Options given that a rare-event run cannot honour (sharding, a standard-error target).
    var unsupportedOptions: [String] = []

    /// Whether the options ask for a rare-event run.
    static func applies(problem: EstimateCommand.ProblemName, method: EstimateCommand.MethodName) -> Bool {
        problem == .rareEvent || method == .cem
    }

    func run(problem: EstimateCommand.ProblemName, json: Bool) throws {
        let (record, text) = try reportingFailures {
            try check(problem: problem)
            return try compute()
        }
        print(json ? try record.json() : text)
    }

    /// The option combinations a rare-event run accepts.
    func check(problem: EstimateCommand.ProblemName) throws {
        guard problem == .rareEvent else {
            throw CommandFailure("--method cem estimates a rare-event probability: use --problem rare-event.")
        }
        guard method == .cem || method == .plain else {
            throw CommandFailure("--problem rare-event runs with --method cem or plain.")
        }
        guard unsupportedOptions.isEmpty else {
            throw CommandFailure("--problem rare-event runs on one machine with a fixed --samples: "
                + "drop \(unsupportedOptions.joined(separator: ", ")).")
        }
    }

    func compute() throws -> (EstimateRecord, String) {
        let gamma = threshold
        let truth = 0.5 * erfc(gamma / 2.squareRoot())
        let driver = MonteCarloDriver(stoppingRule: .sampleCount(samples))
        var context: [String: EstimateRecord.ContextValue] = [
            "command": "estimate", "problem": "rare-event", "methodOption": .string(method.rawValue),
            "seed": .init(seed: seed), "threshold": .number(gamma), "truth": .number(truth),
            // A fixed --samples: the final run always stops at its sample count.
            "stopReason": .string(StopReason.reachedSampleCount.rawValue),
        ]
        var lines: [String] = []
        let estimate: Estimate
        if method == .cem {
            let cem = try CrossEntropyImportanceSampling(dimension: 1, threshold: gamma) { $0[0] }
            let result = try cem.run(driver: driver, seed: seed)
            estimate = result.estimate
            context["proposalMean"] = .number(result.fit.proposalMean[0])
            context["levels"] = .init(result.fit.levels)
            lines.append(String(format: "  proposal N(%.4f, 1) after %d cross-entropy iterations of %d draws (levels %@)",
                                result.fit.proposalMean[0], result.fit.iterations, cem.pilotSize,
                                result.fit.levels.map { String(format: "%.3f", $0) }.joined(separator: ", ")))
        } else {
            estimate = try driver.run(PlainMonteCarlo(sampler: NormalDistribution.standard,
                                                      integrand: Integrand { $0 > gamma ? 1 : 0 }), seed: seed).estimate
        }
        let z = estimate.standardError > 0 ? (estimate.value - truth) / estimate.standardError : nil
        let relative = estimate.standardError / truth
        // Plain Monte Carlo's standard error is √(p(1 − p)/n): the draws it needs for this SE.
        let plainDraws = estimate.standardError > 0 ? truth * (1 - truth) / (estimate.standardError * estimate.standardError) : nil
        context["standardizedError"] = .init(z)
        context["relativeStandardError"] = .number(relative)
        context["plainDrawsForSameError"] = .init(plainDraws)
        let record = try EstimateRecord(estimate.requireFinite(estimate.diagnostics.method), context: context)
        var text = [
            "mcest estimate: P(Z > \(String(format: "%g", gamma))), Z ~ N(0, 1), method \(method.rawValue), \(samples) draws, seed \(seed)",
            "",
            "  estimate  \(estimate)",
        ]
        text += lines
        text.append(String(format: "  truth Q(γ) = %.7g; relative standard error %.3g", truth, relative)
            + (z.map { String(format: "; (estimate − truth) / SE = %.2f", $0) } ?? ""))
        if let plainDraws {
            text.append(String(format: "  plain Monte Carlo needs p(1 − p)/SE² = %.3g draws for the same standard error "
                + "(%.3g× this run's)", plainDraws, plainDraws / Double(samples)))
        } else {
            text.append("  no draw hit the event: the standard error is 0 and says nothing (use --method cem).")
        }
        text += estimate.diagnostics.warnings.map { "  warning: \($0)" }
        return (record, text.joined(separator: "\n"))
    }
}
