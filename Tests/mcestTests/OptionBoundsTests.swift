import Foundation
import Testing

/// Count-like options near 2⁶³ or 10¹² used to trap (overflow) or abort (allocation) instead of
/// being refused: each must now exit 64 with a message naming the option, before any file is read.
@Suite("mcest: count-like options out of range")
struct OptionBoundsTests {
    static let huge = ["9223372036854775807", "1000000000000"]

    static let cases: [[String]] = [
        ["sw", "x.csv", "y.csv", "--method", "mc", "--projections"],
        ["sw", "x.csv", "y.csv", "--method", "orthogonal", "--projections"],
        ["sw", "x.csv", "y.csv", "--method", "qmc", "--randomizations"],
        ["cv", "--samples", "x.csv", "--scores", "s.csv", "--values", "v.csv", "--folds"],
        ["mi", "data.csv", "--x", "0", "--y", "1", "--method", "nwj", "--batch-size"],
        ["mi", "data.csv", "--x", "0", "--y", "1", "--neighbors"],
        ["estimate", "--samples"],
        ["vi", "d.csv", "--model", "linear-regression", "--target", "y", "--samples"],
        ["demo", "--samples"],
    ]

    @Test("huge counts exit 64 naming the option", arguments: cases)
    func hugeCountsAreRefused(arguments: [String]) throws {
        for value in Self.huge {
            let output = try MCEstExecutable.run(arguments + [value])
            #expect(output.status == 64, "\(arguments) \(value): exit \(output.status), \(output.standardError)")
            #expect(output.standardError.contains(arguments.last!), "\(output.standardError)")
            #expect(output.standardError.contains("must be from"), "\(output.standardError)")
        }
    }
}
