import Foundation
import LinearAlgebra
import MonteCarloCore
import Testing

/// `mcest cv` end to end on the reference problem of shared/reference/control-variates.md §2.1:
/// π = N((−1.5, 1.5), [[1, .5], [.5, 2]]) with integrands x₁, x₂, (x₁−μ₁)², (x₂−μ₂)²,
/// (x₁−μ₁)(x₂−μ₂) (truths −1.5, 1.5, 1, 2, 0.5) and sin(x₁) (truth sin(−1.5)·e^(−1/2), from
/// E[sin X] = sin μ · e^(−σ²/2) for X ~ N(μ, σ²)). Draws from Xoshiro256PlusPlus with a fixed seed.
@Suite("mcest cv")
struct CVCommandTests {
    struct Context: Decodable {
        let integrand: String
        let methodOption: String
        let correlations: [Double]?
    }

    /// One integrand's record, flattened.
    struct Result {
        struct Diagnostics {
            let lengthScale: Double?
            let relativeJitter: Double?
            let warnings: [String]
        }
        let integrand: String
        let requestedMethod: String
        let method: String
        let value: Double
        let variance: Double
        let standardError: Double
        let interval: EstimateRecordJSON<Context>.Interval
        let sampleCount: Int
        let effectiveSampleSize: Double?
        let diagnostics: Diagnostics
        let correlations: [Double]?

        init(_ r: EstimateRecordJSON<Context>) {
            integrand = r.context.integrand
            requestedMethod = r.context.methodOption
            method = r.method
            value = r.value
            variance = r.variance
            standardError = r.standardError
            interval = r.confidenceInterval
            sampleCount = r.sampleCount
            effectiveSampleSize = r.effectiveSampleSize
            diagnostics = Diagnostics(lengthScale: r.diagnostics.figures["lengthScale"] ?? nil,
                                      relativeJitter: r.diagnostics.figures["relativeJitter"] ?? nil,
                                      warnings: r.diagnostics.warnings)
            correlations = r.context.correlations
        }
    }

    static let mean = [-1.5, 1.5]
    static let names = ["x1", "x2", "sq1", "sq2", "cross", "sin1"]
    static let truths = [-1.5, 1.5, 1, 2, 0.5, sin(-1.5) * exp(-0.5)]
    static let quadraticCount = 5

    /// Paths of the three CSV files for n draws (header rows in the samples and values files only).
    struct Files {
        let samples: String
        let scores: String
        let values: String
        let directory: URL
    }

