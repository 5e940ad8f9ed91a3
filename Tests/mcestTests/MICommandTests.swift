import Foundation
import LinearAlgebra
import MonteCarloCore
import MutualInformation
import Testing

/// `mcest mi` end to end on correlated Gaussian pairs, whose mutual information is known:
/// d independent pairs (Xₖ, Yₖ) with correlation ρ carry I = −(d/2) log(1 − ρ²) nats.
@Suite("mcest mi")
struct MICommandTests {
    struct Context: Decodable {
        let methodOption: String
        let notes: [String]
        let batchSize: Int?
        let batches: Int?
        let trainingRows: Int?
        let evaluationRows: Int?
        let critic: String?
        let fallback: Report.Fallback?
    }

    /// The estimate record of `mcest mi --json`, flattened: `method` is the `--method` given,
    /// `diagnostics.estimator` the library's estimator name.
    struct Report {
        struct Diagnostics {
            let estimator: String
            let warnings: [String]
            let notes: [String]
            let declaredBias: String?
            let batches: Int?
            let trainingRows: Int?
            let evaluationRows: Int?
        }
        struct Fallback: Decodable { let from: String; let to: String; let reason: String }
        let value: Double
        let variance: Double
        let standardError: Double
        let interval: EstimateRecordJSON<Context>.Interval
        let sampleCount: Int
        let effectiveSampleSize: Double?
        let method: String
        let batchSize: Int?
        let critic: String?
        let fallback: Fallback?
        let diagnostics: Diagnostics

        init(_ r: EstimateRecordJSON<Context>) {
            value = r.value
            variance = r.variance
            standardError = r.standardError
            interval = r.confidenceInterval
            sampleCount = r.sampleCount
            effectiveSampleSize = r.effectiveSampleSize
            method = r.context.methodOption
            batchSize = r.context.batchSize
            critic = r.context.critic
            fallback = r.context.fallback
            diagnostics = Diagnostics(estimator: r.method, warnings: r.diagnostics.warnings, notes: r.context.notes,
                                      declaredBias: r.diagnostics.declaredBias, batches: r.context.batches,
                                      trainingRows: r.context.trainingRows, evaluationRows: r.context.evaluationRows)
        }
    }

    static let rho = 0.6, dimension = 2, rows = 2000
    /// −(d/2) log(1 − ρ²) = 0.446287 for d = 2, ρ = 0.6.
    static let truth = -0.5 * Double(dimension) * log(1 - rho * rho)

    /// d pairs x ~ N(0, I), y = ρx + √(1 − ρ²) ε, drawn with a fixed seed.
    static func gaussianPairs(count: Int, dimension d: Int, correlation rho: Double, seed: UInt64) -> [[Double]] {
        var generator = Xoshiro256PlusPlus(seed: seed)
        let noise = (1 - rho * rho).squareRoot()
        return (0..<count).map { _ in
            let x = (0..<d).map { _ in generator.nextStandardNormal() }
            return x + x.map { rho * $0 + noise * generator.nextStandardNormal() }
        }
    }

