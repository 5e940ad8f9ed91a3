// benchreport: gathers the headline figures of every benchmark into one table and checks the run.
//
//     .build/release/benchreport [benchmark-output] [--results PATH] [--label TEXT] [--maximum-age HOURS]
//
// Reads the top-level "summary" (rows of `SummaryRow`) and "provenance" of every *.json file in
// the folder (default benchmark-output/), prints one table and writes it as summary.md and
// summary.json in the same folder; with --results also as PATH (make bench: Benchmarks/RESULTS.md,
// with the machine, and --label saying what kind of run it was). Exits 1 when the run is
// incomplete or stale (see `SummaryAudit`: a missing benchmark or target, a file from another
// commit or older than --maximum-age hours, default 24). `make bench` runs it last.

import BenchmarkSupport
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
var positional: [String] = []
var index = 0
while index < arguments.count {
    if ["--results", "--label", "--maximum-age"].contains(arguments[index]) { index += 2; continue }
    positional.append(arguments[index])
    index += 1
}
let folder = URL(fileURLWithPath: positional.first ?? "benchmark-output")
let maximumAge = (argument("--maximum-age").flatMap(Double.init) ?? SummaryAudit.defaultMaximumAge / 3600) * 3600
var contents: [String: Data] = [:]
for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] where name.hasSuffix(".json") {
    contents[name] = try? Data(contentsOf: folder.appendingPathComponent(name))
}
let head = Provenance.headCommit()
let audit = SummaryAudit(files: contents, headCommit: head, maximumAge: maximumAge)

/// The machine, for RESULTS.md: CPU model, cores, memory, kernel.
func machineLines() -> [String] {
    func firstLine(of path: String, containing key: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return text.split(separator: "\n").first { $0.hasPrefix(key) }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" }
    }
    let info = ProcessInfo.processInfo
    var lines = ["- Machine: \(firstLine(of: "/proc/cpuinfo", containing: "model name") ?? "unknown CPU"), "
        + "\(info.activeProcessorCount) cores, \(String(format: "%.0f", Double(info.physicalMemory) / 1_073_741_824)) GiB; "
        + "\(info.operatingSystemVersionString)"]
    lines.append("- HEAD when the report was written: \(head ?? "unknown"); report written \(ISO8601DateFormatter().string(from: Date()))")
    return lines
}

let summary = audit.markdown(title: "Benchmark summary")
print(summary)
do {
    try summary.write(to: folder.appendingPathComponent("summary.md"), atomically: true, encoding: .utf8)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    try encoder.encode(audit.rows).write(to: folder.appendingPathComponent("summary.json"))
    print("Written to \(folder.appendingPathComponent("summary.md").path) and summary.json")
    if let results = argument("--results") {
        var preamble = ["Written by `make bench` (`benchreport --results`); the README's performance figures are checked against this file.", ""]
        if let label = argument("--label") { preamble += ["**\(label)**", ""] }
        preamble += machineLines()
        try audit.markdown(title: "Benchmark results", preamble: preamble).write(toFile: results, atomically: true, encoding: .utf8)
        print("Written to \(results)")
    }
} catch {
    FileHandle.standardError.write(Data("benchreport: cannot write the summary: \(error)\n".utf8))
    exit(1)
}
if !audit.failures.isEmpty {
    FileHandle.standardError.write(Data("benchreport: FAILED: \(audit.failures.count) problem(s), listed above\n".utf8))
    exit(1)
}