    static func fixture(count n: Int = 200, seed: UInt64 = 20_261_123, valueColumns: [Int] = Array(0..<6),
                        valuesHeader: Bool = true) throws -> Files {
        let distribution = try MultivariateNormalDistribution(mean: mean, covariance: Matrix(rows: [[1, 0.5], [0.5, 2]]))
        var generator = Xoshiro256PlusPlus(seed: seed)
        var x = "x1,x2\n", u = "", f = valuesHeader ? valueColumns.map { names[$0] }.joined(separator: ",") + "\n" : ""
        for _ in 0..<n {
            let point = distribution.draw(using: &generator)
            let score = distribution.score(point)
            let c = [point[0] - mean[0], point[1] - mean[1]]
            let all = [point[0], point[1], c[0] * c[0], c[1] * c[1], c[0] * c[1], sin(point[0])]
            x += point.map { "\($0)" }.joined(separator: ",") + "\n"
            u += score.map { "\($0)" }.joined(separator: ",") + "\n"
            f += valueColumns.map { "\(all[$0])" }.joined(separator: ",") + "\n"
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        func write(_ text: String, _ name: String) throws -> String {
            let url = directory.appendingPathComponent(name)
            try text.write(to: url, atomically: true, encoding: .utf8)
            return url.path
        }
        return Files(samples: try write(x, "X.csv"), scores: try write(u, "U.csv"), values: try write(f, "F.csv"),
                     directory: directory)
    }

    static func run(_ files: Files, _ extra: [String]) throws -> (MCEstExecutable.Output, [Result]) {
        let output = try MCEstExecutable.run(["cv", "--samples", files.samples, "--scores", files.scores,
                                              "--values", files.values, "--json"] + extra)
        guard output.status == 0 else { return (output, []) }
        return (output, try EstimateRecordJSON<Context>.array(output.standardOutput).map(Result.init))
    }

    @Test("zv2 and secf integrate the quadratics exactly (error < 1e-8)", arguments: ["zv2", "secf"])
    func exactness(method: String) throws {
        let files = try Self.fixture(valueColumns: Array(0..<Self.quadraticCount))
        defer { try? FileManager.default.removeItem(at: files.directory) }
        let (output, results) = try Self.run(files, ["--method", method])
        #expect(output.status == 0, "\(output.standardError)")
        #expect(results.map(\.integrand) == Array(Self.names.prefix(Self.quadraticCount)))
        for (result, truth) in zip(results, Self.truths) {
            #expect(abs(result.value - truth) < 1e-8, "\(result.integrand): \(result.value) vs \(truth)")
            #expect(result.standardError < 1e-8, "\(result.integrand): SE \(result.standardError)")
            #expect(result.sampleCount == 200)
        }
    }

    @Test("plain and zv1 are within 5 standard errors of the truth, one result per value column",
          arguments: ["plain", "zv1"])
    func withinFiveStandardErrors(method: String) throws {
        let files = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: files.directory) }
        let (output, results) = try Self.run(files, ["--method", method])
        #expect(output.status == 0, "\(output.standardError)")
        #expect(results.map(\.integrand) == Self.names)
        for (result, truth) in zip(results, Self.truths) {
            #expect(result.standardError > 0)
            #expect(abs(result.value - truth) < 5 * result.standardError,
                    "\(method) \(result.integrand): \(result.value) ± \(result.standardError) vs \(truth)")
            #expect(result.interval.lower <= result.value && result.value <= result.interval.upper)
            if result.standardError > 1e-10 * abs(result.value) {
                // A normal interval: half-width 1.96 SE (not checked at the rounding floor, where the
                // endpoints themselves round).
                #expect(abs((result.interval.upper - result.interval.lower) / (2 * 1.959964 * result.standardError) - 1) < 1e-4)
            }
            #expect(result.requestedMethod == method)
        }
        if method == "plain" {
            // s²/n exactly: ESS = n.
            #expect(results.allSatisfy { $0.method == "sample-mean" && $0.effectiveSampleSize == 200 })
        } else {
            // Degree 1 is exact for the linear integrands.
            #expect(abs(results[0].value - Self.truths[0]) < 1e-8 && abs(results[1].value - Self.truths[1]) < 1e-8)
        }
    }

    /// cf (Gaussian kernel, median heuristic, nugget 1e-8, 5-fold cross-fitting) at n = 200,
    /// every integrand within 5 of its own standard errors (false-alarm probability 6·10⁻⁷ each
    /// for an honest error bar).
    ///
    /// History: before the jackknife variance (issue 3), measured with this command over 40
    /// independent replications of this problem (numpy draws, seeds 100–139), the 95% intervals
    /// covered 0.85, 0.95, 0.72, 0.70, 0.78, 0.80 for x₁, x₂, (x₁−μ₁)², (x₂−μ₂)², (x₁−μ₁)(x₂−μ₂),
    /// sin x₁, and on this fixed seed the cross term and sin x₁ missed by 7.1 and 5.9 SE; the
    /// quadratics and sin x₁ were then held to the plain error bar. The jackknife and the
    /// unseen-tail term (issue 14; `UnseenTailTerm`) widen exactly these error bars, and
    /// `TailCalibrationTests` measures the coverage for sin x₁ over 200 replications.
    @Test("cf: every integrand within 5 of its own standard errors")
    func controlFunctionals() throws {
        let files = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: files.directory) }
        let (output, results) = try Self.run(files, ["--method", "cf"])
        #expect(output.status == 0, "\(output.standardError)")
        #expect(results.map(\.integrand) == Self.names)
        #expect(results.allSatisfy { $0.diagnostics.lengthScale != nil && $0.diagnostics.relativeJitter != nil })
        for (result, truth) in zip(results, Self.truths) {
            #expect(abs(result.value - truth) < 5 * result.standardError,
                    "cf \(result.integrand): \(result.value) ± \(result.standardError) vs \(truth)")
        }
    }

    /// auto on sin(x₁), n = 200: the cross-validation picks cf-gaussian (score 0.0022 against
    /// 0.158 for plain). Before the unseen-tail term this fixed seed missed by 5.9 of auto's own
    /// standard errors (the fit's error lies beyond the draws, where no fold and no jackknife
    /// replicate looks); it is now held to its own error bar, and must beat plain Monte Carlo
    /// (ESS > n), on that data set and four more (one seed alone can pass by luck; each miss has
    /// probability 6·10⁻⁷ for an honest error bar).
    @Test("auto: method and kernel chosen by cross-validation, within 5 of its own SE and better than plain on sin(x1), five data sets",
          arguments: [20_261_123, 1, 2, 3, 4] as [UInt64])
    func auto(dataSeed: UInt64) throws {
        let files = try Self.fixture(seed: dataSeed, valueColumns: [5])
        defer { try? FileManager.default.removeItem(at: files.directory) }
        let (output, results) = try Self.run(files, ["--method", "auto"])
        #expect(output.status == 0, "\(output.standardError)")
        let result = try #require(results.first)
        #expect(results.count == 1)
        #expect(result.method.hasPrefix("auto: "), "\(result.method)")
        #expect(abs(result.value - Self.truths[5]) < 5 * result.standardError, "\(result.value) ± \(result.standardError)")
        #expect(result.effectiveSampleSize ?? 0 > 200)
    }

    @Test("a values file without a header names the integrands f0, f1, …; the text table has one row each")
    func textAndNames() throws {
        let files = try Self.fixture(valueColumns: [0, 2, 4], valuesHeader: false)
        defer { try? FileManager.default.removeItem(at: files.directory) }
        let (output, results) = try Self.run(files, ["--method", "zv2"])
        #expect(output.status == 0, "\(output.standardError)")
        #expect(results.map(\.integrand) == ["f0", "f1", "f2"])
        let text = try MCEstExecutable.run(["cv", "--samples", files.samples, "--scores", files.scores,
                                            "--values", files.values, "--method", "plain"])
        #expect(text.status == 0)
        for name in ["f0", "f1", "f2"] {
            #expect(text.standardOutput.split(separator: "\n").contains { $0.hasPrefix("  \(name) ") }, "\(text.standardOutput)")
        }
        #expect(text.standardOutput.contains("95% interval") && text.standardOutput.contains("ESS"))
    }

    /// The same `--seed` gives the same output; and cf on sin x₁ lies within 5 of its own
    /// standard errors on each of five data sets (the fixture's seed and four more: one seed alone
    /// can pass by luck; each miss has probability 6·10⁻⁷ for an honest error bar).
    @Test("--seed: the same seed gives the same output; cf within 5 SE on five data sets",
          arguments: [20_261_123, 1, 2, 3, 4] as [UInt64])
    func seeded(dataSeed: UInt64) throws {
        let files = try Self.fixture(seed: dataSeed, valueColumns: [5])
        defer { try? FileManager.default.removeItem(at: files.directory) }
        let (a, ra) = try Self.run(files, ["--method", "cf", "--seed", "11"])
        #expect(a.status == 0, "\(a.standardError)")
        if dataSeed == 20_261_123 {
            let (b, _) = try Self.run(files, ["--method", "cf", "--seed", "11"])
            #expect(b.status == 0 && a.standardOutput == b.standardOutput)
        }
        let result = try #require(ra.first)
        #expect(abs(result.value - Self.truths[5]) < 5 * result.standardError,
                "data seed \(dataSeed): \(result.value) ± \(result.standardError) vs \(Self.truths[5])")
    }

    /// Bad files: which file to corrupt, how, and what the message must contain besides the file name.
    enum Corruption: String, CaseIterable, CustomTestStringConvertible {
        case raggedRow, nonNumeric, notANumber, fewerValueRows, scoresWidth
        var testDescription: String { rawValue }
    }

    @Test("bad files exit with code 2 and name the file", arguments: Corruption.allCases)
    func badFiles(_ corruption: Corruption) throws {
        let files = try Self.fixture(count: 30)
        defer { try? FileManager.default.removeItem(at: files.directory) }
        func lines(_ path: String) throws -> [String] {
            try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        }
        func replace(_ path: String, _ transform: ([String]) -> [String]) throws {
            try (transform(try lines(path)).joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
        let corrupted: String, expected: [String]
        switch corruption {
        case .raggedRow:
            corrupted = files.scores
            try replace(files.scores) { var l = $0; l[4] += ",1"; return l }
            expected = ["line 5", "ragged"]
        case .nonNumeric:
            corrupted = files.values
            try replace(files.values) { var l = $0; l[3] = "abc" + l[3].drop(while: { $0 != "," }); return l }
            expected = ["line 4", "not a number"]
        case .notANumber:
            corrupted = files.samples
            try replace(files.samples) { var l = $0; l[7] = "nan" + l[7].drop(while: { $0 != "," }); return l }
            expected = ["line 8", "not finite"]
        case .fewerValueRows:
            corrupted = files.values
            try replace(files.values) { Array($0.dropLast(2)) }
            expected = ["28 data rows", "30"]
        case .scoresWidth:
            corrupted = files.scores
            try replace(files.scores) { $0.map { $0 + ",0" } }
            expected = ["line 1", "3 columns", "one column per coordinate"]
        }
        let output = try MCEstExecutable.run(["cv", "--samples", files.samples, "--scores", files.scores,
                                              "--values", files.values, "--method", "zv1"])
        #expect(output.status == 2)
        #expect(output.standardError.contains(corrupted), "\(output.standardError)")
        for text in expected {
            #expect(output.standardError.contains(text), "\(output.standardError)")
        }
    }

    /// --method vv estimates the columns jointly: one JSON object (and one table row) per column,
    /// each with its correlations to all columns (a correlation matrix: unit diagonal, symmetric,
    /// entries in [−1, 1]). Every column within 5 of its own standard errors (sin x₁ was held to
    /// the plain error bar before the unseen-tail term), on five data sets.
    @Test("--method vv: joint estimates, one row per column, with correlations, five data sets",
          arguments: [20_261_123, 1, 2, 3, 4] as [UInt64])
    func vectorValued(dataSeed: UInt64) throws {
        let files = try Self.fixture(seed: dataSeed, valueColumns: [0, 1, 5])
        defer { try? FileManager.default.removeItem(at: files.directory) }
        let (output, results) = try Self.run(files, ["--method", "vv"])
        #expect(output.status == 0, "\(output.standardError)")
        #expect(results.map(\.integrand) == ["x1", "x2", "sin1"])
        let truths = [Self.truths[0], Self.truths[1], Self.truths[5]]
        for (index, result) in results.enumerated() {
            #expect(abs(result.value - truths[index]) < 5 * result.standardError, "vv \(result.integrand): \(result.value) ± \(result.standardError)")
            #expect(result.method == "vector-valued-control-variates-cross-fitted" || result.method.hasPrefix("sample-mean"))
            let row = try #require(result.correlations)
            #expect(row.count == 3 && abs(row[index] - 1) < 1e-12)
            for (other, value) in row.enumerated() {
                #expect(abs(value) <= 1 + 1e-12)
                #expect(abs(value - (results[other].correlations?[index] ?? .nan)) < 1e-12)
            }
        }
        let text = try MCEstExecutable.run(["cv", "--samples", files.samples, "--scores", files.scores,
                                            "--values", files.values, "--method", "vv"])
        #expect(text.status == 0)
        #expect(text.standardOutput.contains("Correlations of the joint estimates"), "\(text.standardOutput)")
    }

    @Test("--folds 1 is rejected; vv is listed in the help")
    func badOptions() throws {
        let files = try Self.fixture(count: 20)
        defer { try? FileManager.default.removeItem(at: files.directory) }
        let base = ["cv", "--samples", files.samples, "--scores", files.scores, "--values", files.values]
        let folds = try MCEstExecutable.run(base + ["--folds", "1"])
        #expect(folds.status != 0)
        #expect(folds.standardError.contains("--folds"))
        let help = try MCEstExecutable.run(["cv", "--help"])
        #expect(help.standardOutput.contains("vv"))
        #expect(!help.standardOutput.contains("not implemented"))
    }
}