    static func write(_ text: String, suffix: String = "csv") throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mi-\(UUID().uuidString).\(suffix)")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    static func csv(_ rows: [[Double]], header: String?) -> String {
        (header.map { [$0] } ?? []).joined() + (header == nil ? "" : "\n")
            + rows.map { $0.map { String($0) }.joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    /// The standard file: columns x1, x2, y1, y2 (seed 501).
    static let dataPath: String = {
        let rows = gaussianPairs(count: MICommandTests.rows, dimension: dimension, correlation: rho, seed: 501)
        return try! write(csv(rows, header: "x1,x2,y1,y2"))
    }()

    static func run(_ arguments: [String]) throws -> Report {
        let output = try MCEstExecutable.run(["mi"] + arguments + ["--json"])
        #expect(output.status == 0, "\(output.standardError)")
        return Report(try EstimateRecordJSON<Context>.one(output.standardOutput))
    }

    @Test("gaussian is within 5 SE of the true I")
    func gaussian() throws {
        let report = try Self.run([Self.dataPath, "--x", "x1,x2", "--y", "y1,y2", "--method", "gaussian"])
        #expect(abs(report.value - Self.truth) <= 5 * report.standardError, "\(report.value) ± \(report.standardError)")
        // Sandwich SE ≈ √(Σρᵢ²/n) = √(0.72/2000) ≈ 0.019 on Gaussian data; the estimand is stated.
        #expect(report.standardError > 0.01 && report.standardError < 0.03)
        #expect(report.diagnostics.declaredBias?.contains("the Gaussian MI of the covariance") == true)
        #expect(report.sampleCount == Self.rows && report.method == "gaussian")
        #expect(report.interval.lower < report.value && report.value < report.interval.upper)
        #expect(report.diagnostics.warnings.isEmpty, "\(report.diagnostics.warnings)")
    }

    /// Bias allowance from the MutualInformation tests (KSGEstimatorTests): 2-d pairs with
    /// ρ = 0.6 are biased low "a little: allow 0.1 nats"; 1-d pairs 0.02 nats.
    @Test("ksg and ksg2 are within 5 SE plus the documented KSG bias allowance", arguments: ["ksg", "ksg2"])
    func ksg(method: String) throws {
        let report = try Self.run([Self.dataPath, "--x", "x1,x2", "--y", "y1,y2", "--method", method, "--seed", "7"])
        #expect(abs(report.value - Self.truth) <= 5 * report.standardError + 0.1, "\(report.value) ± \(report.standardError)")
        #expect(report.standardError > 0.005 && report.standardError < 0.06)
        #expect(report.interval.degreesOfFreedom == 7)  // 8 subsample blocks
        #expect(report.diagnostics.estimator == (method == "ksg" ? "ksg1" : "ksg2"))
        #expect(report.batchSize == nil)
    }

    @Test("ksg on one-dimensional pairs is within 5 SE plus 0.02 nats")
    func ksgOneDimensional() throws {
        let rows = Self.gaussianPairs(count: 1000, dimension: 1, correlation: 0.75, seed: 502)
        let path = try Self.write(Self.csv(rows, header: nil))  // headerless: columns 0, 1
        let report = try Self.run([path, "--x", "0", "--y", "1", "--neighbors", "4"])
        let truth = -0.5 * log(1 - 0.75 * 0.75)
        #expect(abs(report.value - truth) <= 5 * report.standardError + 0.02, "\(report.value) ± \(report.standardError)")
    }

    @Test("the bounds with the split-fitted Gaussian critic are near the true I",
          arguments: ["nwj", "dv", "infonce", "js", "smile"])
    func bounds(method: String) throws {
        let report = try Self.run([Self.dataPath, "--x", "x1,x2", "--y", "y1,y2", "--method", method, "--critic", "gaussian"])
        // The critic is fitted on 1000 rows and is close to the optimal one: the values are
        // within 5 SE of I, plus 0.03 nats for the fitted critic's shortfall (O(d²/n)).
        #expect(abs(report.value - Self.truth) <= 5 * report.standardError + 0.03, "\(report.value) ± \(report.standardError)")
        // Default --batch-size 128: the 1000 evaluation rows make 8 batches of 125.
        #expect(report.batchSize == 125 && report.diagnostics.batches == 8 && report.sampleCount == 1000)
        #expect(report.diagnostics.trainingRows == 1000 && report.critic == "gaussian" && report.fallback == nil)
        #expect(report.interval.degreesOfFreedom == 7)  // batch-to-batch spread of 8 batches
        #expect(report.diagnostics.estimator.hasSuffix("-batches"))
        #expect(report.diagnostics.notes.contains { $0.contains("random half of the rows") })
    }

    @Test("smaller batches: the evaluation half is split into equal batches and their estimates averaged")
    func batches() throws {
        let report = try Self.run([Self.dataPath, "--x", "x1,x2", "--y", "y1,y2", "--method", "nwj", "--batch-size", "256",
                                   "--critic", "gaussian"])
        #expect(report.batchSize == 250 && report.diagnostics.batches == 4 && report.sampleCount == 1000)
        #expect(abs(report.value - Self.truth) <= 5 * report.standardError + 0.03, "\(report.value) ± \(report.standardError)")
    }

    @Test("the default critic (auto) on Gaussian data is near the true I", arguments: ["nwj", "infonce"])
    func autoCriticGaussian(method: String) throws {
        let report = try Self.run([Self.dataPath, "--x", "x1,x2", "--y", "y1,y2", "--method", method])
        // Every candidate contains (gaussian, quadratic) or nearly contains (quadratic on normal
        // scores) the optimal critic: within 5 SE of I plus the same 0.03 nats fitting allowance.
        #expect(abs(report.value - Self.truth) <= 5 * report.standardError + 0.03, "\(report.value) ± \(report.standardError)")
        #expect(["quadratic", "rff"].contains(report.critic ?? "") && report.fallback == nil)
        #expect(report.diagnostics.notes.contains { $0.contains("--critic auto chose") && $0.contains("validation pairs") })
    }

    // MARK: - Heavy tails

    /// The dispersion of (X₁, X₂, Y₁, Y₂): Xₖ and Yₖ correlated 0.6 and 0.3.
    static let studentTDispersion: Matrix = {
        var sigma = Matrix.identity(4)
        sigma[0, 2] = 0.6; sigma[2, 0] = 0.6
        sigma[1, 3] = 0.3; sigma[3, 1] = 0.3
        return sigma
    }()

    /// I of the bivariate-block Student-t with ν = 3: 0.38112 nats (closed form).
    static let studentTTruth = try! StudentTMutualInformation.exact(
        dispersion: studentTDispersion, xDimension: 2, degreesOfFreedom: 3)

    /// N = 2000 draws of t₃(0, Σ) written as x1, x2, y1, y2.
    static func studentTFile(seed: UInt64) throws -> String {
        let t = try MultivariateStudentTDistribution(dispersion: studentTDispersion, degreesOfFreedom: 3)
        var generator = Xoshiro256PlusPlus(seed: seed)
        let draws = (0..<Self.rows).map { _ in t.draw(using: &generator) }
        return try write(csv(draws, header: "x1,x2,y1,y2"))
    }

    /// The bounds are lower bounds (up to noise): with the default critic they must be finite,
    /// no more than 0.15 nats below I (the issue's target; measured shortfalls 0.03–0.12 nats on
    /// such data) and not above I by more than 4 of their own standard errors.
    @Test("Student-t (ν = 3, 2 + 2 d, N = 2000): NWJ, InfoNCE and JS with the default critic are within 0.15 nats below I",
          arguments: [601, 602, 603] as [UInt64], ["nwj", "infonce", "js"])
    func studentT(seed: UInt64, method: String) throws {
        let path = try Self.studentTFile(seed: seed)
        let report = try Self.run([path, "--x", "x1,x2", "--y", "y1,y2", "--method", method])
        #expect(report.value.isFinite && report.standardError.isFinite)
        #expect(report.value >= Self.studentTTruth - 0.15, "\(report.value) ± \(report.standardError) (\(report.critic ?? "?"))")
        #expect(report.value <= Self.studentTTruth + 4 * report.standardError, "\(report.value) ± \(report.standardError)")
        #expect(report.fallback == nil, "\(report.fallback?.reason ?? "")")
    }

    @Test("Student-t with the Gaussian critic: NWJ is unusable, InfoNCE is reported instead and labelled as such")
    func fallback() throws {
        let path = try Self.studentTFile(seed: 601)
        let arguments = [path, "--x", "x1,x2", "--y", "y1,y2", "--critic", "gaussian"]
        let report = try Self.run(arguments + ["--method", "nwj"])
        let fallback = try #require(report.fallback)
        #expect(fallback.from == "nwj" && fallback.to == "infonce" && fallback.reason.contains("partition sum"))
        #expect(report.diagnostics.estimator == "infonce-batches")
        #expect(report.diagnostics.warnings.first?.contains("NWJ is unusable here") == true, "\(report.diagnostics.warnings)")
        // It is InfoNCE on the same scores (InfoNCE ignores NWJ's +1 offset): the same value as --method infonce.
        let infoNCE = try Self.run(arguments + ["--method", "infonce"])
        #expect(infoNCE.fallback == nil)
        #expect(abs(report.value - infoNCE.value) <= 1e-9 && abs(report.variance - infoNCE.variance) <= 1e-9 * infoNCE.variance)
        #expect(report.value.isFinite && report.value < log(125.0))
        let text = try MCEstExecutable.run(["mi"] + arguments + ["--method", "nwj"])
        #expect(text.status == 0)
        #expect(text.standardOutput.contains("FALLBACK: nwj is unusable on these data; the value above is infonce"))
    }

    @Test("InfoNCE warns at its log B ceiling")
    func infoNCECeiling() throws {
        // One pair with ρ = 0.999: I = 3.11 nats > log 16 = 2.77.
        let rows = Self.gaussianPairs(count: 800, dimension: 1, correlation: 0.999, seed: 503)
        let path = try Self.write(Self.csv(rows, header: "a,b"))
        let report = try Self.run([path, "--x", "a", "--y", "b", "--method", "infonce", "--batch-size", "16", "--critic", "gaussian"])
        #expect(report.batchSize == 16)
        #expect(report.value <= log(16.0))
        #expect(report.diagnostics.warnings.contains { $0.contains("ceiling log B") }, "\(report.diagnostics.warnings)")
    }

    @Test("columns by name and by index give the same result", arguments: ["ksg", "gaussian", "dv"])
    func namesAndIndices(method: String) throws {
        let critic = method == "dv" ? ["--critic", "quadratic"] : []
        let byName = try Self.run([Self.dataPath, "--x", "x1,x2", "--y", "y1,y2", "--method", method] + critic)
        let byIndex = try Self.run([Self.dataPath, "--x", "0,1", "--y", "2,3", "--method", method] + critic)
        let mixed = try Self.run([Self.dataPath, "--x", "x1, 1", "--y", "2,y2", "--method", method] + critic)
        #expect(byName.value == byIndex.value && byName.variance == byIndex.variance)
        #expect(byName.value == mixed.value && byName.variance == mixed.variance)
    }

    @Test("a .npy file gives the same result as the CSV")
    func npy() throws {
        let rows = Self.gaussianPairs(count: 300, dimension: 1, correlation: 0.5, seed: 504)
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (300, 2), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
        bytes += Array(header.utf8)
        for row in rows { for v in row { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } } }
        let npyPath = FileManager.default.temporaryDirectory.appendingPathComponent("mi-\(UUID().uuidString).npy").path
        try Data(bytes).write(to: URL(fileURLWithPath: npyPath))
        let csvPath = try Self.write(Self.csv(rows, header: nil))
        let fromNPY = try Self.run([npyPath, "--x", "0", "--y", "1"])
        let fromCSV = try Self.run([csvPath, "--x", "0", "--y", "1"])
        #expect(fromNPY.value == fromCSV.value && fromNPY.variance == fromCSV.variance)
    }

