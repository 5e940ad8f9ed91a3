import Foundation
import MonteCarlo

/// What `mcest summary` prints: the chains' shape and one ``ChainSummary`` per column, as a
/// table or as JSON estimate records.
struct SummaryReport {
    let files: [String]
    let chainCount: Int
    let drawsPerChain: Int
    let summaries: [ChainSummary]

    /// The `--json` output: an array of ``EstimateRecord``s, one per column (the mean ±
    /// MCSE, ``ChainSummary/estimate``), whose context holds `command` ("summary"), `column`,
    /// `files`, `chains`, `drawsPerChain` and `arviz`: the figures under the names of
    /// `arviz.summary` (`mean`, `mcse_mean`, `sd`, `ess_mean`, `ess_bulk`, `ess_tail`, `r_hat`).
    func json() throws -> String {
        var records: [EstimateRecord] = []
        for s in summaries {
            let arviz: EstimateRecord.ContextValue = [
                "mean": .number(s.mean), "mcse_mean": .number(s.meanStandardError), "sd": .number(s.standardDeviation),
                "ess_mean": .number(s.meanEffectiveSampleSize), "ess_bulk": .number(s.bulkEffectiveSampleSize),
                "ess_tail": .number(s.tailEffectiveSampleSize), "r_hat": .init(s.rHat),
            ]
            records.append(try EstimateRecord(s.estimate.requireFinite("the mean of \(s.name)"), context: [
                "command": "summary", "column": .string(s.name), "files": .init(files), "chains": .integer(chainCount),
                "drawsPerChain": .integer(drawsPerChain), "arviz": arviz,
            ]))
        }
        return try EstimateRecord.json(records)
    }

    func text() -> String {
        var lines = [
            "mcest summary: \(chainCount) chain\(chainCount == 1 ? "" : "s") × \(drawsPerChain) draws, "
                + "\(summaries.count) column\(summaries.count == 1 ? "" : "s")",
            "",
        ]
        var table = TextTable(columns: [
            .init("column"), .init("mean", alignment: .right), .init("± MCSE", alignment: .right), .init("SD", alignment: .right),
            .init("ESS bulk", alignment: .right), .init("ESS tail", alignment: .right), .init("R̂", alignment: .right),
        ])
        let decimals = summaries.map { NumberFormat.decimals(forStandardError: $0.meanStandardError) }
        let means = NumberFormat.decimalAligned(summaries.map(\.mean), decimals: decimals)
        for (i, s) in summaries.enumerated() {
            table.append([
                s.name, means[i], NumberFormat.standardError(s.meanStandardError),
                String(format: "%.4g", s.standardDeviation), NumberFormat.count(s.bulkEffectiveSampleSize),
                NumberFormat.count(s.tailEffectiveSampleSize), s.rHat.map { NumberFormat.fixed($0, decimals: 3) } ?? "n/a",
            ])
        }
        lines.append(table.rendered())
        lines.append("")
        lines.append("  mean ± MCSE (MCSE = SD / √ESS of the mean, split chains); ESS bulk and tail and rank-normalized split-R̂ as in ArviZ and Stan.")
        for s in summaries {
            for warning in s.warnings { lines.append("  warning: \(warning)") }
        }
        return lines.joined(separator: "\n")
    }
}
