import BenchmarkSupport
import Foundation
import Testing

/// `benchreport`'s check: a complete, current run passes; a missing file or target, a stale
/// file, a changed or unlisted target fail; a target without a figure is "not evaluated".
@Suite struct SummaryAuditTests {
    let head = String(repeating: "a", count: 40)
    let now = ISO8601DateFormatter().date(from: "2026-12-05T12:00:00Z")!

    /// One JSON file per benchmark of the standard manifest, every target met, written an hour before `now`.
    func completeRun(commit: String? = nil, date: String = "2026-12-05T11:00:00Z") throws -> [String: Data] {
        let manifest = BenchmarkManifest.standard
        var files: [String: Data] = [:]
        for benchmark in manifest.benchmarks {
            var rows = manifest.targets.filter { $0.benchmark == benchmark }.map {
                SummaryRow(benchmark: $0.benchmark, measure: $0.measure, value: 1, unit: "×", target: $0.target, passed: true)
            }
            rows.append(SummaryRow(benchmark: benchmark, measure: "a figure without a target", value: 2, unit: "s"))
            let file = BenchmarkFile(summary: rows, provenance: Provenance(commit: commit ?? head, date: date))
            files["\(benchmark).json"] = try JSONEncoder().encode(file)
        }
        return files
    }

    struct BenchmarkFile: Codable {
        var summary: [SummaryRow]
        var provenance: Provenance?
    }

    func audit(_ files: [String: Data]) -> SummaryAudit { SummaryAudit(files: files, headCommit: head, now: now) }

    @Test func completeCurrentRunPasses() throws {
        let audit = audit(try completeRun())
        #expect(audit.failures.isEmpty)
        #expect(audit.met == BenchmarkManifest.standard.targets.count)
        #expect(audit.totals.hasPrefix("\(audit.met) of \(audit.met) expected targets met"))
    }

    @Test func missingJSONFails() throws {
        var files = try completeRun()
        files["swbench.json"] = nil
        let audit = audit(files)
        let swbenchTargets = BenchmarkManifest.standard.targets.filter { $0.benchmark == "swbench" }
        #expect(!swbenchTargets.isEmpty)
        #expect(audit.missingBenchmarks == ["swbench (no swbench.json)"])
        #expect(Set(audit.missingTargets) == Set(swbenchTargets))
        #expect(audit.failures.count == 1 + swbenchTargets.count)
        #expect(audit.met == BenchmarkManifest.standard.targets.count - swbenchTargets.count)
    }

    @Test func missingTargetRowFails() throws {
        var files = try completeRun()
        var file = try JSONDecoder().decode(BenchmarkFile.self, from: files["chainbench.json"]!)
        let dropped = file.summary.removeFirst()
        files["chainbench.json"] = try JSONEncoder().encode(file)
        let audit = audit(files)
        #expect(audit.missingTargets.map(\.measure) == [dropped.measure])
        #expect(audit.failures.count == 1)
    }

    @Test func otherCommitOrOldFileIsStale() throws {
        let other = String(repeating: "b", count: 40)
        var files = try completeRun()
        files["mibench.json"] = try completeRun(commit: other)["mibench.json"]
        files["vibench.json"] = try completeRun(date: "2026-12-04T11:00:00Z")["vibench.json"]
        let audit = audit(files)
        #expect(audit.staleFiles.map(\.file).sorted() == ["mibench.json", "vibench.json"])
        #expect(audit.failures.count == 2)
        // Unknown HEAD: nothing can be shown to be current.
        #expect(SummaryAudit(files: try completeRun(), headCommit: nil, now: now).staleFiles.count == BenchmarkManifest.standard.benchmarks.count)
    }

    @Test func fileWithoutProvenanceIsStale() throws {
        var files = try completeRun()
        var file = try JSONDecoder().decode(BenchmarkFile.self, from: files["mcbench.json"]!)
        file.provenance = nil
        files["mcbench.json"] = try JSONEncoder().encode(file)
        #expect(audit(files).staleFiles.map(\.file) == ["mcbench.json"])
    }

    @Test func skippedPeerIsNotEvaluatedNotMet() throws {
        var files = try completeRun()
        var file = try JSONDecoder().decode(BenchmarkFile.self, from: files["swbench.json"]!)
        file.summary[0].value = nil
        file.summary[0].passed = nil
        file.summary[1].passed = false
        files["swbench.json"] = try JSONEncoder().encode(file)
        let audit = audit(files)
        let total = BenchmarkManifest.standard.targets.count
        #expect(audit.notEvaluated.map(\.measure) == [file.summary[0].measure])
        #expect(audit.met == total - 2 && audit.missed == 1)
        #expect(audit.failures.isEmpty)
        #expect(audit.markdown(title: "t").contains("Not evaluated"))
    }

    @Test func changedOrUnlistedTargetFails() throws {
        var files = try completeRun()
        var file = try JSONDecoder().decode(BenchmarkFile.self, from: files["steinbench.json"]!)
        file.summary[0].target = "< 10 s"
        file.summary.append(SummaryRow(benchmark: "steinbench", measure: "a new target", value: 1, unit: "s", target: "< 1 s", passed: true))
        files["steinbench.json"] = try JSONEncoder().encode(file)
        let audit = audit(files)
        #expect(audit.changedTargets.count == 1)
        #expect(audit.unexpectedTargets.map(\.measure) == ["a new target"])
        #expect(audit.failures.count == 2)
    }

    @Test func nonFiniteFiguresAsWrittenByMCBenchAreRead() throws {
        var files = try completeRun()
        let text = String(decoding: files["mcbench.json"]!, as: UTF8.self).replacingOccurrences(of: "\"value\":2", with: "\"value\":\"nan\"")
        #expect(text.contains("\"nan\""))
        files["mcbench.json"] = Data(text.utf8)
        #expect(audit(files).failures.isEmpty)
    }
}