    @Test("text output shows I ± SE, the interval, n and, for bounds, the batch size")
    func text() throws {
        let output = try MCEstExecutable.run(["mi", Self.dataPath, "--x", "x1,x2", "--y", "y1,y2", "--method", "infonce",
                                              "--critic", "gaussian"])
        #expect(output.status == 0, "\(output.standardError)")
        for piece in ["I(X; Y) = ", " ± ", "nats", "95% interval [", "n = 1000", "critic gaussian", "batch size B = 125 (8 batches",
                      "warnings: none"] {
            #expect(output.standardOutput.contains(piece), "missing \(piece) in \(output.standardOutput)")
        }
    }

    /// The Gaussian plug-in's number is labelled with its estimand, and heavy-tailed data
    /// (Student-t ν = 3, whose influence values have infinite variance) get the warning.
    @Test("text output of --method gaussian names the estimand; heavy tails are warned about")
    func gaussianText() throws {
        let gaussian = try MCEstExecutable.run(["mi", Self.dataPath, "--x", "x1,x2", "--y", "y1,y2", "--method", "gaussian"])
        #expect(gaussian.status == 0, "\(gaussian.standardError)")
        #expect(gaussian.standardOutput.contains("I_G(X; Y), the Gaussian MI of the covariance = "), "\(gaussian.standardOutput)")
        #expect(gaussian.standardOutput.contains("warnings: none"), "\(gaussian.standardOutput)")
        let path = try Self.studentTFile(seed: 41)
        let heavy = try MCEstExecutable.run(["mi", path, "--x", "x1,x2", "--y", "y1,y2", "--method", "gaussian"])
        #expect(heavy.status == 0, "\(heavy.standardError)")
        #expect(heavy.standardOutput.contains("warning: The influence values are heavy-tailed"), "\(heavy.standardOutput)")
    }

