import Foundation
import Testing

/// `mcest sw` end to end on a translation Y = X + v, whose sliced Wasserstein distance is known
/// exactly at finite n: projecting on θ shifts every point by θᵀv, so
/// f(θ) = W_2²(θ#μ, θ#ν) = (θᵀv)² and SW_2² = E(θᵀv)² = |v|²/d for θ uniform on the sphere.
@Suite("mcest sw")
struct SWCommandTests {
    struct Context: Decodable {
        let quantity: String
        let dimension: Int
        let methodOption: String
    }

    /// The `--json` array of estimate records (SW_p^p, then SW_p when positive), flattened.
    struct Report {
        struct Result {
            struct Diagnostics { let warnings: [String]; let declaredBias: String? }
            let value: Double
            let variance: Double
            let standardError: Double
            let interval: EstimateRecordJSON<Context>.Interval
            let sampleCount: Int
            let effectiveSampleSize: Double
            let method: String
            let diagnostics: Diagnostics

            init(_ r: EstimateRecordJSON<Context>) {
                value = r.value
                variance = r.variance
                standardError = r.standardError
                interval = r.confidenceInterval
                sampleCount = r.sampleCount
                effectiveSampleSize = r.effectiveSampleSize ?? .nan
                method = r.method
                diagnostics = Diagnostics(warnings: r.diagnostics.warnings, declaredBias: r.diagnostics.declaredBias)
            }
        }
        let dimension: Int
        let method: String
        let power: Result
        let distance: Result?

        static func decode(_ output: String) throws -> Report {
            let records = try EstimateRecordJSON<Context>.array(output)
            let power = try #require(records.first { $0.context.quantity == "power" })
            return Report(dimension: power.context.dimension, method: power.context.methodOption, power: Result(power),
                          distance: records.first { $0.context.quantity == "distance" }.map(Result.init))
        }
    }

