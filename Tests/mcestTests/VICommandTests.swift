import Foundation
import Testing

/// `mcest vi` end to end on the BLR-1 golden case (shared/reference/elbo.md §3.3), whose log
/// evidence −6.373102077979 and posterior mean (0.564109, 1.127313) are known exactly.
@Suite("mcest vi")
struct VICommandTests {
    struct Context: Decodable {
        let quantity: String
        let groupSize: Int?
        let alpha: Double?
        let logEvidence: Double?
        let posterior: [Report.Weight]
        let converged: Bool
        let stopReason: String
        let iterations: Int
    }

    /// The `--json` array of estimate records (the ELBO, then IWAE_K), flattened.
    struct Report {
        struct Bound { let value: Double; let standardError: Double; let groupSize: Int?; let alpha: Double? }
        struct Weight: Decodable { let name: String; let mean: Double; let standardDeviation: Double }
        let elbo: Bound
        let iwae: [Bound]
        let renyi: [Bound]
        let logEvidence: Double?
        let posterior: [Weight]
        let converged: Bool
        let stopReason: String
        let iterations: Int

        static func decode(_ output: String) throws -> Report {
            let records = try EstimateRecordJSON<Context>.array(output)
            let elbo = try #require(records.first { $0.context.quantity == "elbo" })
            func bound(_ r: EstimateRecordJSON<Context>) -> Bound {
                Bound(value: r.value, standardError: r.standardError, groupSize: r.context.groupSize, alpha: r.context.alpha)
            }
            return Report(elbo: bound(elbo), iwae: records.filter { $0.context.quantity == "iwae" }.map(bound),
                          renyi: records.filter { $0.context.quantity == "renyi" }.map(bound),
                          logEvidence: elbo.context.logEvidence, posterior: elbo.context.posterior,
                          converged: elbo.context.converged, stopReason: elbo.context.stopReason,
                          iterations: elbo.context.iterations)
        }
    }

    static func write(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vi-\(UUID().uuidString).csv")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    static let golden = "x,y\n-0.5,0.2\n0.3,0.9\n1.1,1.8\n-1.4,-1.1\n0.7,1.2\n2.0,2.9\n"

    @Test("full-rank linear regression reaches the exact log evidence and posterior mean")
    func linearRegression() throws {
        let path = try Self.write(Self.golden)
        let output = try MCEstExecutable.run(["vi", "--model", "linear-regression", path, "--target", "y", "--intercept",
                                              "--prior-sd", "2", "--noise-sd", "0.5", "--family", "full-rank", "--json"])
        #expect(output.status == 0, "\(output.standardError)")
        let report = try Report.decode(output.standardOutput)
        let logEvidence = try #require(report.logEvidence)
        #expect(abs(logEvidence - -6.373_102_077_979) < 1e-9)
        // ELBO ≤ log p(y) (one-sided, 5 SE); the fitted full-rank q is within 0.01 nats of it.
        #expect(report.elbo.value <= logEvidence + 5 * report.elbo.standardError)
        #expect(report.elbo.value > logEvidence - 0.01)
        #expect(abs(report.posterior[0].mean - 0.564_109) < 0.02 && abs(report.posterior[1].mean - 1.127_313) < 0.02)
        #expect(report.iwae.map(\.groupSize) == [10, 100])
        #expect(report.renyi.isEmpty)
        #expect(report.stopReason == "converged" && report.converged)
    }

    @Test("--alpha adds Rényi bounds between the ELBO and log p(y) (α = 0.5) and above the ELBO (α = −1)")
    func renyiBounds() throws {
        let path = try Self.write(Self.golden)
        let output = try MCEstExecutable.run(["vi", "--model", "linear-regression", path, "--target", "y", "--intercept",
                                              "--prior-sd", "2", "--noise-sd", "0.5", "--family", "full-rank",
                                              "--alpha", "0.5", "--alpha", "-1", "--group-size", "20", "--samples", "4000", "--json"])
        #expect(output.status == 0, "\(output.standardError)")
        let report = try Report.decode(output.standardOutput)
        let logEvidence = try #require(report.logEvidence)
        #expect(report.renyi.map(\.alpha) == [0.5, -1] && report.renyi.allSatisfy { $0.groupSize == 20 })
        func noise(_ a: Report.Bound, _ b: Report.Bound) -> Double {
            (a.standardError * a.standardError + b.standardError * b.standardError).squareRoot()
        }
        // E[L_{α,K}] ≥ ELBO for α < 1 (it rises with K from the ELBO at K = 1), and ≤ log p(y)
        // for 0 ≤ α < 1: one-sided, 5 combined SE.
        let (half, minusOne) = (report.renyi[0], report.renyi[1])
        #expect(half.value >= report.elbo.value - 5 * noise(half, report.elbo))
        #expect(half.value <= logEvidence + 5 * half.standardError)
        #expect(minusOne.value >= report.elbo.value - 5 * noise(minusOne, report.elbo))
        let text = try MCEstExecutable.run(["vi", "--model", "linear-regression", path, "--target", "y", "--intercept",
                                            "--alpha", "0.5", "--group-size", "20", "--samples", "400"])
        #expect(text.status == 0 && text.standardOutput.contains("Rényi bounds, K = 20") && text.standardOutput.contains("α = 0.5"), "\(text.standardOutput)")
    }

    @Test("the stop reason: iterationLimit when --max-iterations runs out first, in JSON and text")
    func stopReason() throws {
        let path = try Self.write(Self.golden)
        let arguments = ["vi", "--model", "linear-regression", path, "--target", "y", "--intercept", "--max-iterations", "150", "--samples", "400"]
        let output = try MCEstExecutable.run(arguments + ["--json"])
        #expect(output.status == 0, "\(output.standardError)")
        let report = try Report.decode(output.standardOutput)
        // The first comparison needs window = 4 checks of 100 iterations: 150 cannot converge.
        #expect(report.stopReason == "iterationLimit" && !report.converged && report.iterations == 150)
        let text = try MCEstExecutable.run(arguments)
        #expect(text.standardOutput.contains("150 Adam iterations, stop reason iterationLimit"), "\(text.standardOutput)")
    }

    struct GradientContext: Decodable {
        let quantity: String
        let estimator: String?
        let groupSize: Int?
        let parameter: String?
    }

    @Test("--gradient adds one IWAE_K gradient record per variational parameter; vimco needs K ≥ 2 (exit 64)")
    func gradient() throws {
        let path = try Self.write(Self.golden)
        let common = ["vi", "--model", "linear-regression", path, "--target", "y", "--intercept", "--prior-sd", "2",
                      "--noise-sd", "0.5", "--family", "full-rank", "--samples", "2000", "--group-size", "4"]
        let output = try MCEstExecutable.run(common + ["--gradient", "vimco", "--json"])
        #expect(output.status == 0, "\(output.standardError)")
        let records = try EstimateRecordJSON<GradientContext>.array(output.standardOutput).filter { $0.context.quantity == "iwaeGradient" }
        // Two weights, full-rank: 2 means and the 3 entries of the lower-triangular scale.
        #expect(records.map { $0.context.parameter ?? "" }
                == ["mean[(intercept)]", "mean[x]", "scale[(intercept)]", "scale[x,(intercept)]", "scale[x]"])
        #expect(records.allSatisfy { $0.context.estimator == "vimco" && $0.context.groupSize == 4 && $0.standardError > 0 })
        let text = try MCEstExecutable.run(common + ["--gradient", "dreg"])
        #expect(text.status == 0 && text.standardOutput.contains("IWAE_4 gradient at q (dreg"), "\(text.standardOutput)")
        let refused = try MCEstExecutable.run(common.dropLast(2) + ["--group-size", "1", "--gradient", "vimco"])
        #expect(refused.status == 64, "\(refused.standardError)")
    }

