import Foundation
import Testing

/// Sharded runs end to end: `mcest sw|estimate --shard i/N --state-out FILE` and `mcest merge`.
///
/// The merged output must equal the single run's bit for bit (JSON numbers are written in
/// shortest round-tripping form, so equal parsed numbers mean equal bits), whatever order the
/// files are given in; files of another run, duplicated, missing, corrupt or of another format
/// version must be refused with exit code 2 and the file named.
@Suite("mcest sharded runs and merge")
struct ShardCommandTests {
    static func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("shards-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func write(_ text: String, _ name: String, in directory: URL) throws -> String {
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// The translation problem of `SWCommandTests`: Y = X + v, SW_2² = |v|²/d = 1.75 exactly.
    static func clouds(in dir: URL) throws -> (x: String, y: String) {
        let x = SWCommandTests.cloud(n: 50, d: 3)
        return (try write(SWCommandTests.csv(x), "x.csv", in: dir),
                try write(SWCommandTests.csv(SWCommandTests.translated(x)), "y.csv", in: dir))
    }

    /// The parsed JSON object printed by a successful run.
    /// The `--json` output as one object: a single estimate record with its `context` members
    /// lifted to the top level, or (sw) the records keyed by their context's `quantity`, with
    /// the `shards` summary of a merge at the top level.
    static func object(_ output: MCEstExecutable.Output) throws -> [String: Any] {
        #expect(output.status == 0, "\(output.standardError)")
        let parsed = try JSONSerialization.jsonObject(with: Data(output.standardOutput.utf8))
        if let records = parsed as? [[String: Any]] {
            var object: [String: Any] = [:]
            for record in records {
                let context = record["context"] as? [String: Any]
                object[context?["quantity"] as? String ?? "?"] = record
                if let shards = context?["shards"] { object["shards"] = shards }
            }
            return object
        }
        var record = try #require(parsed as? [String: Any])
        let context = record.removeValue(forKey: "context") as? [String: Any] ?? [:]
        return record.merging(context) { mine, _ in mine }
    }

    /// The merged report without its `shards` summaries (at any depth), to compare with a single run's.
    static func withoutShards(_ object: [String: Any]) -> NSDictionary {
        func strip(_ value: Any) -> Any {
            guard var dictionary = value as? [String: Any] else { return value }
            dictionary.removeValue(forKey: "shards")
            return dictionary.mapValues(strip)
        }
        return (strip(object) as? [String: Any] ?? [:]) as NSDictionary
    }

    /// Writes shards `0..<count` of `arguments` into `dir`, returning their paths.
    static func shards(_ arguments: [String], count: Int, in dir: URL, prefix: String) throws -> [String] {
        try (0..<count).map { i in
            let path = dir.appendingPathComponent("\(prefix)-\(i).json").path
            let output = try MCEstExecutable.run(arguments + ["--shard", "\(i)/\(count)", "--state-out", path])
            #expect(output.status == 0, "shard \(i): \(output.standardError)")
            return path
        }
    }

    // MARK: - Merged equals single

    @Test("sw: 3 shards merged equal the single run bit for bit, for every method and in any order")
    func slicedWassersteinShardsEqualSingleRun() throws {
        let dir = try Self.directory()
        let (x, y) = try Self.clouds(in: dir)
        for method in ["mc", "orthogonal", "qmc", "cv", "harmonics"] {
            let arguments = ["sw", x, y, "--method", method, "--projections", "600", "--seed", "5"]
            let single = try Self.object(try MCEstExecutable.run(arguments + ["--json"]))
            let files = try Self.shards(arguments, count: 3, in: dir, prefix: method)
            let merged = try Self.object(try MCEstExecutable.run(["merge", files[2], files[0], files[1], "--json"]))
            let inOrder = try Self.object(try MCEstExecutable.run(["merge"] + files + ["--json"]))
            #expect(Self.withoutShards(merged) == (single as NSDictionary), "\(method)")
            #expect(Self.withoutShards(inOrder) == (single as NSDictionary), "\(method)")
            let shards = try #require(merged["shards"] as? [String: Any])
            #expect(shards["partial"] as? Bool == false && (shards["merged"] as? [Int]) == [0, 1, 2])
        }
        // The merged plain estimate is a correct estimate: within 5 SE of |v|²/d.
        let files = try Self.shards(["sw", x, y, "--method", "mc", "--projections", "900", "--seed", "9"], count: 3,
                                    in: dir, prefix: "truth")
        let power = try #require(try Self.object(try MCEstExecutable.run(["merge"] + files + ["--json"]))["power"] as? [String: Any])
        let value = try #require(power["value"] as? Double), se = try #require(power["standardError"] as? Double)
        #expect(power["sampleCount"] as? Int == 900)
        #expect(se > 0 && abs(value - SWCommandTests.exact) <= 5 * se, "\(value) ± \(se)")
    }

    @Test("estimate: 3 shards merged equal the single run bit for bit, for every method and in any order")
    func estimateShardsEqualSingleRun() throws {
        let dir = try Self.directory()
        // Black–Scholes price of the European call (S0 = 100, K = 105, r = 0.05, σ = 0.2, T = 1).
        let blackScholes = 8.021352235143176
        for method in ["plain", "antithetic", "cv", "rqmc", "stratified", "lhs"] {
            let arguments = ["estimate", "--problem", "european", "--method", method, "--samples", "60000",
                             "--points", "256", "--strata", "32", "--design-size", "128", "--seed", "3"]
            let single = try Self.object(try MCEstExecutable.run(arguments + ["--json"]))
            let files = try Self.shards(arguments, count: 3, in: dir, prefix: method)
            let merged = try Self.object(try MCEstExecutable.run(["merge", files[1], files[2], files[0], "--json"]))
            #expect(Self.withoutShards(merged) == (single as NSDictionary), "\(method)")
            let value = try #require(merged["value"] as? Double), se = try #require(merged["standardError"] as? Double)
            #expect(abs(value - blackScholes) <= 5 * se, "\(method): \(value) ± \(se)")
            #expect(abs(try #require(merged["truth"] as? Double) - blackScholes) < 1e-9)
        }
    }

    // MARK: - Refusals

    /// Runs `mcest merge` and checks exit code 2 with a message that contains every fragment.
    static func expectRefused(_ files: [String], mentioning fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let output = try MCEstExecutable.run(["merge"] + files)
        #expect(output.status == 2, "exit \(output.status): \(output.standardOutput)", sourceLocation: sourceLocation)
        #expect(output.standardOutput.isEmpty, sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(output.standardError.contains(fragment), "\(output.standardError) lacks \(fragment)", sourceLocation: sourceLocation)
        }
    }

