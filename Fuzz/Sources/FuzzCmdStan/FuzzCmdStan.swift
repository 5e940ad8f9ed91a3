import Foundation
import FuzzDriver
import MonteCarloCore

/// libFuzzer target: the input is read as a CmdStan output CSV (comments, warmup, sampler
/// columns), with and without the sampler columns, and as one chain of `MultiChainDraws`.
@main
enum FuzzCmdStanMain {
    static func main() { runLibFuzzer(testOneInput) }
}

/// The symbol libFuzzer's runtime expects.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    fuzzCmdStan(fuzzInput(start, count))
}

/// One input.
func fuzzCmdStan(_ data: Data) -> CInt {
    let text = InputFile.text(decoding: data)
    for includeSamplerColumns in [false, true] {
        guard let file = try? DataMatrixFile.parseCmdStanCSV(text, source: "fuzz.csv",
                                                            includeSamplerColumns: includeSamplerColumns) else { continue }
        precondition(!file.rows.isEmpty && file.rows.allSatisfy { $0.count == file.columnCount && $0.allSatisfy(\.isFinite) },
                     "an empty file, a ragged row or a non-finite value was accepted")
    }
    return 0
}
