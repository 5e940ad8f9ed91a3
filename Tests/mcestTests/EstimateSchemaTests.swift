import Foundation
import MonteCarloCore
import Testing

/// Every subcommand's `--json` (and an example's) validates against the one estimate schema,
/// `Schemas/estimate.schema.json`, and names its command in `context.command`.
@Suite("mcest --json: one estimate schema for every subcommand")
struct EstimateSchemaTests {
    static let schemaURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Schemas/estimate.schema.json")

    static func validator() throws -> JSONSchemaValidator {
        let schema = try JSONSerialization.jsonObject(with: Data(contentsOf: schemaURL))
        return JSONSchemaValidator(root: try #require(schema as? [String: Any]))
    }

    /// The records of a document: itself, or its elements.
    static func records(_ document: Any) -> [[String: Any]] {
        (document as? [[String: Any]]) ?? [(document as? [String: Any]) ?? [:]]
    }

    /// Runs `arguments` with `--json`, validates the output against the schema and checks that
    /// every record's context names `command` (when given) and that its variance is its squared SE.
    @discardableResult
    static func check(_ arguments: [String], command: String?, program: String = "mcest",
                      sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
        let output = try MCEstExecutable.run(arguments + ["--json"], program: program)
        let name = ([program] + arguments.prefix(3)).joined(separator: " ")
        #expect(output.status == 0, "\(name): \(output.standardError)", sourceLocation: sourceLocation)
        let document = try JSONSerialization.jsonObject(with: Data(output.standardOutput.utf8))
        let problems = try validator().errors(document)
        #expect(problems.isEmpty, "\(name): \(problems.prefix(5))", sourceLocation: sourceLocation)
        let records = Self.records(document)
        #expect(!records.isEmpty, "\(name): no records", sourceLocation: sourceLocation)
        for record in records {
            let context = record["context"] as? [String: Any]
            if let command { #expect(context?["command"] as? String == command, "\(name)", sourceLocation: sourceLocation) }
            if let se = record["standardError"] as? Double, let variance = record["variance"] as? Double {
                #expect(abs(se * se - variance) <= 1e-12 * max(variance, 1e-300), "\(name)", sourceLocation: sourceLocation)
            }
        }
        return records
    }

    static func write(_ text: String, _ name: String, in directory: URL) throws -> String {
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// The subcommands `mcest --help` lists.
    static func subcommands() throws -> [String] {
        let help = try MCEstExecutable.run(["--help"]).standardOutput
        let section = try #require(help.components(separatedBy: "SUBCOMMANDS:").last)
        // "  name   abstract…" lines (continuation lines are indented further; the closing "  See 'mcest help …'" line
        // has a single space after its first word).
        return section.components(separatedBy: "\n").compactMap { line in
            guard let match = line.firstMatch(of: /^  ([a-z]+) {3}/) else { return nil }
            return String(match.1)
        }
    }

    @Test("every subcommand's --json validates against Schemas/estimate.schema.json")
    func everySubcommand() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("schema-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var covered: Set<String> = []

        try Self.check(["demo", "--samples", "2000"], command: "demo")
        covered.insert("demo")

        try Self.check(["estimate", "--samples", "5000", "--method", "cv"], command: "estimate")
        let estimateShards = try (0..<2).map { i in
            let path = dir.appendingPathComponent("e\(i).json").path
            let shard = try MCEstExecutable.run(["estimate", "--samples", "8192", "--shard", "\(i)/2", "--state-out", path])
            #expect(shard.status == 0, "\(shard.standardError)")
            return path
        }
        try Self.check(["merge"] + estimateShards, command: "estimate")
        covered.formUnion(["estimate", "merge"])

        let xPath = try Self.write(SWCommandTests.csv(SWCommandTests.cloud(n: 40, d: 3)), "x.csv", in: dir)
        let yPath = try Self.write(SWCommandTests.csv(SWCommandTests.cloud(n: 30, d: 3).map { $0.map { 0.5 * $0 + 1 } }),
                                   "y.csv", in: dir)
        let sw = try Self.check(["sw", xPath, yPath, "--projections", "200", "--method", "mc"], command: "sw")
        #expect(sw.count == 2)
        let swShards = try (0..<2).map { i in
            let path = dir.appendingPathComponent("sw\(i).json").path
            let shard = try MCEstExecutable.run(["sw", xPath, yPath, "--projections", "200", "--shard", "\(i)/2", "--state-out", path])
            #expect(shard.status == 0, "\(shard.standardError)")
            return path
        }
        try Self.check(["merge"] + swShards, command: "sw")
        covered.insert("sw")

        let viPath = try Self.write(VICommandTests.golden, "vi.csv", in: dir)
        let vi = try Self.check(["vi", "--model", "linear-regression", viPath, "--target", "y", "--intercept", "--samples", "400"],
                                command: "vi")
        #expect(vi.count == 3)
        covered.insert("vi")

        // Correlated Gaussian pairs and standard normal draws with their scores −x.
        var generator = Xoshiro256PlusPlus(seed: 77)
        var pairs = "x1,y1\n", samples = "x\n", scores = "u\n", values = "f,g\n"
        for _ in 0..<300 {
            let a = generator.nextStandardNormal(), b = generator.nextStandardNormal()
            pairs += "\(a),\(0.6 * a + 0.8 * b)\n"
            samples += "\(a)\n"
            scores += "\(-a)\n"
            values += "\(a * a + a),\(sin(a))\n"
        }
        let miPath = try Self.write(pairs, "mi.csv", in: dir)
        for method in ["gaussian", "ksg", "nwj"] {
            try Self.check(["mi", miPath, "--x", "x1", "--y", "y1", "--method", method], command: "mi")
        }
        covered.insert("mi")
        try Self.check(["entropy", miPath, "--columns", "x1,y1"], command: "entropy")
        covered.insert("entropy")
        var shifted = "x1\n"
        for _ in 0..<300 { shifted += "\(1.5 * generator.nextStandardNormal() + 0.5)\n" }
        try Self.check(["kl", miPath, try Self.write(shifted, "Q.csv", in: dir), "--columns", "x1"], command: "kl")
        covered.insert("kl")
        let cvFiles = ["--samples", try Self.write(samples, "X.csv", in: dir), "--scores", try Self.write(scores, "U.csv", in: dir),
                       "--values", try Self.write(values, "F.csv", in: dir)]
        for method in ["zv1", "vv"] {
            let cv = try Self.check(["cv"] + cvFiles + ["--method", method], command: "cv")
            #expect(cv.count == 2)
        }
        covered.insert("cv")
        try Self.check(["ksd", "--samples", cvFiles[1], "--scores", cvFiles[3], "--test", "--bootstrap", "50", "--thin", "5"], command: "ksd")
        covered.insert("ksd")

        let chainPaths = try (0..<2).map { c in
            try CmdStanFixture.write(CmdStanFixture.text(chain: c, draws: 200), name: "output_\(c + 1).csv", in: dir)
        }
        try Self.check(["summary"] + chainPaths, command: "summary")
        covered.insert("summary")

        #expect(Set(try Self.subcommands()) == covered, "subcommands without a schema check")
    }

    @Test("an example's --json validates against the same schema")
    func example() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("schema-ex-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let records = try Self.check(["--points", "100", "--projections", "100", "--output", dir.path], command: nil,
                                     program: "sliced-wasserstein-files")
        #expect(records.allSatisfy { ($0["context"] as? [String: Any])?["label"] is String })
    }

    /// The validator rejects what the schema forbids, so the checks above can fail.
    @Test("the validator rejects a missing key, a wrong type, an unknown key and a bad array element")
    func validatorRejects() throws {
        let validator = try Self.validator()
        let estimate = Estimate(value: 1.5, variance: 0.04, sampleCount: 100, effectiveSampleSize: 100,
                                    diagnostics: Diagnostics(method: "plain", figures: ["x": .nan]))
        let good = try JSONSerialization.jsonObject(with: Data(try EstimateRecord(estimate, context: ["command": "test"]).json().utf8))
        var record = try #require(good as? [String: Any])
        #expect(validator.errors(record).isEmpty, "\(validator.errors(record))")
        #expect(validator.errors([record, record]).isEmpty)

        var missing = record
        missing.removeValue(forKey: "confidenceInterval")
        #expect(validator.errors(missing).contains { $0.contains("missing required key confidenceInterval") })
        var wrongType = record
        wrongType["sampleCount"] = "100"
        #expect(!validator.errors(wrongType).isEmpty)
        var extra = record
        extra["truth"] = 1.5
        #expect(validator.errors(extra).contains { $0.contains("unexpected key truth") })
        record["variance"] = -1.0
        #expect(!validator.errors(record).isEmpty)
        #expect(!validator.errors([good, 3]).isEmpty)
        #expect(!validator.errors("text").isEmpty)
    }
}
