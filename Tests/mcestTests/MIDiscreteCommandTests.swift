import Foundation
import MonteCarloCore
import Testing

/// `mcest mi --discrete COLS` and `--method mixed` end to end: the estimator chosen by the
/// discrete columns, values equal to the library's on the same rows (scikit-learn's on the
/// formula data), and bad input exiting 2 with the file named.
@Suite("mcest mi --discrete")
struct MIDiscreteCommandTests {
    struct Context: Decodable {
        let methodOption: String
        let notes: [String]
    }

    /// Columns label, code, feature, tied of `Benchmarks/peers/discrete_mi_sklearn.py`'s formula data (n = 300).
    static let dataPath: String = {
        var text = "label,code,feature,tied\n"
        let n = 300
        for i in 0..<n {
            let t = Double(i)
            let label = (3 * (t * 0.7548776662466927 + 0.1).truncatingRemainder(dividingBy: 1)).rounded(.down)
            let u = (t * t * 0.6180339887498949 + 0.25).truncatingRemainder(dividingBy: 1)
            let v = (t * t * 0.4142135623730951 + 0.5).truncatingRemainder(dividingBy: 1)
            let feature = 0.8 * label + u + v
            let code = (4 * (0.5 * u + 0.3 * label).truncatingRemainder(dividingBy: 1)).rounded(.down)
            let tied = i % 2 == 0 ? (4 * feature).rounded(.down) / 4 : feature
            // "%.17g" round-trips every double exactly.
            text += String(format: "%.0f,%.0f,%.17g,%.17g\n", label, code, feature, tied)
        }
        return try! MICommandTests.write(text)
    }()

    static func run(_ arguments: [String]) throws -> EstimateRecordJSON<Context> {
        let output = try MCEstExecutable.run(["mi", dataPath] + arguments + ["--json"])
        #expect(output.status == 0, "\(output.standardError)")
        return try EstimateRecordJSON<Context>.one(output.standardOutput)
    }

    @Test func bothDiscreteIsThePlugIn() throws {
        let report = try Self.run(["--x", "label", "--y", "code", "--discrete", "label,code"])
        #expect(report.method == "plug-in-miller-madow" && report.context.methodOption == "discrete")
        // The uncorrected plug-in is sklearn's mutual_info_score on the same data (the script's
        // reference value); the value subtracts the Miller–Madow term.
        let figures = report.diagnostics.figures
        #expect(abs((figures["plugIn"] ?? nil)! - 0.5054757107041847) <= 1e-12)
        #expect(abs(report.value + (figures["millerMadowCorrection"] ?? nil)! - 0.5054757107041847) <= 1e-12)
        #expect(report.standardError > 0 && report.confidenceInterval.degreesOfFreedom == nil)
    }

    @Test func oneSideDiscreteIsRoss() throws {
        let report = try Self.run(["--x", "feature", "--y", "label", "--discrete", "label"])
        #expect(report.method == "ross-discrete-continuous" && report.context.methodOption == "discrete-continuous")
        // scikit-learn's mutual_info_classif on the same data (the script's reference value).
        #expect(abs(report.value - 0.6582325352816305) <= 1e-9)
        #expect(report.standardError > 0 && report.confidenceInterval.degreesOfFreedom != nil)
    }

    @Test func mixedIsGao() throws {
        let report = try Self.run(["--x", "label", "--y", "tied", "--method", "mixed"])
        #expect(report.method == "gao-kannan-oh-viswanath-mixed")
        // The brute-force numpy value of the script (k = 3, the CLI's default --neighbors).
        #expect(abs(report.value - 0.8074341939714693) <= 1e-12)
    }

    @Test func badInputExitsTwoNamingTheFile() throws {
        // A discrete column in neither --x nor --y; a side mixing discrete and continuous columns.
        for arguments in [["--x", "feature", "--y", "label", "--discrete", "code"],
                          ["--x", "feature,code", "--y", "label", "--discrete", "label,code"]] {
            let output = try MCEstExecutable.run(["mi", Self.dataPath] + arguments)
            #expect(output.status == 2, "\(arguments): \(output.standardError)")
        }
        // Tied feature values within a class: Ross refuses (exit 2) and the message names the file.
        let tied = try MCEstExecutable.run(["mi", Self.dataPath, "--x", "tied", "--y", "label", "--discrete", "label"])
        #expect(tied.status == 2 && tied.standardError.contains(Self.dataPath), "\(tied.standardError)")
        // --discrete with a method it does not apply to is an option error (ArgumentParser's 64).
        let wrong = try MCEstExecutable.run(["mi", Self.dataPath, "--x", "feature", "--y", "label", "--discrete", "label",
                                             "--method", "gaussian"])
        #expect(wrong.status == 64, "\(wrong.standardError)")
    }
}
