import Foundation
import Testing

/// `mcest estimate --method mlmc|rmlmc`: schema-valid JSON near the Black–Scholes price, the
/// per-level table in the context, and bad input as exit code 2 with a message.
@Suite("mcest estimate --method mlmc|rmlmc")
struct MultilevelEstimateCommandTests {
    @Test("mlmc and rmlmc: valid records within 5 SE plus the declared bias of Black–Scholes",
          arguments: [("european-milstein", "mlmc"), ("european-euler", "mlmc"), ("european-milstein", "rmlmc")])
    func records(problem: String, method: String) throws {
        let records = try EstimateSchemaTests.check(
            ["estimate", "--problem", problem, "--method", method, "--rmse", "0.05", "--seed", "5"], command: "estimate")
        let record = try #require(records.first)
        let context = try #require(record["context"] as? [String: Any])
        let value = try #require(record["value"] as? Double), se = try #require(record["standardError"] as? Double)
        let truth = try #require(context["truth"] as? Double)
        let bias = context["biasBound"] as? Double ?? 0
        #expect(abs(value - truth) <= 5 * se + bias, "\(problem) \(method): \(value) ± \(se) vs \(truth)")
        #expect(context["stopReason"] as? String == (method == "mlmc" ? "reachedTarget" : "reachedAbsoluteError"))
        if method == "mlmc" {
            let levels = try #require(context["levels"] as? [[String: Any]])
            #expect(levels.count >= 3)
            #expect(se <= 0.05 / 2.squareRoot() * (1 + 1e-12))
        }
    }

    @Test("bad input: exit code 2 and a message naming the fix")
    func badInput() throws {
        for (arguments, needle) in [
            (["--problem", "exp", "--method", "mlmc", "--rmse", "0.1"], "european-euler"),
            (["--problem", "european-euler", "--method", "plain"], "mlmc or rmlmc"),
            (["--problem", "european-euler", "--method", "mlmc"], "--rmse"),
            (["--problem", "european-euler", "--method", "mlmc", "--rmse=0"], "--rmse"),
            (["--problem", "european-euler", "--method", "mlmc", "--rmse", "0.1", "--target-se", "0.1"], "--target-se"),
        ] {
            let output = try MCEstExecutable.run(["estimate"] + arguments)
            #expect(output.status == 2, "\(arguments): \(output.standardError)")
            #expect(output.standardError.contains(needle), "\(arguments): \(output.standardError)")
        }
    }
}
