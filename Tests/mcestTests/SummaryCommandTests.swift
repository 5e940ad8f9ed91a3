import Foundation
import MonteCarloCore
import Testing

/// `mcest summary` end to end on four CmdStan output files.
@Suite("mcest summary")
struct SummaryCommandTests {
    /// The `--json` output: one estimate record per column, the ArviZ-named figures in its context.
    struct Document {
        struct Column: Decodable {
            let name: String
            let mean: Double?
            let mcse_mean: Double?
            let sd: Double?
            let ess_mean: Double?
            let ess_bulk: Double?
            let ess_tail: Double?
            let r_hat: Double?
            let warnings: [String]
        }
        struct Record: Decodable {
            struct Diagnostics: Decodable { let warnings: [String] }
            struct Context: Decodable {
                struct ArviZ: Decodable {
                    let mean: Double?, mcse_mean: Double?, sd: Double?, ess_mean: Double?, ess_bulk: Double?, ess_tail: Double?, r_hat: Double?
                }
                let column: String
                let files: [String]
                let chains: Int
                let drawsPerChain: Int
                let arviz: ArviZ
            }
            let diagnostics: Diagnostics
            let context: Context
        }
        let files: [String]
        let chains: Int
        let draws_per_chain: Int
        let columns: [Column]

        static func decode(_ output: String) throws -> Document {
            let records = try JSONDecoder().decode([Record].self, from: Data(output.utf8))
            let first = try #require(records.first)
            return Document(
                files: first.context.files, chains: first.context.chains, draws_per_chain: first.context.drawsPerChain,
                columns: records.map { r in
                    let a = r.context.arviz
                    return Column(name: r.context.column, mean: a.mean, mcse_mean: a.mcse_mean, sd: a.sd, ess_mean: a.ess_mean,
                                  ess_bulk: a.ess_bulk, ess_tail: a.ess_tail, r_hat: a.r_hat, warnings: r.diagnostics.warnings)
                })
        }
    }

    /// Four chain files of 400 draws; chain 3 shifted by `shift` in mu.
    static func files(in directory: URL, shift: Double = 0) throws -> [String] {
        try (0..<4).map { c in
            try CmdStanFixture.write(CmdStanFixture.text(chain: c, draws: 400, shift: c == 3 ? shift : 0),
                                     name: "output_\(c + 1).csv", in: directory)
        }
    }

    @Test("--json on 4 CmdStan files matches ChainSummary on the same draws exactly")
    func jsonMatchesLibrary() throws {
        let directory = try CmdStanFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let paths = try Self.files(in: directory)
        let run = try MCEstExecutable.run(["summary"] + paths + ["--json"])
        #expect(run.status == 0, "\(run.standardError)")
        let document = try Document.decode(run.standardOutput)
        #expect(document.chains == 4 && document.draws_per_chain == 400 && document.files == paths)
        #expect(document.columns.map(\.name) == ["mu", "beta.1", "beta.2"])

        let draws = try MultiChainDraws.read(paths: paths)
        for (j, column) in document.columns.enumerated() {
            let expected = try ChainSummary(name: draws.columnNames[j], chains: draws.chains(column: j))
            #expect(column.mean == expected.mean)
            #expect(column.mcse_mean == expected.meanStandardError)
            #expect(column.sd == expected.standardDeviation)
            #expect(column.ess_mean == expected.meanEffectiveSampleSize)
            #expect(column.ess_bulk == expected.bulkEffectiveSampleSize)
            #expect(column.ess_tail == expected.tailEffectiveSampleSize)
            #expect(column.r_hat == expected.rHat)
            #expect(column.warnings == expected.warnings)
            #expect(column.warnings.isEmpty, "\(column.warnings)")
        }
        // The AR(1) draws have means 1, −3, 0: within 5 MCSE.
        for (column, truth) in zip(document.columns, [1.0, -3, 0]) {
            #expect(abs(column.mean! - truth) <= 5 * column.mcse_mean!, "\(column.name)")
        }
    }

    @Test("Table output, --columns with a vector base name, --include-sampler-columns")
    func table() throws {
        let directory = try CmdStanFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let paths = try Self.files(in: directory)
        let run = try MCEstExecutable.run(["summary"] + paths + ["--columns", "beta"])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardOutput.contains("4 chains × 400 draws, 2 columns"))
        #expect(run.standardOutput.contains("R̂") && run.standardOutput.contains("ESS bulk"))
        #expect(run.standardOutput.contains("beta.1") && run.standardOutput.contains("beta.2"))
        #expect(!run.standardOutput.contains("  mu "))
        #expect(!run.standardOutput.contains("warning"))

        let sampler = try MCEstExecutable.run(["summary"] + paths + ["--include-sampler-columns", "--json"])
        #expect(sampler.status == 0, "\(sampler.standardError)")
        let document = try Document.decode(sampler.standardOutput)
        #expect(document.columns.count == 10 && document.columns[0].name == "lp__")
    }

    @Test("A shifted chain: R̂ > 1.01 and the warning is printed")
    func shiftedChainWarns() throws {
        let directory = try CmdStanFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let paths = try Self.files(in: directory, shift: 2)
        let run = try MCEstExecutable.run(["summary"] + paths)
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardOutput.contains("warning: mu: R̂ = ") && run.standardOutput.contains("cannot be trusted"),
                "\(run.standardOutput)")
    }

    @Test("A 3-D .npy array is read as several chains")
    func npy() throws {
        let directory = try CmdStanFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let chains = (0..<4).map { CmdStanFixture.parameters(chain: $0, draws: 300) }
        let path = directory.appendingPathComponent("posterior.npy").path
        try NPYWriter.float64(chains.flatMap { $0.flatMap { $0 } }, shape: [4, 300, 3]).write(to: URL(fileURLWithPath: path))
        let run = try MCEstExecutable.run(["summary", path, "--json"])
        #expect(run.status == 0, "\(run.standardError)")
        let document = try Document.decode(run.standardOutput)
        #expect(document.chains == 4 && document.draws_per_chain == 300 && document.columns.map(\.name) == ["0", "1", "2"])
        let expected = try ChainSummary(chains: chains.map { $0.map { $0[1] } })
        #expect(document.columns[1].r_hat == expected.rHat && document.columns[1].ess_bulk == expected.bulkEffectiveSampleSize)
    }

    @Test("A bad file: exit code 2, the file and the line on standard error")
    func badFile() throws {
        let directory = try CmdStanFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var paths = try Self.files(in: directory)
        var lines = CmdStanFixture.text(chain: 1, draws: 400).components(separatedBy: "\n")
        lines[ChainFileTests.lineOfDraw(10) - 1] += ",7.5"
        paths[1] = try CmdStanFixture.write(lines.joined(separator: "\n"), name: "broken.csv", in: directory)
        let run = try MCEstExecutable.run(["summary"] + paths)
        #expect(run.status == 2)
        #expect(run.standardError.contains("broken.csv, line \(ChainFileTests.lineOfDraw(10))"), "\(run.standardError)")
        #expect(run.standardOutput.isEmpty)

        let missing = try MCEstExecutable.run(["summary", directory.appendingPathComponent("nope.csv").path])
        #expect(missing.status == 2 && missing.standardError.contains("nope.csv"))
    }
}
