import Foundation
import Testing

/// `mcest estimate --method mlmc|rmlmc`: schema-valid JSON near the Black–Scholes price, the
/// per-level table in the context, and bad input as exit code 2 with a message.
@Suite("mcest estimate --method mlmc|rmlmc")
struct MultilevelEstimateCommandTests {
    @Test("mlmc and rmlmc: valid records within 5 SE plus the declared bias of Black–Scholes (Kemna–Vorst for asian-geometric)",
          arguments: [("european-milstein", "mlmc"), ("european-euler", "mlmc"), ("european-milstein", "rmlmc"),
                      ("asian-geometric", "mlmc"), ("asian-geometric", "rmlmc")])
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

    /// The arithmetic Asian call has no closed form (truth null); its price is above the geometric
    /// one's (AM ≥ GM path by path, so for the limits too): the two runs' difference must exceed
    /// −5 combined SE minus both declared biases.
    @Test("asian --method mlmc: a valid record with no truth, above the geometric Asian price")
    func asian() throws {
        var results: [(value: Double, se: Double, bias: Double)] = []
        for problem in ["asian", "asian-geometric"] {
            let records = try EstimateSchemaTests.check(
                ["estimate", "--problem", problem, "--method", "mlmc", "--rmse", "0.05", "--seed", "9"], command: "estimate")
            let record = try #require(records.first)
            let context = try #require(record["context"] as? [String: Any])
            #expect((context["truth"] is NSNull) == (problem == "asian"), "\(problem): \(context["truth"] ?? "missing")")
            results.append((try #require(record["value"] as? Double), try #require(record["standardError"] as? Double),
                            try #require(context["biasBound"] as? Double)))
        }
        let (a, g) = (results[0], results[1])
        #expect(a.value - g.value >= -5 * (a.se * a.se + g.se * g.se).squareRoot() - a.bias - g.bias, "\(results)")
    }

    @Test("bad input: exit code 2 and a message naming the fix")
    func badInput() throws {
        for (arguments, needle) in [
            (["--problem", "exp", "--method", "mlmc", "--rmse", "0.1"], "european-euler"),
            (["--problem", "european-euler", "--method", "plain"], "mlmc or rmlmc"),
            (["--problem", "asian-geometric", "--method", "stratified"], "mlmc or rmlmc"),
            (["--problem", "european-euler", "--method", "mlmc"], "--rmse"),
            (["--problem", "european-euler", "--method", "mlmc", "--rmse=0"], "--rmse"),
            (["--problem", "european-euler", "--method", "mlmc", "--rmse", "-1"], "--rmse"),  // a value, not an option
            (["--problem", "european-euler", "--method", "mlmc", "--rmse", "0.1", "--target-se", "0.1"], "--target-se"),
        ] {
            let output = try MCEstExecutable.run(["estimate"] + arguments)
            #expect(output.status == 2, "\(arguments): \(output.standardError)")
            #expect(output.standardError.contains(needle), "\(arguments): \(output.standardError)")
        }
    }
}
