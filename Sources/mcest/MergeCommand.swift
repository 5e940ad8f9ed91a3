import ArgumentParser
import Foundation
import MonteCarlo

/// `mcest merge`: merges the state files of a sharded run into the estimate one run would give.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the state files of a sharded run (mcest sw/estimate --shard i/N --state-out FILE).",
        discussion: """
            Reads the state files written by `mcest sw … --shard i/N --state-out FILE` or \
            `mcest estimate … --shard i/N --state-out FILE`, checks that they belong to one run \
            (same input files by content, method and parameters, seed and shard count N; no shard \
            index twice), merges them in shard order whatever order they are given in, and prints \
            what the single run would print (text, or --json with an extra "shards" object). The \
            merge of all N shards is bit-identical to the single run with the same options.

            A missing shard is an error unless --allow-partial is given: the estimate then uses \
            only the shards present, and both the text and the JSON ("partial": true, "missing") \
            say so, with a warning on standard error.

            A file that cannot be read, is not a state file, has another format version, or does \
            not match the others is reported by name, with exit code 2.

            Examples. Four shards on one machine with GNU parallel, then the merge:
              parallel mcest estimate --problem asian --method cv --samples 100000000 --seed 42 --shard {}/4 --state-out s{}.json ::: 0 1 2 3
              mcest merge s*.json
            A Slurm job array (#SBATCH --array=0-15), one shard per task, then the merge:
              mcest sw x.npy y.npy --method cv --projections 1000000 --seed 42 --shard $SLURM_ARRAY_TASK_ID/16 --state-out sw-$SLURM_ARRAY_TASK_ID.json
              mcest merge sw-*.json --json > sw.json
            """)

    @Argument(help: "The shards' state files, in any order.")
    var files: [String]

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Flag(name: .customLong("allow-partial"), help: "Merge even when shards are missing (said loudly in the output).")
    var allowPartial = false

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one state file.") }
    }

    func run() throws {
        // The same BLAS threading as the shards' single run (see `mcest sw`): the final fits
        // (Cholesky factorizations) must round exactly as there.
        BLASThreads.set(1)
        try reportingFailures {
            let loaded = try files.map { path in (path, try readShardHeader(path: path)) }
            let command = loaded[0].1.header.command
            if let other = loaded.first(where: { $0.1.header.command != command }) {
                throw CommandFailure("\(other.0) is a state file of `mcest \(other.1.header.command)`, but \(loaded[0].0) "
                    + "is one of `mcest \(command)`: they cannot be merged.")
            }
            let documents = loaded.map { ($0.0, $0.1.data) }
            switch command {
            case "sw": try SWCommand.merge(documents, allowPartial: allowPartial, json: json)
            case "estimate": try EstimateCommand.merge(documents, allowPartial: allowPartial, json: json)
            default: throw CommandFailure("\(loaded[0].0): unknown command \"\(command)\" in a state file.")
            }
        }
    }
}

/// The checked shards of one run, in shard order.
struct ShardSet<Fingerprint: Codable & Equatable, Payload: Codable> {
    struct Shard {
        var path: String
        var file: ShardFile<Fingerprint, Payload>
    }

    /// The shards, sorted by index.
    let shards: [Shard]
    /// Which were merged and which are missing.
    let summary: MergeSummary

