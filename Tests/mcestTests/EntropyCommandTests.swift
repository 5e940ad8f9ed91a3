import Foundation
import MonteCarloCore
import Testing

/// `mcest entropy` and `mcest kl` end to end on Gaussian samples with closed-form answers.
@Suite("mcest entropy and kl")
struct EntropyCommandTests {
    struct Context: Decodable {
        let command: String
        let files: [String]
        let rows: [Int]
        let columns: [String]
        let neighbors: Int
        let notes: [String]
    }

    static func write(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("entropy-\(UUID().uuidString).csv")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// `count` rows of N(shift, scale²) in `columns` columns, plus a last column "u" of uniforms.
    static func gaussianFile(count: Int, columns: Int, scale: Double = 1, shift: Double = 0, seed: UInt64) throws -> String {
        var generator = Xoshiro256PlusPlus(seed: seed)
        var text = ((0..<columns).map { "g\($0)" } + ["u"]).joined(separator: ",") + "\n"
        for _ in 0..<count {
            let row = (0..<columns).map { _ in shift + scale * generator.nextStandardNormal() } + [generator.nextUniform()]
            text += row.map { String($0) }.joined(separator: ",") + "\n"
        }
        return try write(text)
    }

    static func run(_ arguments: [String]) throws -> EstimateRecordJSON<Context> {
        let output = try MCEstExecutable.run(arguments + ["--json"])
        #expect(output.status == 0, "\(output.standardError)")
        return try EstimateRecordJSON<Context>.one(output.standardOutput)
    }

    /// H(N(0, I₃)) = (3/2) log(2πe) = 4.2568; allowance 0.05 nats for the declared bias (the
    /// library's tests: −0.030 measured at N = 2000, k = 3).
    @Test func entropyOfThreeGaussianColumns() throws {
        let path = try Self.gaussianFile(count: 2000, columns: 3, seed: 181)
        let record = try Self.run(["entropy", path, "--columns", "g0,g1,2", "--k", "3", "--seed", "5"])
        let truth = 1.5 * log(2 * .pi * exp(1))
        #expect(abs(record.value - truth) <= 5 * record.standardError + 0.05, "\(record.value) ± \(record.standardError)")
        #expect(record.context.command == "entropy" && record.context.columns == ["g0", "g1", "g2"])
        #expect(record.context.rows == [2000] && record.context.neighbors == 3)
        #expect(record.method == "kozachenko-leonenko" && record.confidenceInterval.degreesOfFreedom == 7)
    }

    /// The uniform column alone: H(U(0, 1)) = 0; five Gaussian columns use the weights.
    @Test func uniformColumnAndWeightedFiveColumns() throws {
        let path = try Self.gaussianFile(count: 1500, columns: 5, seed: 182)
        let uniform = try Self.run(["entropy", path, "--columns", "u"])
        #expect(abs(uniform.value) <= 5 * uniform.standardError, "\(uniform.value) ± \(uniform.standardError)")
        let weighted = try Self.run(["entropy", path, "--columns", "0,1,2,3,4", "--neighbors", "5"])
        #expect(weighted.method == "kozachenko-leonenko-weighted")
        #expect(weighted.diagnostics.coefficients.count == 5)
        let plain = try Self.run(["entropy", path, "--columns", "0,1,2,3,4", "--neighbors", "5", "--unweighted"])
        #expect(plain.method == "kozachenko-leonenko")
    }

    /// D(N(0, 1) ‖ N(0.5, 1.5²)) = log 1.5 + 1.25/4.5 − 1/2 = 0.18324 per coordinate.
    @Test func divergenceBetweenGaussianFiles() throws {
        let p = try Self.gaussianFile(count: 2000, columns: 2, seed: 183)
        let q = try Self.gaussianFile(count: 1500, columns: 2, scale: 1.5, shift: 0.5, seed: 184)
        let record = try Self.run(["kl", p, q, "--columns", "g0,g1"])
        let truth = 2 * (log(1.5) + 1.25 / 4.5 - 0.5)
        #expect(abs(record.value - truth) <= 5 * record.standardError + 0.05, "\(record.value) ± \(record.standardError)")
        #expect(record.context.files == [p, q] && record.context.rows == [2000, 1500] && record.method == "wang-kulkarni-verdu")
    }

    @Test func textOutputNamesTheQuantity() throws {
        let path = try Self.gaussianFile(count: 400, columns: 1, seed: 185)
        let output = try MCEstExecutable.run(["entropy", path, "--columns", "g0"])
        #expect(output.status == 0, "\(output.standardError)")
        #expect(output.standardOutput.contains("H(X) = ") && output.standardOutput.contains("95% interval"))
    }

    /// Bad input exits with code 2 and names the file.
    @Test func badInputExitsTwoNamingTheFile() throws {
        let good = try Self.gaussianFile(count: 400, columns: 2, seed: 186)
        var constant = "a,b\n", tied = "a\n", nan = "a,b\n", short = "a\n"
        var generator = Xoshiro256PlusPlus(seed: 187)
        for i in 0..<200 {
            constant += "\(generator.nextStandardNormal()),4\n"
            tied += "\(i / 4)\n"
            nan += i == 9 ? "nan,1\n" : "\(generator.nextStandardNormal()),\(generator.nextStandardNormal())\n"
        }
        for i in 0..<20 { short += "\(generator.nextStandardNormal() + Double(i))\n" }
        let cases: [([String], String)] = [
            (["entropy", try Self.write(constant)], "constant"),
            (["entropy", try Self.write(tied)], "zero distance"),
            (["entropy", try Self.write(nan)], "not finite"),
            (["entropy", try Self.write(short)], "too few rows"),
            (["entropy", good, "--columns", "zz"], "no column"),
            (["kl", good, try Self.write(constant), "--columns", "0,1"], "constant"),
            (["kl", good, try Self.write(short), "--columns", "0"], "too few rows"),
            (["kl", good, try Self.write(tied), "--columns", "u,g0"], "no column"),
        ]
        for (arguments, phrase) in cases {
            let output = try MCEstExecutable.run(arguments)
            #expect(output.status == 2, "\(arguments): \(output.standardError)")
            let file = arguments.count > 2 && arguments[0] == "kl" ? arguments[2] : arguments[1]
            #expect(output.standardError.contains(file), "\(arguments): \(output.standardError)")
            #expect(output.standardError.contains(phrase), "\(arguments): \(output.standardError)")
        }
    }
}
