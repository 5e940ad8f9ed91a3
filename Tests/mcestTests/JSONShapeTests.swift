import Foundation
import MonteCarloCore
import Testing

/// Every subcommand's `--json` estimate has the same core fields: value, variance, standard
/// error, interval, sample count, ESS, method and diagnostics (see `EstimateReport` in mcest).
@Suite("mcest --json: one estimate shape in every subcommand")
struct JSONShapeTests {
    /// Checks the core fields of one estimate object, and that the variance is the squared SE.
    static func checkShape(_ object: Any?, _ context: String, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let object = object as? [String: Any] else {
            Issue.record("\(context): not an object", sourceLocation: sourceLocation)
            return
        }
        for key in ["value", "variance", "standardError", "interval", "degreesOfFreedom", "sampleCount",
                    "effectiveSampleSize", "method", "diagnostics"] where object[key] == nil {
            Issue.record("\(context): missing \(key)", sourceLocation: sourceLocation)
        }
        let interval = object["interval"] as? [String: Any]
        #expect(interval?["lower"] != nil && interval?["upper"] != nil && interval?["level"] as? Double == 0.95,
                "\(context): interval", sourceLocation: sourceLocation)
        let diagnostics = object["diagnostics"] as? [String: Any]
        for key in ["warnings", "figures", "coefficients"] where diagnostics?[key] == nil {
            Issue.record("\(context): diagnostics lacks \(key)", sourceLocation: sourceLocation)
        }
        if let se = object["standardError"] as? Double, let variance = object["variance"] as? Double {
            #expect(abs(se * se - variance) <= 1e-12 * max(variance, 1e-300), "\(context)", sourceLocation: sourceLocation)
        } else {
            Issue.record("\(context): standardError or variance not a number", sourceLocation: sourceLocation)
        }
    }

    static func json(_ arguments: [String]) throws -> Any {
        let output = try MCEstExecutable.run(arguments + ["--json"])
        #expect(output.status == 0, "\(arguments.first ?? ""): \(output.standardError)")
        return try JSONSerialization.jsonObject(with: Data(output.standardOutput.utf8))
    }

    static func write(_ text: String, _ name: String, in directory: URL) throws -> String {
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test("demo, estimate, sw, vi, mi and cv")
    func everySubcommand() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("json-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        let demo = try #require(try Self.json(["demo", "--samples", "2000"]) as? [Any])
        #expect(demo.count == 12)
        for row in demo { Self.checkShape(row, "demo row") }

        Self.checkShape(try Self.json(["estimate", "--samples", "5000", "--method", "cv"]), "estimate")

        let x = SWCommandTests.cloud(n: 40, d: 3)
        let xPath = try Self.write(SWCommandTests.csv(x), "x.csv", in: dir)
        let yPath = try Self.write(SWCommandTests.csv(SWCommandTests.cloud(n: 30, d: 3).map { $0.map { 0.5 * $0 + 1 } }),
                                   "y.csv", in: dir)
        let sw = try #require(try Self.json(["sw", xPath, yPath, "--projections", "200", "--method", "mc"]) as? [String: Any])
        Self.checkShape(sw["power"], "sw power")
        Self.checkShape(sw["distance"], "sw distance")

        let vi = try #require(try Self.json(["vi", "--model", "linear-regression", try Self.write(VICommandTests.golden, "vi.csv", in: dir),
                                             "--target", "y", "--intercept", "--samples", "400"]) as? [String: Any])
        Self.checkShape(vi["elbo"], "vi elbo")
        for bound in try #require(vi["iwae"] as? [Any]) { Self.checkShape(bound, "vi iwae") }

        // Correlated Gaussian pairs and standard normal draws with their scores −x.
        var generator = Xoshiro256PlusPlus(seed: 77)
        var pairs = "x1,y1\n", samples = "x\n", scores = "u\n", values = "f\n"
        for _ in 0..<300 {
            let a = generator.nextStandardNormal(), b = generator.nextStandardNormal()
            pairs += "\(a),\(0.6 * a + 0.8 * b)\n"
            samples += "\(a)\n"
            scores += "\(-a)\n"
            values += "\(a * a + a)\n"
        }
        let miPath = try Self.write(pairs, "mi.csv", in: dir)
        Self.checkShape(try Self.json(["mi", miPath, "--x", "x1", "--y", "y1", "--method", "gaussian"]), "mi")
        // A bound with the default critic adds the critic, the batch layout and a null fallback.
        let bound = try #require(try Self.json(["mi", miPath, "--x", "x1", "--y", "y1", "--method", "nwj"]) as? [String: Any])
        Self.checkShape(bound, "mi nwj")
        #expect(bound["critic"] is String && bound["batchSize"] is Int && bound["fallback"] is NSNull, "\(bound)")
        let boundDiagnostics = bound["diagnostics"] as? [String: Any]
        #expect(boundDiagnostics?["batches"] is Int && boundDiagnostics?["notes"] is [String])
        let cv = try #require(try Self.json(["cv", "--samples", try Self.write(samples, "X.csv", in: dir),
                                             "--scores", try Self.write(scores, "U.csv", in: dir),
                                             "--values", try Self.write(values, "F.csv", in: dir), "--method", "zv1"]) as? [Any])
        for row in cv { Self.checkShape(row, "cv row") }
    }
}
