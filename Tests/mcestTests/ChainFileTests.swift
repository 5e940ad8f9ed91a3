import Foundation
import MonteCarloCore
import Testing

/// CmdStan output CSV files written the way CmdStan writes them: configuration comments, a
/// header with the sampler columns first, adaptation comments, draws, timing comments.
enum CmdStanFixture {
    /// Stationary AR(1) draws (ρ, seed and stream fixed) for the parameters mu, beta.1, beta.2.
    static func parameters(chain: Int, draws: Int, rho: Double = 0.5, shift: Double = 0) -> [[Double]] {
        var generator = RandomStreams(seed: 31).stream(chain)
        var x = (0..<3).map { _ in generator.nextStandardNormal() }
        let scale = (1 - rho * rho).squareRoot()
        return (0..<draws).map { _ in
            defer { x = x.map { rho * $0 + scale * generator.nextStandardNormal() } }
            return [x[0] + 1 + shift, 2 * x[1] - 3, 0.5 * x[2]]
        }
    }

    /// The text of one chain's output file. With `saveWarmup`, `warmup` extra rows come first
    /// and the adaptation comments sit between them and the sampling draws.
    static func text(chain: Int, draws: Int, warmup: Int = 100, saveWarmup: Bool = false, shift: Double = 0) -> String {
        var lines = [
            "# stan_version_major = 2", "# stan_version_minor = 33", "# stan_version_patch = 1",
            "# model = regression_model", "# method = sample (Default)", "#   sample",
            "#     num_samples = \(draws)", "#     num_warmup = \(warmup)",
            "#     save_warmup = \(saveWarmup ? 1 : 0)\(saveWarmup ? "" : " (Default)")", "#     thin = 1 (Default)",
            "#     adapt", "#       engaged = 1 (Default)", "#       delta = 0.8 (Default)",
            "#     algorithm = hmc (Default)", "#       hmc", "#         engine = nuts (Default)",
            "#           max_depth = 10 (Default)", "# id = \(chain + 1)", "# random", "#   seed = 4242",
            "# output", "#   file = output_\(chain + 1).csv",
            "lp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,mu,beta.1,beta.2",
        ]
        func row(_ p: [Double], _ i: Int) -> String {
            let sampler = ["\(-7.5 - 0.01 * Double(i % 13))", "0.9\(i % 10)", "0.542", "\(2 + i % 2)", "\(3 + 4 * (i % 2))", "0", "\(8.25 + 0.01 * Double(i % 7))"]
            return (sampler + p.map { "\($0)" }).joined(separator: ",")
        }
        if saveWarmup {
            let early = parameters(chain: chain + 100, draws: warmup)
            lines += early.enumerated().map { row($1.map { 10 * $0 }, $0) }   // far from the target: must be dropped
        }
        lines += ["# Adaptation terminated", "# Step size = 0.542", "# Diagonal elements of inverse mass matrix:", "# 1.02, 3.9, 0.26"]
        lines += parameters(chain: chain, draws: draws, shift: shift).enumerated().map { row($1, $0) }
        lines += ["# ", "#  Elapsed Time: 0.043 seconds (Warm-up)", "#                0.051 seconds (Sampling)",
                  "#                0.094 seconds (Total)", "# "]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes `text` to a fresh temporary file named `name` and returns its path.
    static func write(_ text: String, name: String, in directory: URL) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chains-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }
}

