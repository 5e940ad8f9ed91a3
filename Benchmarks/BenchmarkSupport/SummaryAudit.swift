import Foundation

/// The check `benchreport` runs over a folder of benchmark JSON files: gathers their summary
/// rows, holds them to a ``BenchmarkManifest`` and to the current commit, and says what fails.
///
/// A run fails (``failures`` not empty) when an expected benchmark's JSON is missing or has no
/// summary, when a file is stale (no provenance, another commit than HEAD, or older than
/// ``maximumAge``), when an expected target row is missing or states another target, or when a
/// row carries a target the manifest does not list. A target whose figure could not be measured
/// (a skipped peer) is "not evaluated": listed apart, never counted as met, and not a failure.
/// A missed target is a result, not a failure.
public struct SummaryAudit: Sendable {
    /// How old a benchmark's JSON may be: one day (a full `make bench` takes well under an hour,
    /// so every file of one run is younger than this).
    public static let defaultMaximumAge: TimeInterval = 24 * 3600

    /// One benchmark's file: its rows and provenance.
    public struct FileSummary: Sendable {
        public var name: String
        public var provenance: Provenance?
        public var rows: [SummaryRow]
    }

    public var files: [FileSummary] = []
    /// Every row, in the manifest's benchmark order.
    public var rows: [SummaryRow] = []
    public var missingBenchmarks: [String] = []
    /// File name and why it is stale.
    public var staleFiles: [(file: String, reason: String)] = []
    public var missingTargets: [ExpectedTarget] = []
    /// Rows whose target differs from the manifest's (expected, found).
    public var changedTargets: [(expected: ExpectedTarget, found: String)] = []
    public var unexpectedTargets: [SummaryRow] = []
    /// Expected targets present but without a verdict (their figure could not be measured).
    public var notEvaluated: [SummaryRow] = []
    public var met = 0
    public var missed = 0
    public var expectedCount = 0

    struct File: Decodable {
        var summary: [SummaryRow]?
        var provenance: Provenance?
    }

    /// Audits `files` (file name → contents; `summary.json` is ignored) against `manifest`.
    /// - Parameters:
    ///   - headCommit: the commit the figures must come from (nil: unknown, every file is stale).
    ///   - now: the time to measure ages against.
    public init(files contents: [String: Data], manifest: BenchmarkManifest = .standard, headCommit: String?,
                now: Date = Date(), maximumAge: TimeInterval = SummaryAudit.defaultMaximumAge) {
        expectedCount = manifest.targets.count
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let names = contents.keys.filter { $0.hasSuffix(".json") && $0 != "summary.json" }
        let order = manifest.benchmarks.map { "\($0).json" }
        let sorted = order.filter(names.contains) + names.filter { !order.contains($0) }.sorted()
        for name in sorted {
            guard let file = try? decoder.decode(File.self, from: contents[name]!), let rows = file.summary else {
                if let benchmark = manifest.benchmarks.first(where: { "\($0).json" == name }) {
                    missingBenchmarks.append("\(benchmark) (\(name) has no readable summary)")
                }
                continue
            }
            files.append(FileSummary(name: name, provenance: file.provenance, rows: rows))
            self.rows += rows
            if let reason = Self.staleness(file.provenance, headCommit: headCommit, now: now, maximumAge: maximumAge) {
                staleFiles.append((name, reason))
            }
        }
        for benchmark in manifest.benchmarks where !names.contains("\(benchmark).json") {
            missingBenchmarks.append("\(benchmark) (no \(benchmark).json)")
        }
        for expected in manifest.targets {
            guard let row = rows.first(where: { $0.benchmark == expected.benchmark && $0.measure == expected.measure }) else {
                missingTargets.append(expected)
                continue
            }
            if row.target != expected.target { changedTargets.append((expected, row.target ?? "none")) }
            switch row.passed {
            case true?: met += 1
            case false?: missed += 1
            case nil: notEvaluated.append(row)
            }
        }
        unexpectedTargets = rows.filter { row in
            row.target != nil && !manifest.targets.contains { $0.benchmark == row.benchmark && $0.measure == row.measure }
        }
    }

