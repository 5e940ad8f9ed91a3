import Foundation
import FuzzDriver
import MonteCarloCore

/// libFuzzer target: the input is read as a `.npy` file and as CSV text, by the readers of
/// `DataMatrixFile` and `MultiChainDraws`. Errors are expected (`MonteCarloError`); a trap, an
/// allocation failure or a non-finite value in a result is a finding.
@main
enum FuzzDataMatrixMain {
    static func main() { runLibFuzzer(testOneInput) }
}

/// The symbol libFuzzer's runtime expects.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    fuzzDataMatrix(fuzzInput(start, count))
}

/// One input.
func fuzzDataMatrix(_ data: Data) -> CInt {
    var results: [DataMatrixFile] = []
    if let file = try? DataMatrixFile.parseNPY(data, source: "fuzz.npy") { results.append(file) }
    if let file = try? DataMatrixFile.parseCSV(InputFile.text(decoding: data), source: "fuzz.csv") { results.append(file) }
    for file in results {
        precondition(file.rows.allSatisfy { $0.count == file.columnCount && $0.allSatisfy(\.isFinite) },
                     "a ragged row or a non-finite value was accepted")
        _ = try? file.columns("0", option: "--x")
    }
    if let draws = try? MultiChainDraws.parseNPY(data, source: "fuzz.npy") {
        precondition(draws.values.allSatisfy { chain in chain.allSatisfy { $0.allSatisfy(\.isFinite) } },
                     "a non-finite draw was accepted")
    }
    return 0
}
