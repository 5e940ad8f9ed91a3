import Foundation
import Testing

/// Finite inputs near the top of double precision (10¹⁰⁰–10³⁰⁰) used to print `± inf`,
/// `[-inf, inf]` and `ESS nan` with exit code 0. Their squares overflow, so no error bar exists
/// in double precision: each command must now exit 2 with a message that says so.
@Suite("mcest: inputs whose squares overflow")
struct LargeInputTests {
    /// `rows` lines of `columns` numbers, scale × (a fixed pseudo-random pattern + shift).
    static func csv(rows: Int, columns: Int, scale: Double, shift: Double = 0) -> String {
        (0..<rows).map { i in
            (0..<columns).map { j in "\(scale * (sin(Double(7 * i + 3 * j + 1)) + shift))" }.joined(separator: ",")
        }.joined(separator: "\n") + "\n"
    }

    static func expectOverflowRefused(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let output = try MCEstExecutable.run(arguments)
        #expect(output.status == 2, "exit \(output.status): \(output.standardOutput)", sourceLocation: sourceLocation)
        #expect(output.standardError.contains("overflow double precision"), "\(output.standardError)", sourceLocation: sourceLocation)
        #expect(!output.standardOutput.contains("inf") && !output.standardOutput.contains("nan"), sourceLocation: sourceLocation)
    }

    @Test("sw, its shards and cv refuse results that overflow")
    func overflowingResults() throws {
        let dir = try ShardCommandTests.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let x = try ShardCommandTests.write(Self.csv(rows: 40, columns: 2, scale: 1e100), "x.csv", in: dir)
        let y = try ShardCommandTests.write(Self.csv(rows: 40, columns: 2, scale: 1e100, shift: 1), "y.csv", in: dir)
        for method in ["mc", "orthogonal", "cv"] {
            try Self.expectOverflowRefused(["sw", x, y, "--method", method, "--projections", "256"])
        }
        // A shard's block states hold sums of squares, which overflow: the shard itself is refused
        // (JSON has no ∞), so no impossible state reaches `mcest merge`.
        let shard = dir.appendingPathComponent("big-0.json").path
        try Self.expectOverflowRefused(["sw", x, y, "--method", "mc", "--projections", "256",
                                        "--shard", "0/2", "--state-out", shard])
        #expect(!FileManager.default.fileExists(atPath: shard))

        let draws = try ShardCommandTests.write(Self.csv(rows: 200, columns: 1, scale: 1), "s.csv", in: dir)
        let scores = try ShardCommandTests.write(Self.csv(rows: 200, columns: 1, scale: -1), "g.csv", in: dir)
        let values = try ShardCommandTests.write(Self.csv(rows: 200, columns: 1, scale: 1e300, shift: 0.5), "v.csv", in: dir)
        let moderate = try ShardCommandTests.write(Self.csv(rows: 200, columns: 1, scale: 1e160), "v2.csv", in: dir)
        for (file, method) in [(values, "plain"), (values, "cf"), (moderate, "zv1")] {
            try Self.expectOverflowRefused(["cv", "--samples", draws, "--scores", scores, "--values", file, "--method", method])
        }
    }
}
