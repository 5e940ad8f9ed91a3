import Foundation
import Testing

/// `mcest cv --penalty` and `--method zv` on the reference problem of ``CVCommandTests`` (a
/// correlated 2-D Gaussian; five quadratic integrands with exact truths and sin x₁).
@Suite("mcest cv --penalty")
struct CVPenaltyCommandTests {
    /// Ridge and lasso on zv2 (and zv with its default automatic penalty): every integrand
    /// within 5 standard errors of its truth, and the method reports the penalty used.
    @Test("penalized zero-variance methods are within 5 standard errors",
          arguments: [["--method", "zv2", "--penalty", "ridge"], ["--method", "zv2", "--penalty", "lasso"],
                      ["--method", "zv1", "--penalty", "auto"], ["--method", "zv"]])
    func withinFiveStandardErrors(options: [String]) throws {
        let files = try CVCommandTests.fixture()
        defer { try? FileManager.default.removeItem(at: files.directory) }
        let (output, results) = try CVCommandTests.run(files, options)
        #expect(output.status == 0, "\(output.standardError)")
        #expect(results.map(\.integrand) == CVCommandTests.names)
        for (result, truth) in zip(results, CVCommandTests.truths) {
            #expect(abs(result.value - truth) <= 5 * result.standardError,
                    "\(options) \(result.integrand): \(result.value) ± \(result.standardError) vs \(truth)")
            #expect(result.requestedMethod == options[1])
            if options.count == 4, options[3] != "auto" {
                #expect(result.method.contains(options[3]), "\(result.method)")
            }
        }
    }

    /// zv selects the degree and the penalty; least squares is among the candidates, so the
    /// quadratics stay exact (error < 1e-8).
    @Test("zv keeps the quadratics exact")
    func automaticExactness() throws {
        let files = try CVCommandTests.fixture(valueColumns: Array(0..<CVCommandTests.quadraticCount))
        defer { try? FileManager.default.removeItem(at: files.directory) }
        let (output, results) = try CVCommandTests.run(files, ["--method", "zv"])
        #expect(output.status == 0, "\(output.standardError)")
        for (result, truth) in zip(results, CVCommandTests.truths) {
            #expect(abs(result.value - truth) < 1e-8, "\(result.integrand): \(result.value) vs \(truth) (\(result.method))")
        }
    }

    /// --penalty with a method that has no polynomial coefficients is a usage error (exit code 64,
    /// like every other bad combination of options) with a message naming the option and the method.
    @Test("--penalty with a non-zero-variance method is an error", arguments: ["plain", "cf", "secf", "auto", "vv"])
    func badCombination(method: String) throws {
        let files = try CVCommandTests.fixture(count: 30)
        defer { try? FileManager.default.removeItem(at: files.directory) }
        let output = try MCEstExecutable.run(["cv", "--samples", files.samples, "--scores", files.scores,
                                              "--values", files.values, "--method", method, "--penalty", "lasso"])
        #expect(output.status == 64)
        #expect(output.standardError.contains("--penalty lasso") && output.standardError.contains("--method \(method)"),
                "\(output.standardError)")
    }
}
