import Foundation

extension DataMatrixFile {
    /// Parses the output CSV of CmdStan (one chain): comment lines starting with `#` are skipped
    /// wherever they are (configuration, adaptation, timing), the header names the columns
    /// (vector and matrix elements as `beta.1`, `beta.2`, `Sigma.1.2`), sampler diagnostics
    /// (names ending in `__`: `lp__`, `accept_stat__`, `stepsize__`, `treedepth__`,
    /// `n_leapfrog__`, `divergent__`, `energy__`) are dropped unless `includeSamplerColumns`.
    ///
    /// ```swift
    /// let chain = try DataMatrixFile.parseCmdStanCSV(text, source: "output_1.csv")
    /// chain.columnNames   // ["mu", "tau", "theta.1", …]
    /// ```
    ///
    /// When the configuration comments say `save_warmup = 1` (or `true`), the first
    /// ⌈num_warmup / thin⌉ draws are warmup and are dropped. A plain CSV (no comments, no
    /// sampler columns; a header row or none) reads as ``parseCSV(_:source:)`` reads it.
    ///
    /// - Parameters:
    ///   - text: the file's contents.
    ///   - source: the file's name, for error messages.
    ///   - includeSamplerColumns: keep the `…__` columns.
    /// - Throws: `MonteCarloError/invalidArgument(_:)` naming `source` and the line for a row
    ///   with the wrong number of fields (a missing or extra column), a field that is not a
    ///   number, NaN or an infinite value, or a file without draws.
    /// - Complexity: O(size of the text).
    public static func parseCmdStanCSV(
        _ text: String, source: String, includeSamplerColumns: Bool = false
    ) throws(MonteCarloError) -> DataMatrixFile {
        try parseCmdStanCSVWithHeaderLine(text, source: source, includeSamplerColumns: includeSamplerColumns).file
    }

    /// As ``parseCmdStanCSV(_:source:includeSamplerColumns:)``, also returning the header's
    /// line number (1-based; `nil` without a header) for later error messages.
    static func parseCmdStanCSVWithHeaderLine(
        _ text: String, source: String, includeSamplerColumns: Bool
    ) throws(MonteCarloError) -> (file: DataMatrixFile, headerLine: Int?) {
        var configuration: [String: String] = [:]
        let parsed = try parseCSVRows(text, source: source) { body in
            // "#     num_warmup = 1000 (Default)"
            let parts = body.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { return }
            let key = parts[0].trimmingCharacters(in: .whitespaces)
            let value = parts[1].split(separator: " ", omittingEmptySubsequences: true).first.map(String.init) ?? ""
            if configuration[key] == nil { configuration[key] = value }
        }
        let (names, headerLine) = (parsed.names, parsed.headerLine)
        var rows = parsed.rows
        if ["1", "true"].contains(configuration["save_warmup"]?.lowercased() ?? ""),
           let warmup = configuration["num_warmup"].flatMap({ Int($0) }), warmup > 0 {
            let thin = max(1, configuration["thin"].flatMap { Int($0) } ?? 1)
            // ⌈warmup / thin⌉ without forming warmup + thin − 1, which overflows for huge values.
            rows.removeFirst(min(rows.count, warmup / thin + (warmup % thin == 0 ? 0 : 1)))
        }
        guard let width = names?.count ?? rows.first?.count, !rows.isEmpty else {
            throw .invalidArgument("\(source) has no draws (no data rows after the comments and the warmup).")
        }
        let allNames = names ?? (0..<width).map(String.init)
        let kept = allNames.indices.filter { includeSamplerColumns || !allNames[$0].hasSuffix("__") }
        guard !kept.isEmpty else {
            throw .invalidArgument("\(source) has only sampler columns (names ending in __); pass --include-sampler-columns to summarize them.")
        }
        let file = kept.count == width ? DataMatrixFile(columnNames: allNames, rows: rows)
            : DataMatrixFile(columnNames: kept.map { allNames[$0] }, rows: rows.map { row in kept.map { row[$0] } })
        return (file, headerLine)
    }
}
