import ArgumentParser
import Foundation
import MonteCarlo

/// `mcest summary`: convergence diagnostics and error bars of Markov chain output, the way
/// `arviz.summary` reports them: per column mean ± MCSE, SD, bulk and tail ESS, and R̂.
struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Summarize Markov chains: mean ± MCSE, SD, bulk and tail ESS and R̂ per column, as arviz.summary does.",
        discussion: """
            Input: one file per chain (CmdStan output CSV, plain CSV or a 2-D .npy array, draws × \
            columns), or 3-D .npy arrays (chains × draws × columns). In CSV files, lines starting \
            with # are skipped, and the sampler columns whose names end in __ (lp__, \
            accept_stat__, stepsize__, treedepth__, n_leapfrog__, divergent__, energy__) are left \
            out unless --include-sampler-columns; when the comments say save_warmup = 1, the \
            warmup draws are dropped. Every chain needs the same columns and the same number of \
            draws (at least 4).

            Output per column (the conventions of Vehtari, Gelman, Simpson, Carpenter & Bürkner \
            2021, as in ArviZ and Stan): the mean of all draws ± its Monte Carlo standard error \
            (sd / √ESS, ESS of the mean on split chains), the standard deviation of the draws, \
            the bulk ESS (rank-normalized split chains), the tail ESS (5% and 95% quantile \
            indicators) and the rank-normalized split-R̂ (the larger of the bulk and folded \
            versions; needs 2 chains). Warnings: R̂ > 1.01 (the chains have not mixed and the \
            error bar cannot be trusted) and bulk or tail ESS below 100 per chain.

            Bad files (unreadable, a ragged row or a missing column, a field that is not a \
            number, NaN, chains of different lengths): message naming the file and the line on \
            standard error, exit code 2.
            """)

    @Argument(help: "Chain files: one per chain (CSV or 2-D .npy), or 3-D .npy arrays (chains × draws × columns).")
    var files: [String]

    @Option(help: "Columns to summarize: names, base names of vectors (beta selects beta.1, beta.2, …) or 0-based indices, comma-separated (default: all).")
    var columns: String?

    @Flag(help: "Keep the sampler columns (names ending in __, such as lp__ and accept_stat__).")
    var includeSamplerColumns = false

    @Flag(help: "Print a JSON object instead of a table.")
    var json = false

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("Give at least one chain file.") }
    }

    func run() throws {
        let report = try reportingLibraryErrors { () throws(MonteCarloError) -> SummaryReport in try summarize() }
        print(json ? try report.json() : report.text())
    }

    /// Reads the chains and summarizes the chosen columns: one library call per column.
    func summarize() throws(MonteCarloError) -> SummaryReport {
        let draws = try MultiChainDraws.read(paths: files, includeSamplerColumns: includeSamplerColumns)
        let picked = try columns.map { spec throws(MonteCarloError) in
            try draws.columnIndices(spec.split(separator: ",").map(String.init), option: "--columns")
        } ?? Array(0..<draws.columnCount)
        var summaries: [ChainSummary] = []
        for j in picked {
            do {
                summaries.append(try ChainSummary(name: draws.columnNames[j], chains: draws.chains(column: j)))
            } catch {
                throw .invalidArgument("Column \"\(draws.columnNames[j])\": \(error.description)")
            }
        }
        return SummaryReport(files: files, chainCount: draws.chainCount, drawsPerChain: draws.drawsPerChain, summaries: summaries)
    }
}