    @Test("merge refuses another problem file, seed or method, a duplicated or missing shard, corrupt JSON and another version")
    func mismatchedFilesAreRefused() throws {
        let dir = try Self.directory()
        let (x, y) = try Self.clouds(in: dir)
        let other = try Self.write(SWCommandTests.csv(SWCommandTests.cloud(n: 50, d: 3).map { $0.map { 2 * $0 } }), "y2.csv", in: dir)
        let base = ["--projections", "400", "--seed", "5", "--method", "mc"]
        let good = try Self.shards(["sw", x, y] + base, count: 3, in: dir, prefix: "good")
        let otherProblem = try Self.shards(["sw", x, other] + base, count: 3, in: dir, prefix: "problem")
        let otherSeed = try Self.shards(["sw", x, y, "--projections", "400", "--seed", "6", "--method", "mc"], count: 3,
                                        in: dir, prefix: "seed")
        let otherMethod = try Self.shards(["sw", x, y, "--projections", "400", "--seed", "5", "--method", "orthogonal"],
                                          count: 3, in: dir, prefix: "method")
        try Self.expectRefused([good[0], good[1], otherProblem[2]], mentioning: [otherProblem[2], "yContents"])
        try Self.expectRefused([good[0], otherSeed[1], good[2]], mentioning: [otherSeed[1], "seed"])
        try Self.expectRefused([otherMethod[0], good[1], good[2]], mentioning: [good[1], "method"])
        try Self.expectRefused([good[0], good[1], good[1]], mentioning: ["shard 1 appears twice", good[1]])
        try Self.expectRefused([good[0], good[2]], mentioning: ["shard(s) 1 of 3 missing"])

        let text = try String(contentsOfFile: good[2], encoding: .utf8)
        let corrupt = try Self.write(String(text.prefix(text.count / 2)), "corrupt.json", in: dir)
        try Self.expectRefused([good[0], good[1], corrupt], mentioning: [corrupt, "not an mcest state file"])
        #expect(text.contains("\"version\":1"))
        let future = try Self.write(text.replacingOccurrences(of: "\"version\":1", with: "\"version\":2"), "future.json", in: dir)
        try Self.expectRefused([good[0], good[1], future], mentioning: [future, "version 2"])
        let notState = try Self.write("{\"format\": \"something-else\", \"version\": 1}", "other.json", in: dir)
        try Self.expectRefused([notState], mentioning: [notState])

        // Files of `mcest estimate` and `mcest sw` do not mix; nor do estimates of different seeds.
        let estimate = ["estimate", "--samples", "20000", "--method", "plain"]
        let e7 = try Self.shards(estimate + ["--seed", "7"], count: 3, in: dir, prefix: "e7")
        let e8 = try Self.shards(estimate + ["--seed", "8"], count: 3, in: dir, prefix: "e8")
        try Self.expectRefused([e7[0], e7[1], good[2]], mentioning: [good[2], "mcest sw"])
        try Self.expectRefused([e7[0], e8[1], e7[2]], mentioning: [e8[1], "seed"])
    }

