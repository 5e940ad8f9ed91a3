import MonteCarloCore
import StatisticalTesting
import Testing

@Suite struct ReplicateTests {
    @Test func replicationUsesItsOwnRandomStream() {
        var states: [Xoshiro256PlusPlus] = []
        let estimates = replicate(5, seed: 50) { replication, generator in
            states.append(generator)
            return makeEstimate(Double(replication), standardError: 1)
        }
        #expect(estimates.map(\.value) == [0, 1, 2, 3, 4])
        let streams = RandomStreams(seed: 50)
        for (index, state) in states.enumerated() { #expect(state == streams.stream(index)) }
    }

    @Test func resultIsDeterministic() {
        let estimator = SyntheticMeanEstimator()
        #expect(estimator.replications(20, seed: 51) == estimator.replications(20, seed: 51))
        #expect(estimator.replications(20, seed: 51) != estimator.replications(20, seed: 52))
    }

    @Test func indexFormPassesTheReplicationIndex() {
        let estimates = replicate(3) { replication in makeEstimate(Double(replication * 10), standardError: 1) }
        #expect(estimates.map(\.value) == [0, 10, 20])
    }

    @Test func nonPositiveCountRunsNothing() {
        var calls = 0
        let estimates = replicate(-3, seed: 1) { _, _ in
            calls += 1
            return makeEstimate(0, standardError: 1)
        }
        #expect(estimates.isEmpty && calls == 0)
    }

    @Test func errorsPropagateWithTheirType() {
        #expect(throws: MonteCarloError.insufficientSamples(needed: 2, available: 1, reason: "here")) {
            try replicate(4, seed: 1) { replication, _ throws(MonteCarloError) in
                if replication == 2 { throw .insufficientSamples(needed: 2, available: 1, reason: "here") }
                return makeEstimate(0, standardError: 1)
            }
        }
    }
}