    /// Decodes and checks the files: same fingerprint, no index twice, none missing unless allowed.
    init(_ documents: [(path: String, data: Data)], allowPartial: Bool) throws {
        // First the fingerprints (so a file of another run is named as such), then the states.
        var headers: [(path: String, file: ShardFile<Fingerprint, IgnoredPayload>)] = []
        for (path, data) in documents {
            do {
                headers.append((path, try JSONDecoder().decode(ShardFile<Fingerprint, IgnoredPayload>.self, from: data)))
            } catch {
                throw CommandFailure("\(path) is not a valid state file (\(describeDecodingError(error))).")
            }
        }
        let reference = headers[0]
        for shard in headers.dropFirst() where shard.file.fingerprint != reference.file.fingerprint
            || shard.file.shardCount != reference.file.shardCount {
            let differences = Self.differences(shard.file.fingerprint, reference.file.fingerprint)
            throw CommandFailure("\(shard.path) is not a shard of the same run as \(reference.path): "
                + (differences.isEmpty ? "the shard counts differ" : differences.joined(separator: "; ")) + ".")
        }
        var seen: [Int: String] = [:]
        for shard in headers {
            if let earlier = seen[shard.file.shardIndex] {
                throw CommandFailure("shard \(shard.file.shardIndex) appears twice: \(earlier) and \(shard.path).")
            }
            seen[shard.file.shardIndex] = shard.path
        }
        let count = reference.file.shardCount
        let missing = (0..<count).filter { seen[$0] == nil }
        if !missing.isEmpty && !allowPartial {
            throw CommandFailure("shard(s) \(missing.map(String.init).joined(separator: ", ")) of \(count) missing "
                + "(merging \(headers.count) file(s)); give all \(count) state files, or --allow-partial to merge the rest.")
        }
        var shards: [Shard] = []
        for (path, data) in documents {
            do {
                shards.append(Shard(path: path, file: try JSONDecoder().decode(ShardFile<Fingerprint, Payload>.self, from: data)))
            } catch {
                throw CommandFailure("\(path) is not a valid state file (\(describeDecodingError(error))).")
            }
        }
        self.shards = shards.sorted { $0.file.shardIndex < $1.file.shardIndex }
        summary = MergeSummary(shardCount: count, merged: self.shards.map(\.file.shardIndex), missing: missing,
                               files: self.shards.map(\.path))
    }
    /// "seed: 8 here, 7 there" for every top-level fingerprint field that differs.
    static func differences(_ mine: Fingerprint, _ theirs: Fingerprint) -> [String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let a = try? JSONSerialization.jsonObject(with: encoder.encode(mine)) as? [String: Any],
              let b = try? JSONSerialization.jsonObject(with: encoder.encode(theirs)) as? [String: Any] else { return [] }
        func text(_ value: Any?) -> String {
            guard let value, !(value is NSNull),
                  let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed])
            else { return "none" }
            return String(decoding: data, as: UTF8.self)
        }
        return Set(a.keys).union(b.keys).sorted().compactMap { key in
            let x = text(a[key]), y = text(b[key])
            return x == y ? nil : "\(key) is \(x) there but \(y) in the first file"
        }
    }
}

/// A payload decoded without looking at it (to read a state file's fingerprint first).
struct IgnoredPayload: Codable {
    init() {}
    init(from decoder: any Decoder) throws {}
    func encode(to encoder: any Encoder) throws {}
}

/// Reads a file's header, checking its format and version.
func readShardHeader(path: String) throws -> (header: ShardFileHeader, data: Data) {
    let data = try InputFile.data(atPath: path)
    let header: ShardFileHeader
    do {
        header = try JSONDecoder().decode(ShardFileHeader.self, from: data)
    } catch {
        throw CommandFailure("\(path) is not an mcest state file (corrupt or not JSON: \(describeDecodingError(error))).")
    }
    guard header.format == ShardFileHeader.formatName else {
        throw CommandFailure("\(path) is not an mcest state file (format \"\(header.format)\").")
    }
    guard header.version == ShardFileHeader.currentVersion else {
        throw CommandFailure("\(path) has state format version \(header.version); this mcest reads version "
            + "\(ShardFileHeader.currentVersion) only. Rerun the shard with this version of mcest.")
    }
    guard header.shardCount >= 1, header.shardIndex >= 0, header.shardIndex < header.shardCount else {
        throw CommandFailure("\(path): shard index \(header.shardIndex) is not in 0..<\(header.shardCount).")
    }
    return (header, data)
}

/// A decoding error in a few words.
func describeDecodingError(_ error: any Error) -> String {
    switch error as? DecodingError {
    case .dataCorrupted(let context)?:
        let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return "corrupt data" + (path.isEmpty ? "" : " at \(path.dropFirst(path.hasPrefix(".") ? 1 : 0))") + ": \(context.debugDescription)"
    case .keyNotFound(let key, _)?: return "missing field \"\(key.stringValue)\""
    case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?:
        return "bad value at \(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
    default: return "\(error)"
    }
}
