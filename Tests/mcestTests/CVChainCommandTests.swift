import Foundation
import MonteCarloCore
import Testing

/// `mcest cv` on Markov chain output: unthinned Gaussian AR(1) chains in d = 2 (stationary law
/// N(0, I), score −x, ρ = 0.8), given as one file split by `--chains`, as one file per chain, with
/// a chain-id column, or as CmdStan output CSV.
@Suite("mcest cv on Markov chains")
struct CVChainCommandTests {
    struct Context: Decodable {
        let integrand: String
        let chains: [Int]?
        let longRunVariance: String?
    }

    /// One integrand's record, flattened.
    struct Result {
        let integrand: String
        let method: String
        let value: Double
        let standardError: Double
        let degreesOfFreedom: Double?
        let sampleCount: Int
        let chains: [Int]?
        let longRunVariance: String?

        init(_ r: EstimateRecordJSON<Context>) {
            integrand = r.context.integrand
            method = r.method
            value = r.value
            standardError = r.standardError
            degreesOfFreedom = r.confidenceInterval.degreesOfFreedom
            sampleCount = r.sampleCount
            chains = r.context.chains
            longRunVariance = r.context.longRunVariance
        }
    }

    static let rho = 0.8
    /// f₁ = x₁ (truth 0, long-run variance (1 + ρ)/(1 − ρ) = 9), f₂ = cos x₁ + x₂² (truth e^{−1/2} + 1).
    static let names = ["x1", "cosx1_plus_x2sq"]
    static let truths = [0, exp(-0.5) + 1]

    /// One AR(1) chain per entry of `lengths`, each started in N(0, I).
    static func chains(lengths: [Int], seed: UInt64) -> [[[Double]]] {
        var generator = RandomStreams(seed: seed).stream(0)
        let innovation = (1 - rho * rho).squareRoot()
        return lengths.map { length in
            var x = [generator.nextStandardNormal(), generator.nextStandardNormal()]
            var rows: [[Double]] = []
            for _ in 0..<length {
                rows.append(x)
                x = x.map { rho * $0 + innovation * generator.nextStandardNormal() }
            }
            return rows
        }
    }

    static func csv(_ header: String?, _ rows: [[Double]]) -> String {
        (header.map { $0 + "\n" } ?? "") + rows.map { $0.map { "\($0)" }.joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    static func values(_ x: [Double]) -> [Double] { [x[0], cos(x[0]) + x[1] * x[1]] }

    /// Writes X, U, F files (one set per chain when `perChain`) and returns their paths.
    static func write(_ chains: [[[Double]]], perChain: Bool, in directory: URL) throws -> (x: [String], u: [String], f: [String]) {
        func save(_ text: String, _ name: String) throws -> String {
            let url = directory.appendingPathComponent(name)
            try text.write(to: url, atomically: true, encoding: .utf8)
            return url.path
        }
        let groups = perChain ? chains.map { [$0] } : [chains]
        var paths: (x: [String], u: [String], f: [String]) = ([], [], [])
        for (g, group) in groups.enumerated() {
            let rows = group.flatMap { $0 }
            paths.x.append(try save(csv("x1,x2", rows), "X\(g).csv"))
            paths.u.append(try save(csv("u1,u2", rows.map { $0.map { -$0 } }), "U\(g).csv"))
            paths.f.append(try save(csv(names.joined(separator: ","), rows.map(values)), "F\(g).csv"))
        }
        return paths
    }

    static func run(_ arguments: [String]) throws -> (MCEstExecutable.Output, [Result]) {
        let output = try MCEstExecutable.run(["cv"] + arguments + ["--json"])
        guard output.status == 0 else { return (output, []) }
        return (output, try EstimateRecordJSON<Context>.array(output.standardOutput).map(Result.init))
    }

    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cv-chain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test("--chains 4 equals four files; estimates within 5 SE; the chain SE of x₁ is about √τ = 3 times the i.i.d. one")
    func chainsOptionAndFiles() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = Self.chains(lengths: [500, 500, 500, 500], seed: 7)
        let one = try Self.write(data, perChain: false, in: directory)
        let dir4 = directory.appendingPathComponent("per-chain")
        try FileManager.default.createDirectory(at: dir4, withIntermediateDirectories: true)
        let four = try Self.write(data, perChain: true, in: dir4)
        for method in ["plain", "zv2"] {
            let (o1, split) = try Self.run(["--samples", one.x[0], "--scores", one.u[0], "--values", one.f[0],
                                            "--chains", "4", "--method", method])
            #expect(o1.status == 0, "\(o1.standardError)")
            let (o4, files) = try Self.run(["--samples"] + four.x + ["--scores"] + four.u + ["--values"] + four.f + ["--method", method])
            #expect(o4.status == 0, "\(o4.standardError)")
            #expect(split.map(\.value) == files.map(\.value) && split.map(\.standardError) == files.map(\.standardError))
            for (t, result) in split.enumerated() {
                #expect(result.chains == [500, 500, 500, 500] && result.longRunVariance != nil)
                #expect(abs(result.value - Self.truths[t]) <= 5 * result.standardError, "\(method) \(result)")
            }
            let (_, iid) = try Self.run(["--samples", one.x[0], "--scores", one.u[0], "--values", one.f[0],
                                         "--method", method, "--dependence", "iid"])
            #expect(iid.first?.chains == nil)
            if method == "plain" {
                // x₁ has τ = (1 + ρ)/(1 − ρ) = 9: the chain SE is √9 = 3 times s/√n in expectation. The
                // long-run variance of n = 2000 draws has a relative SD of roughly √(2/a) ≈ 0.16 for
                // a ≈ 80 batches, so its square root is within ±40% (5 SDs of 8%) plus a small
                // downward batch-size bias: accept 1.8 … 4.2.
                let ratio = split[0].standardError / iid[0].standardError
                #expect(ratio > 1.8 && ratio < 4.2, "SE ratio \(ratio)")
            }
        }
    }

    @Test("--chain-column regroups interleaved rows into chains; text output says chains were used")
    func chainColumn() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = Self.chains(lengths: [300, 300], seed: 11)
        let grouped = try Self.write(data, perChain: false, in: directory)
        // The same draws interleaved (chain 0, chain 1, chain 0, …) with a chain column.
        var rows: [[Double]] = [], scores: [[Double]] = [], values: [[Double]] = []
        for i in 0..<300 {
            for c in 0..<2 {
                rows.append([Double(c + 1)] + data[c][i])
                scores.append(data[c][i].map { -$0 })
                values.append(Self.values(data[c][i]))
            }
        }
        func save(_ text: String, _ name: String) throws -> String {
            let url = directory.appendingPathComponent(name)
            try text.write(to: url, atomically: true, encoding: .utf8)
            return url.path
        }
        let x = try save(Self.csv("chain,x1,x2", rows), "XI.csv")
        let u = try save(Self.csv(nil, scores), "UI.csv")
        let f = try save(Self.csv(Self.names.joined(separator: ","), values), "FI.csv")
        let (o1, byColumn) = try Self.run(["--samples", x, "--scores", u, "--values", f, "--chain-column", "chain", "--method", "zv1"])
        #expect(o1.status == 0, "\(o1.standardError)")
        let (_, bySplit) = try Self.run(["--samples", grouped.x[0], "--scores", grouped.u[0], "--values", grouped.f[0],
                                         "--chains", "2", "--method", "zv1"])
        #expect(byColumn.map(\.value) == bySplit.map(\.value))
        #expect(byColumn.map(\.standardError) == bySplit.map(\.standardError))
        let text = try MCEstExecutable.run(["cv", "--samples", x, "--scores", u, "--values", f, "--chain-column", "chain"])
        #expect(text.standardOutput.contains("2 chains of 300 draws"), "\(text.standardOutput)")
    }

