import Foundation
import MonteCarlo

/// What `mcest estimate` (and `mcest merge` of its shards) prints.
///
/// JSON: one object with the fields of ``EstimateReport`` at the top level (`value`,
/// `variance`, `standardError`, `interval`, `degreesOfFreedom`, `sampleCount`,
/// `effectiveSampleSize`, `method` = the library's estimator name, `diagnostics`), plus
/// `command` ("estimate"), `problem`, `problemDescription`, `methodOption` (the `--method`
/// given), `seed`, `samples` (in the estimator's unit), `stopReason`, `truth` (`null` when
/// unknown), `standardizedError` ((value − truth)/SE) and, after a merge, `shards`.
struct EstimateRunReport: Encodable {
    let setup: EstimateSetup
    let seed: UInt64
    let estimate: EstimateReport
    let samples: Int
    let stopReason: String
    let truth: Double?
    let truthNote: String
    let shards: MergeSummary?

    init(setup: EstimateSetup, seed: UInt64, estimate: Estimate, samples: Int, stopReason: String,
         shards: MergeSummary?) throws(MonteCarloError) {
        self.setup = setup
        self.seed = seed
        self.estimate = try EstimateReport(estimate)
        self.samples = samples
        self.stopReason = stopReason
        (truth, truthNote) = setup.truth
        self.shards = shards
    }

    var standardizedError: Double? {
        guard let truth, estimate.standardError > 0 else { return nil }
        return (estimate.value - truth) / estimate.standardError
    }

    private enum CodingKeys: String, CodingKey {
        case command, problem, problemDescription, methodOption, seed, samples, stopReason, truth, standardizedError, shards
    }

    func encode(to encoder: any Encoder) throws {
        try estimate.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("estimate", forKey: .command)
        try container.encode(setup.problem.rawValue, forKey: .problem)
        try container.encode(setup.problemDescription, forKey: .problemDescription)
        try container.encode(setup.method.rawValue, forKey: .methodOption)
        try container.encode(seed, forKey: .seed)
        try container.encode(samples, forKey: .samples)
        try container.encode(stopReason, forKey: .stopReason)
        try container.encode(truth.flatMap(EstimateReport.finite), forKey: .truth)
        try container.encode(standardizedError.flatMap(EstimateReport.finite), forKey: .standardizedError)
        if let shards { try container.encode(shards, forKey: .shards) }
    }

    var text: String {
        let r = estimate
        let decimals = NumberFormat.decimals(forStandardError: r.standardError)
        let dof = r.degreesOfFreedom.map { "t, \(NumberFormat.count($0)) d.o.f." } ?? "normal"
        var lines = [
            "mcest estimate: \(setup.problemDescription), method \(setup.method.rawValue) (\(r.method)), seed \(seed)"
        ]
        if let shards { lines += shards.textLines }
        lines += [
            "",
            "  estimate  \(NumberFormat.fixed(r.value, decimals: decimals)) ± \(NumberFormat.standardError(r.standardError))"
                + "   95% CI [\(NumberFormat.fixed(r.interval.lower, decimals: decimals)), "
                + "\(NumberFormat.fixed(r.interval.upper, decimals: decimals))] (\(dof))",
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
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            Swift.print(String(decoding: try encoder.encode(self), as: UTF8.self))
        } else {
            Swift.print(text)
        }
    }
}
