import Foundation
import MonteCarloCore
import SlicedWassersteinModule
import Testing
import VarianceReduction

/// Every input committed under `Fuzz/Regressions/<target>/` (crashes and findings of the fuzz
/// targets, and the hand-made cases) goes through the same calls as its fuzz target
/// (`Fuzz/Sources/`). A trap would end the test run; besides, whatever a reader accepts must be
/// rectangular and finite, and whatever state decodes must be one a run can produce.
@Suite("Fuzz regressions: the committed inputs")
struct FuzzRegressionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/Regressions")

    static func inputs(_ target: String) throws -> [(name: String, data: Data)] {
        let directory = root.appendingPathComponent(target)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        return try names.map { ($0, try Data(contentsOf: directory.appendingPathComponent($0))) }
    }

    @Test("data-matrix: CSV and .npy readers")
    func dataMatrix() throws {
        let inputs = try Self.inputs("data-matrix")
        #expect(inputs.count >= 7)
        for (name, data) in inputs {
            var accepted: [DataMatrixFile] = []
            if let file = try? DataMatrixFile.parseNPY(data, source: name) { accepted.append(file) }
            if let file = try? DataMatrixFile.parseCSV(InputFile.text(decoding: data), source: name) { accepted.append(file) }
            for file in accepted {
                #expect(file.rows.allSatisfy { $0.count == file.columnCount && $0.allSatisfy(\.isFinite) }, "\(name)")
            }
            if let draws = try? MultiChainDraws.parseNPY(data, source: name) {
                #expect(draws.values.allSatisfy { $0.allSatisfy { $0.allSatisfy(\.isFinite) } }, "\(name)")
            }
            // The cases the issue names: what must be accepted, and what refused.
            if name.hasPrefix("shape-") || name.hasPrefix("version-") {
                #expect(accepted.isEmpty || !name.hasSuffix(".npy"), "\(name) was accepted as .npy")
                #expect((try? DataMatrixFile.parseNPY(data, source: name)) == nil, "\(name)")
            }
            if ["compact-header.npy", "duplicate-key.npy"].contains(name) {
                #expect(try DataMatrixFile.parseNPY(data, source: name).rows == [[1], [2]], "\(name)")
            }
            if ["bom-headerless.csv", "crlf.csv"].contains(name) {
                #expect(try DataMatrixFile.parseCSV(InputFile.text(decoding: data), source: name).rows == [[1, 2], [3, 4]], "\(name)")
            }
        }
    }

    @Test("cmdstan: the CmdStan CSV reader")
    func cmdStan() throws {
        let inputs = try Self.inputs("cmdstan")
        #expect(inputs.count >= 3)
        for (name, data) in inputs {
            for include in [false, true] {
                guard let file = try? DataMatrixFile.parseCmdStanCSV(InputFile.text(decoding: data), source: name,
                                                                    includeSamplerColumns: include) else { continue }
                #expect(!file.rows.isEmpty && file.rows.allSatisfy { $0.count == file.columnCount && $0.allSatisfy(\.isFinite) })
            }
        }
    }

    @Test("shard-state: every edited state is refused when decoded")
    func shardState() throws {
        let inputs = try Self.inputs("shard-state")
        #expect(inputs.count >= 7)
        let decoder = JSONDecoder()
        for (name, data) in inputs {
            // Each of these files was edited into a state no run can produce.
            #expect((try? decoder.decode(RunningMoments.self, from: data)) == nil, "\(name)")
            #expect((try? decoder.decode(SampleMeanState.self, from: data)) == nil, "\(name)")
            #expect((try? decoder.decode(FoldedMoments.self, from: data)) == nil, "\(name)")
        }
    }
}