@Suite("Chain files: CmdStan CSV and 3-D .npy")
struct ChainFileTests {
    static func message(_ body: () throws(MonteCarloError) -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            return error.description
        }
    }

    @Test("A CmdStan file: comments skipped, sampler columns dropped, beta.1 names kept")
    func cmdStan() throws {
        let file = try DataMatrixFile.parseCmdStanCSV(CmdStanFixture.text(chain: 0, draws: 200), source: "output_1.csv")
        #expect(file.columnNames == ["mu", "beta.1", "beta.2"])
        #expect(file.rows == CmdStanFixture.parameters(chain: 0, draws: 200))
        let all = try DataMatrixFile.parseCmdStanCSV(CmdStanFixture.text(chain: 0, draws: 200), source: "output_1.csv",
                                                     includeSamplerColumns: true)
        #expect(all.columnCount == 10 && all.columnNames.first == "lp__" && all.columnNames[6] == "energy__")
        #expect(all.rows.count == 200 && all.rows[1][3] == 3 && all.rows[1][4] == 7)
    }

    @Test("save_warmup = 1: the warmup draws before the adaptation comments are dropped")
    func savedWarmup() throws {
        let file = try DataMatrixFile.parseCmdStanCSV(CmdStanFixture.text(chain: 1, draws: 150, warmup: 60, saveWarmup: true),
                                                      source: "output_2.csv")
        #expect(file.rows == CmdStanFixture.parameters(chain: 1, draws: 150))
    }

    @Test("A plain CSV reads as before through the CmdStan reader")
    func plainCSV() throws {
        let text = "x,y\n1,2\n\n3,4\n"
        #expect(try DataMatrixFile.parseCmdStanCSV(text, source: "a.csv") == DataMatrixFile.parseCSV(text, source: "a.csv"))
        #expect(try DataMatrixFile.parseCmdStanCSV("1,2\n3,4\n", source: "b.csv").columnNames == ["0", "1"])
    }

    /// The line of draw `i` (0-based) in a fixture file without saved warmup: 22 configuration
    /// comments, the header, 4 adaptation comments, then the draws.
    static func lineOfDraw(_ i: Int) -> Int { 22 + 1 + 4 + i + 1 }

    @Test("Bad CmdStan files: a missing column, a non-number, NaN — errors name the file and the line")
    func badFiles() {
        var lines = CmdStanFixture.text(chain: 0, draws: 20).components(separatedBy: "\n")
        var ragged = lines
        ragged[Self.lineOfDraw(5) - 1] = ragged[Self.lineOfDraw(5) - 1].components(separatedBy: ",").dropLast().joined(separator: ",")
        let raggedMessage = Self.message { () throws(MonteCarloError) in
            _ = try DataMatrixFile.parseCmdStanCSV(ragged.joined(separator: "\n"), source: "output_1.csv")
        }
        #expect(raggedMessage?.contains("output_1.csv, line \(Self.lineOfDraw(5)):") == true, "\(raggedMessage ?? "no error")")
        #expect(raggedMessage?.contains("missing column") == true)

        var fields = lines[Self.lineOfDraw(7) - 1].components(separatedBy: ",")
        fields[8] = "abc"
        lines[Self.lineOfDraw(7) - 1] = fields.joined(separator: ",")
        let word = Self.message { () throws(MonteCarloError) in
            _ = try DataMatrixFile.parseCmdStanCSV(lines.joined(separator: "\n"), source: "output_1.csv")
        }
        #expect(word?.contains("output_1.csv, line \(Self.lineOfDraw(7)), column 9 (beta.1): \"abc\" is not a number") == true,
                "\(word ?? "no error")")

        fields[8] = "nan"
        lines[Self.lineOfDraw(7) - 1] = fields.joined(separator: ",")
        let nan = Self.message { () throws(MonteCarloError) in
            _ = try DataMatrixFile.parseCmdStanCSV(lines.joined(separator: "\n"), source: "output_1.csv")
        }
        #expect(nan?.contains("output_1.csv, line \(Self.lineOfDraw(7)), column 9 (beta.1): nan is not finite") == true,
                "\(nan ?? "no error")")

        let empty = Self.message { () throws(MonteCarloError) in
            _ = try DataMatrixFile.parseCmdStanCSV("# only comments\nlp__,mu\n", source: "e.csv")
        }
        #expect(empty?.contains("e.csv has no draws") == true)
    }

    @Test("Several chain files: columns matched by name; a file without a column is named with its header line")
    func severalFiles() throws {
        let directory = try CmdStanFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let a = try CmdStanFixture.write(CmdStanFixture.text(chain: 0, draws: 50), name: "a.csv", in: directory)
        let b = try CmdStanFixture.write(CmdStanFixture.text(chain: 1, draws: 50), name: "b.csv", in: directory)
        let draws = try MultiChainDraws.read(paths: [a, b])
        #expect(draws.chainCount == 2 && draws.drawsPerChain == 50 && draws.columnNames == ["mu", "beta.1", "beta.2"])
        #expect(draws.chains(column: 1)[1] == CmdStanFixture.parameters(chain: 1, draws: 50).map { $0[1] })
        #expect(try draws.columnIndices(["beta"], option: "--columns") == [1, 2])
        #expect(try draws.columnIndices(["beta.2", "0"], option: "--columns") == [2, 0])
        #expect(Self.message { () throws(MonteCarloError) in _ = try draws.columnIndices(["gamma"], option: "--columns") }?
            .contains("--columns: no column \"gamma\"") == true)

        // A file whose header lacks beta.2 (and whose rows do too).
        let lacking = CmdStanFixture.text(chain: 2, draws: 50).components(separatedBy: "\n").map { line in
            line.hasPrefix("#") || line.isEmpty ? line : line.components(separatedBy: ",").dropLast().joined(separator: ",")
        }.joined(separator: "\n")
        let c = try CmdStanFixture.write(lacking, name: "c.csv", in: directory)
        let missing = Self.message { () throws(MonteCarloError) in _ = try MultiChainDraws.read(paths: [a, b, c]) }
        #expect(missing?.contains("c.csv, line 23 (the header): no column \"beta.2\"") == true, "\(missing ?? "no error")")

        let short = try CmdStanFixture.write(CmdStanFixture.text(chain: 3, draws: 49), name: "d.csv", in: directory)
        let lengths = Self.message { () throws(MonteCarloError) in _ = try MultiChainDraws.read(paths: [a, short]) }
        #expect(lengths?.contains("d.csv has 49 draws per chain") == true, "\(lengths ?? "no error")")
    }

    @Test("A 3-D .npy array is chains × draws × columns")
    func npyThreeDimensional() throws {
        // value = 100 c + 10 i + j for chain c, draw i, column j.
        var values: [Double] = []
        for c in 0..<2 { for i in 0..<5 { for j in 0..<3 { values.append(Double(100 * c + 10 * i + j)) } } }
        let draws = try MultiChainDraws.parseNPY(NPYWriter.float64(values, shape: [2, 5, 3]), source: "post.npy")
        #expect(draws.chainCount == 2 && draws.drawsPerChain == 5 && draws.columnNames == ["0", "1", "2"])
        let expectedColumn: [[Double]] = [[2, 12, 22, 32, 42], [102, 112, 122, 132, 142]]
        #expect(draws.chains(column: 2) == expectedColumn)
        #expect(draws.chainSources == ["post.npy[0]", "post.npy[1]"])
        let f4 = try MultiChainDraws.parseNPY(NPYWriter.float32([1, 2, 3, 4, 5, 6, 7, 8], shape: [2, 4, 1]), source: "f.npy")
        let expectedF4: [[Double]] = [[1, 2, 3, 4], [5, 6, 7, 8]]
        #expect(f4.chains(column: 0) == expectedF4)
        let twoD = try MultiChainDraws.parseNPY(NPYWriter.float64([1, 2, 3, 4, 5, 6], shape: [3, 2]), source: "one.npy")
        let expectedTwoD: [[Double]] = [[2, 4, 6]]
        #expect(twoD.chainCount == 1)
        #expect(twoD.chains(column: 1) == expectedTwoD)

        var bad = values
        let badIndex: Int = 15 + 9 + 2   // [1, 3, 2]
        bad[badIndex] = .nan
        let nan = Self.message { () throws(MonteCarloError) in
            _ = try MultiChainDraws.parseNPY(NPYWriter.float64(bad, shape: [2, 5, 3]), source: "post.npy")
        }
        #expect(nan?.contains("post.npy: element [1, 3, 2] is not finite") == true, "\(nan ?? "no error")")
        let fourD = Self.message { () throws(MonteCarloError) in
            _ = try MultiChainDraws.parseNPY(NPYWriter.float64(values, shape: [1, 2, 5, 3]), source: "x.npy")
        }
        #expect(fourD?.contains("x.npy: expected a non-empty 1-D, 2-D or 3-D array") == true)
        let short = Self.message { () throws(MonteCarloError) in
            _ = try MultiChainDraws.parseNPY(NPYWriter.float64(values, shape: [3, 5, 3]), source: "x.npy")
        }
        #expect(short?.contains("shorter") == true)
        // The 2-D reader still refuses a 3-D array.
        #expect(Self.message { () throws(MonteCarloError) in
            _ = try DataMatrixFile.parseNPY(NPYWriter.float64(values, shape: [2, 5, 3]), source: "x.npy")
        }?.contains("1-D or 2-D") == true)
    }
}
