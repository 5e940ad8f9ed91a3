// benchreport: gathers the headline figures of every benchmark into one table.
//
//     .build/release/benchreport [benchmark-output]
//
// Reads the top-level "summary" array (rows of `SummaryRow`) of every *.json file in the folder
// (default benchmark-output/), prints one table, and writes it as summary.md and summary.json in
// the same folder. `make bench` runs it last.

import BenchmarkSupport
import Foundation

let folder = URL(fileURLWithPath: CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "benchmark-output")
let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
    .filter { $0.hasSuffix(".json") && $0 != "summary.json" }.sorted()
var rows: [SummaryRow] = []
var withoutSummary: [String] = []
struct File: Decodable { var summary: [SummaryRow]? }
for name in files {
    guard let data = try? Data(contentsOf: folder.appendingPathComponent(name)),
          let summary = (try? JSONDecoder().decode(File.self, from: data))?.summary else {
        withoutSummary.append(name)
        continue
    }
    rows += summary
}
guard !rows.isEmpty else {
    print("benchreport: no benchmark summaries in \(folder.path) (run `make bench` first)")
    exit(1)
}

func figure(_ row: SummaryRow) -> String {
    guard let value = row.value else { return "skipped" }
    let number = abs(value) >= 100 || value == value.rounded() ? String(format: "%.0f", value) : String(format: "%.3g", value)
    return row.unit == "×" ? number + "×" : number + " " + row.unit
}
func verdict(_ row: SummaryRow) -> String {
    switch row.passed {
    case true?: "met"
    case false?: "**missed**"
    case nil: row.target == nil ? "" : "—"
    }
}
let header = ["benchmark", "measure", "figure", "target", "result", "note"]
let table = rows.map { [$0.benchmark, $0.measure, figure($0), $0.target ?? "", verdict($0), $0.note ?? ""] }
var markdown = "# Benchmark summary\n\n"
markdown += "| " + header.joined(separator: " | ") + " |\n|" + header.map { _ in "---" }.joined(separator: "|") + "|\n"
for row in table { markdown += "| " + row.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n" }
let met = rows.filter { $0.passed == true }.count, missed = rows.filter { $0.passed == false }.count
markdown += "\n\(met) targets met, \(missed) missed, \(rows.count - met - missed) figures without a verdict.\n"
if !withoutSummary.isEmpty { markdown += "Files without a summary: \(withoutSummary.joined(separator: ", ")).\n" }
print(markdown)
do {
    try markdown.write(to: folder.appendingPathComponent("summary.md"), atomically: true, encoding: .utf8)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(rows).write(to: folder.appendingPathComponent("summary.json"))
    print("Written to \(folder.appendingPathComponent("summary.md").path) and summary.json")
} catch {
    FileHandle.standardError.write(Data("benchreport: cannot write the summary: \(error)\n".utf8))
    exit(1)
}
