import Foundation
import MonteCarlo

/// What `mcest summary` prints: the chains' shape and one ``ChainSummary`` per column, as a
/// table or as JSON.
struct SummaryReport {
    let files: [String]
    let chainCount: Int
    let drawsPerChain: Int
    let summaries: [ChainSummary]

    /// One column of the `--json` output; names as in `arviz.summary` (`mcse_mean`, `ess_bulk`,
    /// …); non-finite numbers (JSON has none) are `null`.
    struct Row: Encodable {
        let name: String
        let mean: Double?
        let mcse_mean: Double?
        let sd: Double?
        let ess_mean: Double?
        let ess_bulk: Double?
        let ess_tail: Double?
        let r_hat: Double?
        let warnings: [String]

        init(_ s: ChainSummary) {
            func finite(_ x: Double?) -> Double? { x.flatMap { $0.isFinite ? $0 : nil } }
            name = s.name
            mean = finite(s.mean)
            mcse_mean = finite(s.meanStandardError)
            sd = finite(s.standardDeviation)
            ess_mean = finite(s.meanEffectiveSampleSize)
            ess_bulk = finite(s.bulkEffectiveSampleSize)
            ess_tail = finite(s.tailEffectiveSampleSize)
            r_hat = finite(s.rHat)
            warnings = s.warnings
        }

        func encode(to encoder: Encoder) throws {
            // Explicit nulls, so every key is present.
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(mean, forKey: .mean)
            try container.encode(mcse_mean, forKey: .mcse_mean)
            try container.encode(sd, forKey: .sd)
            try container.encode(ess_mean, forKey: .ess_mean)
            try container.encode(ess_bulk, forKey: .ess_bulk)
            try container.encode(ess_tail, forKey: .ess_tail)
            try container.encode(r_hat, forKey: .r_hat)
            try container.encode(warnings, forKey: .warnings)
        }

        enum CodingKeys: String, CodingKey { case name, mean, mcse_mean, sd, ess_mean, ess_bulk, ess_tail, r_hat, warnings }
    }

    /// The JSON object: `files`, `chains`, `draws_per_chain`, `columns` (one ``Row`` each), keys sorted.
    struct Document: Encodable {
        let files: [String]
        let chains: Int
        let draws_per_chain: Int
        let columns: [Row]
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let document = Document(files: files, chains: chainCount, draws_per_chain: drawsPerChain, columns: summaries.map(Row.init))
        return String(decoding: try encoder.encode(document), as: UTF8.self)
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