    @Test("--alpha 1 or a non-finite α is refused (exit 64)", arguments: ["1", "nan", "inf"])
    func badAlpha(alpha: String) throws {
        let path = try Self.write(Self.golden)
        let output = try MCEstExecutable.run(["vi", "--model", "linear-regression", path, "--target", "y", "--alpha", alpha])
        #expect(output.status == 64, "\(output.standardError)")
        #expect(output.standardError.contains("--alpha"), "\(output.standardError)")
    }

    @Test("logistic regression runs and reports no exact evidence")
    func logisticRegression() throws {
        let path = try Self.write("x,y\n-1.5,0\n-0.4,0\n0.2,1\n-0.1,0\n0.9,1\n1.7,1\n0.5,0\n-0.8,1\n")
        let output = try MCEstExecutable.run(["vi", "--model", "logistic-regression", path, "--target", "y", "--intercept", "--json"])
        #expect(output.status == 0, "\(output.standardError)")
        let report = try Report.decode(output.standardOutput)
        #expect(report.logEvidence == nil)
        #expect(report.posterior.count == 2)
        // IWAE_100 ≥ ELBO in expectation (Burda et al.): allow 5 combined SE.
        let iwae = report.iwae[1]
        #expect(iwae.value >= report.elbo.value - 5 * (iwae.standardError * iwae.standardError + report.elbo.standardError * report.elbo.standardError).squareRoot())
    }

    @Test("bad data exits with code 2 and a clear message", arguments: [
        ("x,y\n1,a\n2,3\n", "not a finite number"),
        ("x,y\n1,nan\n2,3\n", "not a finite number"),
        ("x,y\n1,2\n", "at least 2"),
        ("x,y\n1,2\n2\n", "fields"),
    ])
    func badData(csv: String, message: String) throws {
        let path = try Self.write(csv)
        let output = try MCEstExecutable.run(["vi", "--model", "linear-regression", path, "--target", "y"])
        #expect(output.status == 2)
        #expect(output.standardError.contains(message), "\(output.standardError)")
    }

    @Test("a non-binary target for logistic regression and a missing column are errors (exit 2)")
    func badTargets() throws {
        let path = try Self.write("x,y\n1,0\n2,3\n")
        let logistic = try MCEstExecutable.run(["vi", "--model", "logistic-regression", path, "--target", "y"])
        #expect(logistic.status == 2)
        #expect(logistic.standardError.contains("0 or 1"))
        let missing = try MCEstExecutable.run(["vi", "--model", "linear-regression", path, "--target", "z"])
        #expect(missing.status == 2)
        #expect(missing.standardError.contains("No column named"))
    }
}