    /// Why a file with this provenance is stale, or nil when it is current.
    static func staleness(_ provenance: Provenance?, headCommit: String?, now: Date, maximumAge: TimeInterval) -> String? {
        guard let provenance else { return "no provenance (commit and date) recorded" }
        guard let headCommit else { return "the current commit (HEAD) is unknown" }
        if provenance.commit != headCommit {
            return "measured at commit \(provenance.commit.prefix(12)), HEAD is \(headCommit.prefix(12))"
        }
        guard let date = ISO8601DateFormatter().date(from: provenance.date) else { return "unreadable date \(provenance.date)" }
        let age = now.timeIntervalSince(date)
        if age > maximumAge {
            return String(format: "measured %.1f h ago (limit %.0f h)", age / 3600, maximumAge / 3600)
        }
        return nil
    }

    /// Everything that makes the run fail, one line each; empty when the run is complete and current.
    public var failures: [String] {
        missingBenchmarks.map { "missing benchmark: \($0)" }
            + staleFiles.map { "stale: \($0.file): \($0.reason)" }
            + missingTargets.map { "missing target: \($0.benchmark): \($0.measure) (\($0.target))" }
            + changedTargets.map { "changed target: \($0.expected.benchmark): \($0.expected.measure): expected \($0.expected.target), found \($0.found)" }
            + unexpectedTargets.map { "target not in the manifest: \($0.benchmark): \($0.measure) (\($0.target ?? ""))" }
    }

    /// One line: how many expected targets were met, missed and not evaluated.
    public var totals: String {
        let figures = rows.filter { $0.target == nil }.count
        return "\(met) of \(expectedCount) expected targets met, \(missed) missed, \(notEvaluated.count) not evaluated, "
            + "\(missingTargets.count) missing; \(figures) figures without a target."
    }

    /// The report as Markdown: provenance per file, every row, not-evaluated targets, failures, totals.
    public func markdown(title: String, preamble: [String] = []) -> String {
        var text = "# \(title)\n\n"
        for line in preamble { text += line + "\n" }
        if !preamble.isEmpty { text += "\n" }
        text += "| file | commit | uncommitted changes | date (UTC) | host | cores | load average at start |\n|---|---|---|---|---|---|---|\n"
        for file in files {
            let p = file.provenance
            let cells = [file.name, p.map { String($0.commit.prefix(12)) } ?? "—", p?.uncommittedChanges.map { $0 ? "yes" : "no" } ?? "?",
                         p?.date ?? "—", p?.host ?? "?", p?.cores.map(String.init) ?? "?", p?.loadAverage ?? "?"]
            text += "| " + cells.joined(separator: " | ") + " |\n"
        }
        let header = ["benchmark", "measure", "figure", "target", "result", "note"]
        text += "\n| " + header.joined(separator: " | ") + " |\n|" + header.map { _ in "---" }.joined(separator: "|") + "|\n"
        for row in rows {
            let cells = [row.benchmark, row.measure, Self.figure(row), row.target ?? "", Self.verdict(row), row.note ?? ""]
            text += "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n"
        }
        if !notEvaluated.isEmpty {
            text += "\nNot evaluated (the figure could not be measured; not counted as met):\n"
            for row in notEvaluated { text += "- \(row.benchmark): \(row.measure) (\(row.target ?? "")): \(row.note ?? "no figure")\n" }
        }
        let failures = failures
        if !failures.isEmpty {
            text += "\nFAILED: this run is incomplete or stale:\n"
            for failure in failures { text += "- \(failure)\n" }
        }
        text += "\n\(totals)\n"
        return text
    }

    static func figure(_ row: SummaryRow) -> String {
        guard let value = row.value else { return "not measured" }
        let number = abs(value) >= 100 || value == value.rounded() ? String(format: "%.0f", value) : String(format: "%.3g", value)
        return row.unit == "×" ? number + "×" : number + " " + row.unit
    }

    static func verdict(_ row: SummaryRow) -> String {
        switch row.passed {
        case true?: "met"
        case false?: "**missed**"
        case nil: row.target == nil ? "" : "not evaluated"
        }
    }
}
