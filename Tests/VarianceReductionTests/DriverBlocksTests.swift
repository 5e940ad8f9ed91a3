import Foundation
import MonteCarloCore
import Testing
import VarianceReduction

/// `MonteCarloDriver.blockStates(_:seed:blocks:)` and `foldedState(of:blockStates:)`: the
/// blocks of a fixed-count run computed in separate pieces (shards) fold into exactly the state
/// of the single run.
@Suite("Driver blocks for sharding")
struct DriverBlocksTests {
    let plain = PlainMonteCarlo(sampler: UniformDistribution.unit, integrand: Integrand { exp($0) })

    /// Splits the run's blocks into `shards` contiguous ranges, computes them separately and folds them.
    func shardedState<E: MonteCarloEstimator>(_ estimator: E, driver: MonteCarloDriver, seed: UInt64,
                                              shards: Int) throws -> E.State {
        let total = try driver.blockCount(for: estimator)
        let pieces = try (0..<shards).map { i in
            try driver.blockStates(estimator, seed: seed, blocks: (i * total / shards)..<((i + 1) * total / shards))
        }
        return try MonteCarloDriver.foldedState(of: estimator, blockStates: pieces.flatMap { $0 })
    }

    @Test("3 shards of blocks fold into the single run's state, bit for bit (plain and cross-fitted control variates)")
    func shardsFoldIntoTheSingleRun() throws {
        let driver = MonteCarloDriver(stoppingRule: .sampleCount(50_001), threadCount: 2, blockSize: 1000, blocksPerRound: 7)
        #expect(try driver.blockCount(for: plain) == 51)
        let single = try driver.run(plain, seed: 42)
        let folded = try shardedState(plain, driver: driver, seed: 42, shards: 3)
        #expect(folded == single.state)
        let estimate = try plain.estimate(from: folded)
        #expect(estimate == single.estimate)
        #expect(estimate.sampleCount == 50_001)
        #expect(abs(estimate.value - (M_E - 1)) <= 5 * estimate.standardError)

        let cv = try ControlVariateMonteCarlo(sampler: UniformDistribution.unit, integrand: Integrand { exp($0) },
                                              controls: VectorIntegrand(outputDimension: 1) { [$0] }, controlMeans: [0.5])
        let cvSingle = try driver.run(cv, seed: 9)
        let cvFolded = try shardedState(cv, driver: driver, seed: 9, shards: 3)
        #expect(cvFolded == cvSingle.state)
        #expect(try cv.estimate(from: cvFolded) == cvSingle.estimate)
    }

    @Test("blocks need a fixed-count rule and a range within the run")
    func badRequestsAreRefused() throws {
        let target = MonteCarloDriver(stoppingRule: .absoluteError(1e-3, maximumSamples: 10_000))
        #expect(throws: MonteCarloError.self) { try target.blockStates(plain, seed: 1, blocks: 0..<1) }
        let fixed = MonteCarloDriver(stoppingRule: .sampleCount(10_000), blockSize: 1000)
        #expect(throws: MonteCarloError.self) { try fixed.blockStates(plain, seed: 1, blocks: 5..<11) }
        #expect(try fixed.blockStates(plain, seed: 1, blocks: 3..<3).isEmpty)
    }
}