    @Test("bad input exits with code 2 and a clear message", arguments: [
        ("a,b,c\n1,2,3\n4,5,6\n", ["--x", "a", "--y", "z"], "no column \"z\""),
        ("a,b,c\n1,2,3\n4,5,6\n", ["--x", "5", "--y", "a"], "no column \"5\""),
        ("a,b,c\n1,2,3\n4,x,6\n", ["--x", "a", "--y", "b"], "\"x\" is not a number"),
        ("a,b,c\n1,2,3\n4,nan,6\n", ["--x", "a", "--y", "b"], "not finite"),
        ("a,b\n1,2\n4,5\n3,1\n", ["--x", "a", "--y", "b"], "at least k + 1 = 4 rows"),
        ("a,b\n1,2\n4,5\n3,1\n", ["--x", "a", "--y", "b", "--method", "nwj"], "Too few rows"),
        ("a,b,c\n1,2,3\n4,5,6\n", ["--x", "a,b", "--y", "b,c"], "overlap in column(s) \"b\""),
        ("a,b,c\n1,2,3\n4,5,6\n", ["--x", "0,1", "--y", "b"], "overlap in column(s) \"b\""),
    ])
    func badInput(csv: String, arguments: [String], message: String) throws {
        let path = try Self.write(csv)
        let output = try MCEstExecutable.run(["mi", path] + arguments)
        #expect(output.status == 2)
        #expect(output.standardError.contains(message), "\(output.standardError)")
    }

