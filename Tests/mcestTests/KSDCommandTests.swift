import Foundation
import MonteCarloCore
import Testing

/// `mcest ksd` end to end: draws from N(μ, I₂) with the scores of N(0, I₂).
@Suite("mcest ksd")
struct KSDCommandTests {
    struct Test: Decodable {
        let statistic: Double
        let pValue: Double
        let bootstrap: Int
        let flipProbability: Double
    }

    struct Context: Decodable {
        let command: String
        let files: [String]
        let rows: Int
        let dimension: Int
        let kernel: String
        let looksDegenerate: Bool
        let test: Test?
        let thinned: [Int]?
    }

    static func write(_ rows: [[Double]]) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ksd-\(UUID().uuidString).csv")
        let text = "a,b\n" + rows.map { $0.map { String($0) }.joined(separator: ",") }.joined(separator: "\n") + "\n"
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// Files of `count` draws from N(shift, I₂) and their scores −x under N(0, I₂).
    static func files(count: Int, shift: Double, seed: UInt64) throws -> (samples: String, scores: String) {
        var generator = Xoshiro256PlusPlus(seed: seed)
        let points = (0..<count).map { _ in [shift + generator.nextStandardNormal(), shift + generator.nextStandardNormal()] }
        return (try write(points), try write(points.map { $0.map { -$0 } }))
    }

    static func run(_ arguments: [String]) throws -> EstimateRecordJSON<Context> {
        let output = try MCEstExecutable.run(arguments + ["--json"])
        #expect(output.status == 0, "\(output.standardError)")
        return try EstimateRecordJSON<Context>.one(output.standardOutput)
    }

    @Test func shiftedDrawsAreRejectedAndThinned() throws {
        let (samples, scores) = try Self.files(count: 300, shift: 0.5, seed: 31)
        let record = try Self.run(["ksd", "--samples", samples, "--scores", scores, "--test", "--bootstrap", "200", "--thin", "10"])
        #expect(record.context.command == "ksd" && record.context.rows == 300 && record.context.dimension == 2)
        #expect(record.method == "kernel Stein discrepancy² (U-statistic)")
        // A shift of ½ in both coordinates is far from the null: KSD² several standard errors above 0, test rejects.
        #expect(record.value > 5 * record.standardError, "\(record.value) ± \(record.standardError)")
        let test = try #require(record.context.test)
        #expect(test.bootstrap == 200 && test.flipProbability == 0.5)
        #expect(test.pValue == 1.0 / 201)
        let thinned = try #require(record.context.thinned)
        #expect(thinned.count == 10 && thinned.allSatisfy { (0..<300).contains($0) })
    }

    @Test func chainsUseTheAutocorrelatedMultipliersAndTextOutput() throws {
        let (samples, scores) = try Self.files(count: 400, shift: 0, seed: 32)
        let record = try Self.run(["ksd", "--samples", samples, "--scores", scores, "--test", "--bootstrap", "100",
                                   "--chains", "2", "--kernel", "rbf"])
        let test = try #require(record.context.test)
        #expect(test.flipProbability < 0.5 && record.context.kernel == "rbf")
        let text = try MCEstExecutable.run(["ksd", "--samples", samples, "--scores", scores])
        #expect(text.status == 0 && text.standardOutput.contains("KSD² (U-statistic, unbiased)"))
    }

    @Test func badInputExitsWithTwoAndNamesTheFile() throws {
        let (samples, scores) = try Self.files(count: 50, shift: 0, seed: 33)
        let short = try Self.write([[1, 2], [3, 4]])
        let wide = try Self.write((0..<50).map { [Double($0), 1, 2] })
        let nan = try Self.write([[1, 2], [Double.nan, 1], [0, 1]])
        let nanScores = try Self.write([[1, 2], [0, 1], [0, 1]])
        let constant = try Self.write((0..<50).map { _ in [1, 1] })
        let cases: [([String], String)] = [
            (["ksd", "--samples", samples, "--scores", short], short),
            (["ksd", "--samples", samples, "--scores", wide], wide),
            (["ksd", "--samples", nan, "--scores", nanScores], nan),
            (["ksd", "--samples", constant, "--scores", scores, "--kernel", "rbf"], constant),
            (["ksd", "--samples", samples, "--scores", scores, "--thin", "51"], samples),
        ]
        for (arguments, file) in cases {
            let output = try MCEstExecutable.run(arguments)
            #expect(output.status == 2, "\(arguments): \(output.standardError)")
            #expect(output.standardError.contains(file), "\(arguments): \(output.standardError)")
        }
    }
}
