import Foundation
import Testing

/// `mcest estimate --method stratified|lhs` options: Neyman allocation, strata on several
/// coordinates and orthogonal arrays give estimates within 5 SE of closed forms; their shards
/// merge to the single run; bad combinations are usage errors (exit 64) naming the fix.
@Suite("mcest estimate: stratification options")
struct StratificationCommandTests {
    /// Black–Scholes price of the European call (S0 = 100, K = 105, r = 0.05, σ = 0.2, T = 1).
    static let blackScholes = 8.021352235143176

    static func valueAndError(_ arguments: [String]) throws -> (value: Double, se: Double, record: [String: Any]) {
        let records = try EstimateSchemaTests.check(["estimate"] + arguments, command: "estimate")
        let record = try #require(records.first)
        return (try #require(record["value"] as? Double), try #require(record["standardError"] as? Double), record)
    }

    @Test("neyman allocation and orthogonal arrays: within 5 SE of the closed form",
          arguments: [(["--problem", "exp", "--method", "stratified", "--strata", "16", "--allocation", "neyman",
                        "--pilot", "8", "--samples", "32000"], 1.718281828459045),
                      (["--problem", "european", "--method", "stratified", "--strata", "32", "--allocation", "neyman",
                        "--samples", "64000"], blackScholes),
                      (["--problem", "european", "--method", "lhs", "--design", "orthogonal-array", "--design-size", "49",
                        "--samples", "49000"], blackScholes),
                      (["--problem", "exp", "--method", "lhs", "--design", "lhs", "--design-size", "64",
                        "--samples", "64000"], 1.718281828459045)])
    func closedForms(arguments: [String], truth: Double) throws {
        let (value, se, record) = try Self.valueAndError(arguments + ["--seed", "11"])
        #expect(se > 0 && abs(value - truth) <= 5 * se, "\(arguments): \(value) ± \(se) vs \(truth)")
        let context = try #require(record["context"] as? [String: Any])
        #expect(abs(try #require(context["truth"] as? Double) - truth) < 1e-9)
        // --samples counts evaluations: a Neyman sweep's size is not the number of strata, and
        // the sweep count follows the sweep actually built (at most one sweep short).
        let position = try #require(arguments.firstIndex(of: "--samples"))
        let requested = try #require(Int(arguments[position + 1]))
        let used = try #require(record["sampleCount"] as? Int)
        #expect(used <= requested && Double(used) >= 0.9 * Double(requested), "\(arguments): \(used) evaluations")
    }

    /// The arithmetic Asian call has no closed form: strata on its first two Brownian increments
    /// (4 × 4) and an orthogonal array on all 16 (q = 17) must agree with the control-variate
    /// estimate within 5 combined standard errors (independent runs: different seeds).
    @Test("asian: strata on two coordinates and a 17² orthogonal array agree with the cv estimate")
    func severalCoordinates() throws {
        let reference = try Self.valueAndError(["--problem", "asian", "--method", "cv", "--samples", "100000", "--seed", "1"])
        for arguments in [["--method", "stratified", "--strata", "4", "--strata-coordinates", "2", "--samples", "32000"],
                          ["--method", "lhs", "--design", "orthogonal-array", "--design-size", "289", "--samples", "28900"]] {
            let run = try Self.valueAndError(["--problem", "asian", "--seed", "2"] + arguments)
            let combined = (run.se * run.se + reference.se * reference.se).squareRoot()
            #expect(abs(run.value - reference.value) <= 5 * combined, "\(arguments): \(run.value) ± \(run.se) vs \(reference.value)")
        }
    }

    @Test("neyman and orthogonal-array runs: 3 shards merged equal the single run")
    func shards() throws {
        let dir = try ShardCommandTests.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, extra) in [("neyman", ["--method", "stratified", "--strata", "32", "--allocation", "neyman"]),
                              ("oa", ["--method", "lhs", "--design", "orthogonal-array", "--design-size", "49"])] {
            let arguments = ["estimate", "--problem", "european", "--samples", "49000", "--seed", "3"] + extra
            let single = try ShardCommandTests.object(try MCEstExecutable.run(arguments + ["--json"]))
            let files = try ShardCommandTests.shards(arguments, count: 3, in: dir, prefix: name)
            let merged = try ShardCommandTests.object(try MCEstExecutable.run(["merge", files[2], files[0], files[1], "--json"]))
            #expect(ShardCommandTests.withoutShards(merged) == (single as NSDictionary), "\(name)")
        }
    }

    @Test("bad combinations: exit code 64 and a message naming the option")
    func badInput() throws {
        for (arguments, needle) in [
            (["--method", "lhs", "--allocation", "neyman"], "--allocation"),
            (["--method", "stratified", "--pilot", "8"], "--pilot"),
            (["--method", "stratified", "--allocation", "neyman", "--pilot", "1"], "--pilot"),
            (["--method", "plain", "--design", "orthogonal-array"], "--design"),
            (["--method", "lhs", "--design", "orthogonal-array", "--design-size", "50"], "q²"),
            (["--problem", "asian", "--method", "lhs", "--design", "orthogonal-array", "--design-size", "49"], "q ≥ 15"),
            (["--problem", "exp", "--method", "stratified", "--strata-coordinates", "2"], "--strata-coordinates"),
            (["--problem", "asian", "--method", "stratified", "--strata", "64", "--strata-coordinates", "4"], "strata"),
            (["--method", "stratified", "--allocation", "optimal"], "allocation"),
        ] {
            let output = try MCEstExecutable.run(["estimate"] + arguments)
            #expect(output.status == 64, "\(arguments): \(output.standardError)")
            #expect(output.standardError.contains(needle), "\(arguments): \(output.standardError)")
        }
    }
}