    @Test("CmdStan output CSV: comments skipped, sampler columns dropped, --sample-columns picks parameters")
    func cmdStanInput() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = Self.chains(lengths: [400, 400], seed: 13)
        var samplePaths: [String] = [], scorePaths: [String] = [], valuePaths: [String] = []
        for (c, chain) in data.enumerated() {
            var text = "# model = ar1\n# method = sample (Default)\nlp__,accept_stat__,stepsize__,mu,beta.1,beta.2\n"
            text += "# Adaptation terminated\n# Step size = 0.8\n"
            for x in chain { text += "\(-0.5 * (x[0] * x[0] + x[1] * x[1])),0.9,0.8,0.1,\(x[0]),\(x[1])\n" }
            text += "# Elapsed Time: 0.1 seconds\n"
            let s = directory.appendingPathComponent("output_\(c + 1).csv")
            try text.write(to: s, atomically: true, encoding: .utf8)
            samplePaths.append(s.path)
            let u = directory.appendingPathComponent("scores_\(c + 1).csv")
            try Self.csv("u1,u2", chain.map { $0.map { -$0 } }).write(to: u, atomically: true, encoding: .utf8)
            scorePaths.append(u.path)
            let f = directory.appendingPathComponent("values_\(c + 1).csv")
            try Self.csv(Self.names.joined(separator: ","), chain.map(Self.values)).write(to: f, atomically: true, encoding: .utf8)
            valuePaths.append(f.path)
        }
        let (output, results) = try Self.run(["--samples"] + samplePaths + ["--scores"] + scorePaths + ["--values"] + valuePaths
                                             + ["--sample-columns", "beta", "--method", "zv2"])
        #expect(output.status == 0, "\(output.standardError)")
        #expect(results.count == 2 && results.allSatisfy { $0.chains == [400, 400] && $0.sampleCount == 800 })
        for (t, r) in results.enumerated() { #expect(abs(r.value - Self.truths[t]) <= 5 * r.standardError, "\(r)") }
        // Without --sample-columns the draws would have 3 columns (mu, beta.1, beta.2) against 2 scores.
        let mismatch = try MCEstExecutable.run(["cv", "--samples"] + samplePaths + ["--scores"] + scorePaths + ["--values"] + valuePaths)
        #expect(mismatch.status == 2 && mismatch.standardError.contains("scores_1.csv"), "\(mismatch.standardError)")
    }

    @Test("bad chain input: uneven split and a chain too short are exit 2; --seed with chains is a usage error")
    func badInput() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = try Self.write(Self.chains(lengths: [30], seed: 5), perChain: false, in: directory)
        let base = ["cv", "--samples", files.x[0], "--scores", files.u[0], "--values", files.f[0], "--method", "plain"]
        let uneven = try MCEstExecutable.run(base + ["--chains", "7"])
        #expect(uneven.status == 2 && uneven.standardError.contains("--chains 7"), "\(uneven.standardError)")
        let short = try MCEstExecutable.run(base + ["--chains", "1", "--dependence", "batch-means", "--batch-size", "20"])
        #expect(short.status == 2 && short.standardError.contains("batch"), "\(short.standardError)")
        let shuffled = try MCEstExecutable.run(base + ["--chains", "2", "--seed", "1"])
        #expect(shuffled.status == 64, "\(shuffled.standardError)")
        let badSize = try MCEstExecutable.run(base + ["--chains", "2", "--batch-size", "0"])
        #expect(badSize.status == 64, "\(badSize.standardError)")
    }
}
