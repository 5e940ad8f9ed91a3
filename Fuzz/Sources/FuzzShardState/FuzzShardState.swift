import Foundation
import FuzzDriver
import MonteCarloCore
import VarianceReduction

/// libFuzzer target: the input is decoded as each kind of state a shard file carries
/// (`SampleMeanState`, `FoldedMoments`, `RunningMoments`: `mcest estimate` and `mcest sw` shards
/// both carry the driver's block states); every state that decodes is merged with itself.
/// Decoding errors and `MonteCarloError`s are expected; a trap is a finding.
@main
enum FuzzShardStateMain {
    static func main() { runLibFuzzer(testOneInput) }
}

/// The symbol libFuzzer's runtime expects.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    fuzzShardState(fuzzInput(start, count))
}

/// One input.
func fuzzShardState(_ data: Data) -> CInt {
    let decoder = JSONDecoder()
    if var moments = try? decoder.decode(RunningMoments.self, from: data) {
        precondition(moments.count >= 0 && moments.sumOfSquaredDeviations >= 0, "impossible moments decoded")
        moments.merge(moments)
        precondition(moments.sumOfSquaredDeviations >= 0 || !moments.sumOfSquaredDeviations.isFinite)
    }
    if var state = try? decoder.decode(SampleMeanState.self, from: data) {
        state.merge(state)
        precondition(state.samples.count >= 0 && state.skipped >= 0, "impossible counts decoded")
    }
    if var state = try? decoder.decode(FoldedMoments.self, from: data) {
        _ = try? state.merge(state)
    }
    return 0
}