    /// A fresh temporary directory for one test's files.
    static func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sw-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func write(_ text: String, _ name: String, in directory: URL) throws -> String {
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    static func write(_ data: Data, _ name: String, in directory: URL) throws -> String {
        let url = directory.appendingPathComponent(name)
        try data.write(to: url)
        return url.path
    }

    /// CSV text of `rows` (Swift's shortest round-tripping decimal form, so reading it back is exact).
    static func csv(_ rows: [[Double]], header: [String]? = nil) -> String {
        ((header.map { [$0.joined(separator: ",")] } ?? []) + rows.map { $0.map { "\($0)" }.joined(separator: ",") })
            .joined(separator: "\n") + "\n"
    }

    /// A fixed, irregular cloud of n points in ℝ^d.
    static func cloud(n: Int, d: Int) -> [[Double]] {
        (0..<n).map { i -> [Double] in
            (0..<d).map { k -> Double in
                let angle: Double = 1.37 * Double(i) + 2.11 * Double(k) + 0.3
                let scale = Double(k + 1)
                return sin(angle) * scale + 0.01 * Double(i)
            }
        }
    }

    static let shift = [1.0, 2.0, -0.5]
    /// |v|²/d = 5.25/3.
    static let exact = 1.75

    static func translated(_ rows: [[Double]]) -> [[Double]] { rows.map { zip($0, shift).map { $0 + $1 } } }

    static func run(_ arguments: [String]) throws -> (MCEstExecutable.Output, Report?) {
        let output = try MCEstExecutable.run(["sw"] + arguments)
        guard output.status == 0, arguments.contains("--json") else { return (output, nil) }
        return (output, try Report.decode(output.standardOutput))
    }

    @Test("plain Monte Carlo on a translation is within 5 SE of |v|²/d, and SW_2 is its root by the delta method")
    func translationMonteCarlo() throws {
        let dir = try Self.directory()
        let x = Self.cloud(n: 60, d: 3)
        let xPath = try Self.write(Self.csv(x, header: ["a", "b", "c"]), "x.csv", in: dir)
        let yPath = try Self.write(Self.csv(Self.translated(x)), "y.csv", in: dir)
        let (output, parsed) = try Self.run([xPath, yPath, "--method", "mc", "--projections", "2000", "--seed", "7", "--json"])
        #expect(output.status == 0, "\(output.standardError)")
        let report = try #require(parsed)
        let power = report.power
        #expect(report.dimension == 3 && report.method == "mc")
        #expect(power.method == "sliced-wasserstein-mc")
        #expect(power.sampleCount == 2000)
        #expect(power.standardError > 0 && abs(power.standardError * power.standardError - power.variance) <= 1e-12 * power.variance)
        #expect(abs(power.value - Self.exact) <= 5 * power.standardError, "\(power.value) ± \(power.standardError)")
        // f(θ) = (θᵀv)² has variance 2|v|⁴(d − 1)/(d²(d + 2)) (θᵀv/|v| ~ Beta-type, E u⁴ = 3/(d(d+2)));
        // the reported SE must match σ/√L to within 15% (the relative SE of s is about √(κ−1)/(2√L) ≈ 2%).
        let sigma = (2 * pow(5.25, 2) * 2 / (9 * 5)).squareRoot()
        #expect(abs(power.standardError / (sigma / 2000.0.squareRoot()) - 1) < 0.15)
        #expect(power.interval.lower < power.value && power.value < power.interval.upper && power.interval.level == 0.95)
        #expect(abs(power.effectiveSampleSize - 2000) < 1e-6)
        let distance = try #require(report.distance)
        #expect(abs(distance.value - power.value.squareRoot()) <= 1e-12)
        #expect(abs(distance.standardError - power.standardError / (2 * power.value.squareRoot())) <= 1e-12)
        #expect(distance.diagnostics.declaredBias?.contains("delta method") == true)
    }

    @Test("the least-squares lower-bound control makes a translation exact")
    func translationLowerControlIsExact() throws {
        let dir = try Self.directory()
        let x = Self.cloud(n: 40, d: 3)
        let xPath = try Self.write(Self.csv(x), "x.csv", in: dir)
        let yPath = try Self.write(Self.csv(Self.translated(x)), "y.csv", in: dir)
        for method in ["cv-lower", "cv", "auto"] {
            let (output, parsed) = try Self.run([xPath, yPath, "--method", method, "--projections", "200", "--json"])
            #expect(output.status == 0, "\(output.standardError)")
            let report = try #require(parsed)
            // f is exactly the lower control, so the intercept is |v|²/d up to rounding (ε·|v|² scale).
            #expect(abs(report.power.value - Self.exact) < 1e-10, "\(method): \(report.power.value)")
            #expect(report.power.standardError < 1e-6)
            #expect(report.power.method.hasPrefix("sliced-wasserstein-cv-"))
            #expect(abs(try #require(report.distance).value - Self.exact.squareRoot()) < 1e-10)
        }
    }

    @Test("a float64 .npy input gives the same answer as the CSV of the same points")
    func npyMatchesCSV() throws {
        let dir = try Self.directory()
        let x = Self.cloud(n: 30, d: 3), y = Self.translated(Self.cloud(n: 25, d: 3).map { $0.map { 0.5 * $0 } })
        let xCSV = try Self.write(Self.csv(x), "x.csv", in: dir)
        let yCSV = try Self.write(Self.csv(y, header: ["a", "b", "c"]), "y.csv", in: dir)
        let xNPY = try Self.write(NPYWriter.float64(x.flatMap { $0 }, shape: [30, 3]), "x.npy", in: dir)
        let yNPY = try Self.write(NPYWriter.float64(y.flatMap { $0 }, shape: [25, 3]), "y.npy", in: dir)
        for method in ["mc", "cv-upper", "qmc"] {
            let common = ["--method", method, "--projections", "300", "--seed", "11", "--json"]
            let (fromCSV, csvReport) = try Self.run([xCSV, yCSV] + common)
            let (fromNPY, npyReport) = try Self.run([xNPY, yNPY] + common)
            let (mixed, mixedReport) = try Self.run([xNPY, yCSV] + common)
            #expect(fromCSV.status == 0 && fromNPY.status == 0 && mixed.status == 0, "\(fromCSV.standardError)\(fromNPY.standardError)")
            let a = try #require(csvReport).power, b = try #require(npyReport).power, c = try #require(mixedReport).power
            // Same bits in, same directions (seed): the same numbers, to rounding.
            #expect(abs(a.value - b.value) <= 1e-12 * abs(a.value) && abs(a.value - c.value) <= 1e-12 * abs(a.value))
            #expect(abs(a.standardError - b.standardError) <= 1e-9 * a.standardError)
            #expect(a.sampleCount == b.sampleCount)
        }
    }

    @Test("weights 2:1 give the same answer as duplicating the first point")
    func weightsMatchDuplication() throws {
        let dir = try Self.directory()
        let x = Self.cloud(n: 10, d: 2), y = Self.cloud(n: 7, d: 2).map { [$0[0] + 1, 2 * $0[1]] }
        let weighted = try Self.write(Self.csv(x), "x.csv", in: dir)
        let weights = try Self.write("w\n2\n" + String(repeating: "1\n", count: 9), "w.csv", in: dir)
        let duplicated = try Self.write(Self.csv([x[0]] + x), "xdup.csv", in: dir)
        let yPath = try Self.write(Self.csv(y), "y.csv", in: dir)
        let common = [yPath, "--method", "mc", "--projections", "100", "--seed", "3", "--json"]
        let (a, reportA) = try Self.run([weighted] + common + ["--weights-x", weights])
        let (b, reportB) = try Self.run([duplicated] + common)
        #expect(a.status == 0 && b.status == 0, "\(a.standardError)\(b.standardError)")
        let va = try #require(reportA).power.value, vb = try #require(reportB).power.value
        #expect(abs(va - vb) <= 1e-10 * vb, "\(va) vs \(vb)")
    }

    @Test("text output shows SW_p^p ± SE, the interval, ESS, method, projections and SW_p")
    func textOutput() throws {
        let dir = try Self.directory()
        let x = Self.cloud(n: 20, d: 3)
        let xPath = try Self.write(Self.csv(x), "x.csv", in: dir)
        let yPath = try Self.write(Self.csv(Self.translated(x)), "y.csv", in: dir)
        let (output, _) = try Self.run([xPath, yPath, "--method", "orthogonal", "--projections", "30"])
        #expect(output.status == 0, "\(output.standardError)")
        for fragment in ["SW_2^2", "SW_2 ", "±", "95% CI", "ESS", "sliced-wasserstein-orthogonal", "30 projections", "delta method"] {
            #expect(output.standardOutput.contains(fragment), "missing \(fragment) in\n\(output.standardOutput)")
        }
        let help = try MCEstExecutable.run(["sw", "--help"])
        #expect(help.status == 0 && help.standardOutput.contains("auto is cv"))
    }

    /// A bad-input case: files (name → contents), extra arguments, and what stderr must contain.
    struct BadInput: Sendable, CustomTestStringConvertible {
        let label: String
        let files: [String: String]
        let x: String
        let y: String
        let extra: [String]
        let expected: [String]
        var testDescription: String { label }
    }

    static let good2 = "1,2\n3,4\n5,7\n"
    static let badInputs: [BadInput] = [
        .init(label: "ragged row", files: ["x.csv": "a,b\n1,2\n\n3\n", "y.csv": good2], x: "x.csv", y: "y.csv", extra: [],
              expected: ["x.csv, line 4", "ragged"]),
        .init(label: "non-numeric cell", files: ["x.csv": good2, "y.csv": "1,2\n3,x\n"], x: "x.csv", y: "y.csv", extra: [],
              expected: ["y.csv, line 2", "not a number"]),
        .init(label: "NaN", files: ["x.csv": "1,2\nnan,4\n", "y.csv": good2], x: "x.csv", y: "y.csv", extra: [],
              expected: ["x.csv, line 2", "not finite"]),
        .init(label: "infinity", files: ["x.csv": good2, "y.csv": "u,v\n1,2\n3,-inf\n"], x: "x.csv", y: "y.csv", extra: [],
              expected: ["y.csv, line 3", "not finite"]),
        .init(label: "dimension mismatch", files: ["x.csv": good2, "y.csv": "a,b,c\n1,2,3\n"], x: "x.csv", y: "y.csv", extra: [],
              expected: ["dimension mismatch", "x.csv, line 1", "y.csv, line 2", "dimension 2", "dimension 3"]),
        .init(label: "negative weight", files: ["x.csv": good2, "y.csv": good2, "w.csv": "w\n1\n\n-0.5\n2\n"], x: "x.csv",
              y: "y.csv", extra: ["--weights-x", "w.csv"], expected: ["w.csv, line 4", "negative"]),
        .init(label: "all-zero weights", files: ["x.csv": good2, "y.csv": good2, "w.csv": "0\n0\n0\n"], x: "x.csv",
              y: "y.csv", extra: ["--weights-y", "w.csv"], expected: ["w.csv", "all 3 weights are zero"]),
        .init(label: "weights count ≠ rows", files: ["x.csv": good2, "y.csv": good2, "w.csv": "1\n2\n"], x: "x.csv",
              y: "y.csv", extra: ["--weights-y", "w.csv"], expected: ["w.csv has 2 weights", "y.csv has 3 points"]),
        .init(label: "weights with two columns", files: ["x.csv": good2, "y.csv": good2, "w.csv": "1,2\n1,2\n1,2\n"], x: "x.csv",
              y: "y.csv", extra: ["--weights-x", "w.csv"], expected: ["w.csv, line 1", "one column"]),
        .init(label: "NaN weight", files: ["x.csv": good2, "y.csv": good2, "w.csv": "1\nNaN\n1\n"], x: "x.csv",
              y: "y.csv", extra: ["--weights-x", "w.csv"], expected: ["w.csv, line 2", "not finite"]),
        .init(label: "missing file", files: ["y.csv": good2], x: "x.csv", y: "y.csv", extra: [], expected: ["x.csv"]),
    ]

    @Test("bad input exits with code 2 and names the file (and line)", arguments: badInputs)
    func badInput(_ case_: BadInput) throws {
        let dir = try Self.directory()
        for (name, text) in case_.files { _ = try Self.write(text, name, in: dir) }
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        let extra = case_.extra.map { $0.hasSuffix(".csv") ? path($0) : $0 }
        let output = try MCEstExecutable.run(["sw", path(case_.x), path(case_.y)] + extra)
        #expect(output.status == 2, "\(output.standardOutput)\(output.standardError)")
        for fragment in case_.expected {
            #expect(output.standardError.contains(fragment), "missing \"\(fragment)\" in: \(output.standardError)")
        }
    }

    @Test("a non-finite value in a .npy file exits with code 2 naming the file")
    func npyNonFinite() throws {
        let dir = try Self.directory()
        let xPath = try Self.write(NPYWriter.float64([1, 2, .nan, 4], shape: [2, 2]), "x.npy", in: dir)
        let yPath = try Self.write(Self.good2, "y.csv", in: dir)
        let output = try MCEstExecutable.run(["sw", xPath, yPath])
        #expect(output.status == 2)
        #expect(output.standardError.contains("x.npy") && output.standardError.contains("not finite"), "\(output.standardError)")
    }

    @Test("bad options are usage errors (exit 64)", arguments: [["--p", "0.5"], ["--projections", "1"], ["--method", "antithetic"]])
    func badOptions(_ options: [String]) throws {
        let dir = try Self.directory()
        let path = try Self.write(Self.good2, "x.csv", in: dir)
        let output = try MCEstExecutable.run(["sw", path, path] + options)
        #expect(output.status == 64, "\(output.standardError)")
    }
}