    @Test("a partial merge needs --allow-partial and says so loudly in text and JSON")
    func partialMerge() throws {
        let dir = try Self.directory()
        let files = try Self.shards(["estimate", "--samples", "30000", "--seed", "4"], count: 3, in: dir, prefix: "p")
        let text = try MCEstExecutable.run(["merge", files[0], files[2], "--allow-partial"])
        #expect(text.status == 0, "\(text.standardError)")
        #expect(text.standardOutput.contains("PARTIAL MERGE") && text.standardError.contains("partial merge"))
        let object = try Self.object(try MCEstExecutable.run(["merge", files[2], files[0], "--allow-partial", "--json"]))
        let shards = try #require(object["shards"] as? [String: Any])
        #expect(shards["partial"] as? Bool == true && (shards["missing"] as? [Int]) == [1])
        #expect(object["stopReason"] as? String == "partialMerge")
        #expect((object["sampleCount"] as? Int).map { $0 > 0 && $0 < 30000 } == true)
    }

    @Test("shard options are validated: --shard needs --state-out, a sample count rather than --target-se, and enough blocks")
    func shardOptionsAreValidated() throws {
        let dir = try Self.directory()
        let path = dir.appendingPathComponent("s.json").path
        #expect(try MCEstExecutable.run(["estimate", "--shard", "0/2"]).status == 64)
        #expect(try MCEstExecutable.run(["estimate", "--shard", "2/2", "--state-out", path]).status == 64)
        #expect(try MCEstExecutable.run(["estimate", "--target-se", "0.01", "--shard", "0/2", "--state-out", path]).status == 64)
        let tooMany = try MCEstExecutable.run(["estimate", "--samples", "5000", "--shard", "0/3", "--state-out", path])
        #expect(tooMany.status == 2 && tooMany.standardError.contains("blocks"), "\(tooMany.standardError)")
    }

    // MARK: - Progress line and JSON

    @Test("piped output has no progress line; --target-se stops at the target")
    func pipedOutputHasNoProgressLine() throws {
        // Several rounds of blocks (64 × 4096 draws each), so a progress line would be drawn on a terminal.
        let text = try MCEstExecutable.run(["estimate", "--problem", "exp", "--samples", "600000", "--seed", "1"])
        #expect(text.status == 0)
        #expect(text.standardError.isEmpty && !text.standardOutput.contains("\r") && !text.standardOutput.contains("\u{1B}"))
        let object = try Self.object(try MCEstExecutable.run(["estimate", "--problem", "exp", "--target-se", "0.002",
                                                              "--samples", "10000000", "--seed", "1", "--json"]))
        let value = try #require(object["value"] as? Double), se = try #require(object["standardError"] as? Double)
        #expect(object["stopReason"] as? String == "reachedAbsoluteError")
        #expect(se <= 0.002 * (1 + 1e-12))
        // Stopping on the error target: n ≈ σ²/target² with σ² = (e² − 1)/2 − (e − 1)² ≈ 0.242 → about 60,000.
        #expect((object["sampleCount"] as? Int).map { $0 < 600_000 } == true)
        #expect(abs(value - (M_E - 1)) <= 5 * se)
        for key in ["variance", "confidenceInterval", "effectiveSampleSize", "method", "diagnostics", "sampleCount"] {
            #expect(object[key] != nil, "missing \(key)")
        }
    }
}
