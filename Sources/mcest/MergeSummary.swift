import Foundation
import MonteCarlo

/// What `mcest merge` merged: which shards, from which files, and which are missing.
///
/// In JSON (the `shards` member of the estimate record's `context`): `{"shardCount": N, "merged": [indices], "missing": [indices], "files": [paths],
/// "partial": Bool}`. A partial merge (only with `--allow-partial`) is an estimate of the same
/// quantity from fewer samples; the text output says so on its first lines and the JSON in
/// `partial` and `missing`.
struct MergeSummary: Encodable, Sendable {
    var shardCount: Int
    var merged: [Int]
    var missing: [Int]
    var files: [String]
    var partial: Bool { !missing.isEmpty }

    private enum CodingKeys: String, CodingKey { case shardCount, merged, missing, files, partial }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(shardCount, forKey: .shardCount)
        try container.encode(merged, forKey: .merged)
        try container.encode(missing, forKey: .missing)
        try container.encode(files, forKey: .files)
        try container.encode(partial, forKey: .partial)
    }

    /// The JSON object, for an ``EstimateRecord``'s context.
    var contextValue: EstimateRecord.ContextValue {
        ["shardCount": .integer(shardCount), "merged": .init(merged), "missing": .init(missing), "files": .init(files),
         "partial": .bool(partial)]
    }

    /// Lines for the text report.
    var textLines: [String] {
        var lines = ["merged \(merged.count) of \(shardCount) shards (\(merged.map(String.init).joined(separator: ", ")))"]
        if partial {
            lines.append("WARNING: PARTIAL MERGE: shard(s) \(missing.map(String.init).joined(separator: ", ")) of \(shardCount) "
                + "missing; the estimate uses only the merged shards' samples and is NOT the full run's result.")
        }
        return lines
    }

    /// The warning printed on standard error for a partial merge.
    var warning: String? {
        partial ? "mcest: warning: partial merge: shard(s) \(missing.map(String.init).joined(separator: ", ")) of \(shardCount) missing" : nil
    }
}
