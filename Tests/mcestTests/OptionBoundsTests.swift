import Foundation
import Testing

@testable import mcest

/// Count-like options near 2⁶³ or 10¹² used to trap (overflow) or abort (allocation) instead of
/// being refused: each must now exit 64 with a message naming the option, before any file is
/// read, both at Int.max and just above its bound.
@Suite("mcest: count-like options out of range")
struct OptionBoundsTests {
    static let cases: [(arguments: [String], range: ClosedRange<Int>)] = [
        (["sw", "x.csv", "y.csv", "--method", "mc", "--projections"], CountOption.projections),
        (["sw", "x.csv", "y.csv", "--method", "orthogonal", "--projections"], CountOption.projections),
        (["sw", "x.csv", "y.csv", "--method", "qmc", "--randomizations"], CountOption.randomizations),
        (["cv", "--samples", "x.csv", "--scores", "s.csv", "--values", "v.csv", "--folds"], CountOption.folds),
        (["mi", "data.csv", "--x", "0", "--y", "1", "--method", "nwj", "--batch-size"], CountOption.criticBatchSize),
        (["mi", "data.csv", "--x", "0", "--y", "1", "--neighbors"], CountOption.neighbors),
        (["entropy", "data.csv", "--k"], CountOption.neighbors),
        (["kl", "x.csv", "y.csv", "--k"], CountOption.neighbors),
        (["estimate", "--samples"], CountOption.samples),
        (["estimate", "--method", "stratified", "--strata"], CountOption.strata),
        (["estimate", "--method", "lhs", "--design-size"], CountOption.points),
        (["vi", "d.csv", "--model", "linear-regression", "--target", "y", "--samples"], CountOption.variationalSamples),
        (["vi", "d.csv", "--model", "linear-regression", "--target", "y", "--max-iterations"], CountOption.iterations),
        (["vi", "d.csv", "--model", "linear-regression", "--target", "y", "--group-size"], CountOption.renyiGroupSize),
        (["demo", "--samples"], CountOption.demoSamples),
    ]

    @Test("huge counts exit 64 naming the option", arguments: cases)
    func hugeCountsAreRefused(arguments: [String], range: ClosedRange<Int>) throws {
        #expect(range.upperBound <= 1_000_000_000_000_000)
        for value in [Int.max, range.upperBound + 1] {
            let output = try MCEstExecutable.run(arguments + ["\(value)"])
            #expect(output.status == 64, "\(arguments) \(value): exit \(output.status), \(output.standardError)")
            #expect(output.standardError.contains("\(arguments.last!) must be at most \(range.upperBound)"), "\(output.standardError)")
        }
    }
}
