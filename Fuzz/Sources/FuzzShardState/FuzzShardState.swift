import Foundation
import FuzzDriver
import MonteCarloCore
import SlicedWasserstein
import VarianceReduction

/// libFuzzer target: the input is decoded as each kind of state a shard file carries
/// (`SlicedWasserstein.ShardState`, `SampleMeanState`, `FoldedMoments`, `RunningMoments`); every
/// state that decodes is checked against itself (`checkSameRun`), merged with itself and turned
/// into an estimate. Decoding errors and `MonteCarloError`s are expected; a trap is a finding, and
/// so is a negative variance in an estimate that was returned (a non-finite one must be caught by
/// `Estimate.requireFinite`, as `mcest merge` does).
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
    if let state = try? decoder.decode(SlicedWasserstein.ShardState.self, from: data) {
        precondition((try? state.checkSameRun(as: state)) != nil, "a state differs from itself")
        if let estimate = try? SlicedWasserstein.estimate(mergingShards: [state]) { check(estimate) }
        _ = try? SlicedWasserstein.estimate(mergingShards: [state, state])
    }
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

/// A returned estimate must not have a negative variance, and if `requireFinite` passes it, its
/// interval must be finite.
func check(_ estimate: Estimate) {
    precondition(!(estimate.variance < 0), "an estimate with a negative variance was returned: \(estimate)")
    if (try? estimate.requireFinite("fuzz")) != nil, let interval = try? estimate.confidenceInterval() {
        precondition(interval.lower.isFinite && interval.upper.isFinite, "a finite estimate with an infinite interval: \(estimate)")
    }
}
