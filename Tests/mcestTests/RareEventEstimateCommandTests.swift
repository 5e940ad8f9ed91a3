import Foundation
import Testing

/// `mcest estimate --problem rare-event`: schema-valid JSON within 5 SE of Q(γ), and bad input
/// as exit code 2 (or 64 for a usage error) with a message.
@Suite("mcest estimate --problem rare-event")
struct RareEventEstimateCommandTests {
    @Test("cem: a valid record within 5 SE of Q(5), with the fitted shift and the levels")
    func cem() throws {
        let records = try EstimateSchemaTests.check(
            ["estimate", "--problem", "rare-event", "--method", "cem", "--samples", "20000", "--seed", "5"], command: "estimate")
        let record = try #require(records.first)
        let context = try #require(record["context"] as? [String: Any])
        let value = try #require(record["value"] as? Double), se = try #require(record["standardError"] as? Double)
        let truth = try #require(context["truth"] as? Double)
        #expect(abs(truth - 2.866516e-7) < 1e-12)
        #expect(abs(value - truth) <= 5 * se, "\(value) ± \(se) vs \(truth)")
        let levels = try #require(context["levels"] as? [Double])
        #expect(levels.last == 5)
        #expect(context["proposalMean"] as? Double != nil)
    }

    @Test("plain at --threshold 3: a valid record within 5 SE of Q(3)")
    func plain() throws {
        let records = try EstimateSchemaTests.check(
            ["estimate", "--problem", "rare-event", "--method", "plain", "--threshold", "3", "--samples", "100000", "--seed", "5"],
            command: "estimate")
        let record = try #require(records.first)
        let value = try #require(record["value"] as? Double), se = try #require(record["standardError"] as? Double)
        let truth = 0.5 * erfc(3 / 2.squareRoot())
        #expect(abs(value - truth) <= 5 * se, "\(value) ± \(se) vs \(truth)")
    }

    @Test("bad input: exit codes and messages naming the fix")
    func badInput() throws {
        for (arguments, status, needle) in [
            (["--problem", "exp", "--method", "cem"], Int32(2), "rare-event"),
            (["--problem", "rare-event", "--method", "antithetic"], 2, "cem or plain"),
            (["--problem", "rare-event", "--method", "cem", "--target-se", "1e-9"], 2, "--target-se"),
            (["--problem", "rare-event", "--threshold", "inf"], 64, "--threshold"),
        ] {
            let output = try MCEstExecutable.run(["estimate"] + arguments)
            #expect(output.status == status, "\(arguments): \(output.standardError)")
            #expect(output.standardError.contains(needle), "\(arguments): \(output.standardError)")
        }
    }
}