    @Test("bad options are usage errors (exit 64)", arguments: [
        (["--neighbors", "0"], "--neighbors must be at least 1"),
        (["--method", "nwj", "--critic", "linear"], "--critic"),
        (["--method", "ksg", "--critic", "quadratic"], "--critic quadratic applies only to the bounds"),
        (["--method", "gaussian", "--critic", "auto"], "--critic auto applies only to the bounds"),
    ])
    func badOptions(arguments: [String], message: String) throws {
        let output = try MCEstExecutable.run(["mi", Self.dataPath, "--x", "x1", "--y", "y1"] + arguments)
        #expect(output.status == 64)
        #expect(output.standardError.contains(message), "\(output.standardError)")
    }

    @Test("every --critic value parses and reports its family", arguments: ["gaussian", "quadratic", "rff", "mlp", "auto"])
    func criticValues(critic: String) throws {
        // 400 rows of one correlated pair (I = 0.2231 for ρ = 0.6): small and fast.
        let rows = Self.gaussianPairs(count: 400, dimension: 1, correlation: 0.6, seed: 505)
        let path = try Self.write(Self.csv(rows, header: "a,b"))
        let report = try Self.run([path, "--x", "a", "--y", "b", "--method", "infonce", "--critic", critic])
        let expected = critic == "auto" ? ["quadratic", "rff"] : [critic]
        #expect(expected.contains(report.critic ?? ""), "\(report.critic ?? "nil")")
        #expect(report.diagnostics.notes.first?.hasPrefix("Critic: \(report.critic ?? "")") == true, "\(report.diagnostics.notes)")
        // A lower bound up to noise, and not far below for a one-pair Gaussian.
        let truth = -0.5 * log(1 - 0.36)
        #expect(report.value <= truth + 4 * report.standardError && report.value >= truth - 0.1,
                "\(report.value) ± \(report.standardError)")
    }
}
