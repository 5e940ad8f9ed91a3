import Foundation
import MonteCarloCore
import StatisticalTesting
import Testing
import VarianceReduction
@testable import SlicedWassersteinModule

/// Sharding a sliced-Wasserstein recipe with the driver's block states: shards merge into the
/// single run's estimate bit for bit (also through JSON, the state-file format); partial merges
/// are honest estimates of the same quantity; bad block ranges are refused.
///
/// The clouds are small (n = 30, d = 3), so OpenBLAS computes every projection product on one
/// thread whatever its thread setting.
@Suite("Sliced Wasserstein: sharded estimates")
struct ShardTests {
    /// The shift of the second cloud (plus a small deterministic perturbation, so no control is exact).
    static let v: [Double] = [1, -2, 0.5]

    func problem() throws -> SlicedWasserstein {
        let x = Support.gaussianPoints(30, 3, seed: 8)
        let y = (0..<x.count).map { x[$0] + Self.v[$0 % 3] * 1.0 + 0.3 * sin(Double($0)) }
        return try SlicedWasserstein(try PointCloud(points: x, dimension: 3), try PointCloud(points: y, dimension: 3), threadCount: 2)
    }

    static let methods: [SlicedWasserstein.Method] = [
        .monteCarlo, .orthogonal, .randomizedQuasiMonteCarlo(randomizations: 8), .randomizedSpiral(randomizations: 8),
        .controlVariates(.both), .controlVariates(.lower), .sphericalHarmonics(maxDegree: 4),
    ]

    /// Computes the blocks of `shards` disjoint shards of a fixed-count run, sends each shard's
    /// states through JSON, and folds the chosen shards in block order.
    struct ShardedRun: EstimatorVisitor {
        let driver: MonteCarloDriver
        let seed: UInt64
        let shardCount: Int
        var kept: [Int]? = nil

        func visit<E: MonteCarloEstimator>(_ estimator: E) throws -> Estimate where E.Output == Estimate {
            let total = try driver.blockCount(for: estimator)
            var states: [E.State] = []
            for i in kept ?? Array(0..<shardCount) {
                let blocks = (i * total / shardCount)..<((i + 1) * total / shardCount)
                let shard = try driver.blockStates(estimator, seed: seed, blocks: blocks)
                states += try JSONDecoder().decode([E.State].self, from: JSONEncoder().encode(shard))
            }
            return try estimator.estimate(from: MonteCarloDriver.foldedState(of: estimator, blockStates: states))
        }
    }

    @Test("N shards of the driver's blocks, through JSON, equal the single run bit for bit", arguments: methods)
    func mergedEqualsSingle(method: SlicedWasserstein.Method) throws {
        let sw = try problem()
        let single = try sw.estimate(projections: 300, method: method, seed: 12)
        let recipe = try sw.recipe(projections: 300, method: method)
        for count in [1, 3] {
            let merged = try recipe.accept(ShardedRun(driver: recipe.driver(), seed: 12, shardCount: count))
            #expect(merged == single, "\(method), \(count) shards")
        }
        #expect(single.sampleCount == recipe.directionCount)
    }

    @Test("a partial merge is an estimate from the directions present, within 5 SE of an independent reference")
    func partialMerge() throws {
        let sw = try problem()
        let recipe = try sw.recipe(projections: 2000, method: .monteCarlo)
        let partial = try recipe.accept(ShardedRun(driver: recipe.driver(), seed: 3, shardCount: 4, kept: [0, 2]))
        // 2000 directions are 32 blocks of 64 (the last holds 16): shards 0 and 2 hold blocks 0..<8 and 16..<24.
        #expect(partial.sampleCount == 16 * 64)
        // The truth of this perturbed translation is not |v|²/d; compare with an independent, larger run.
        let reference = try sw.estimate(projections: 20_000, method: .controlVariates(.both), seed: 99)
        let z = abs(partial.value - reference.value) / (partial.variance + reference.variance).squareRoot()
        #expect(z <= 5, "z = \(z)")
    }

    @Test("block ranges outside the run, and unusable configurations, are refused")
    func refusals() throws {
        let sw = try problem()
        let recipe = try sw.recipe(projections: 300, method: .monteCarlo)
        let driver = recipe.driver()
        struct Blocks: EstimatorVisitor {
            let driver: MonteCarloDriver
            let blocks: Range<Int>
            func visit<E: MonteCarloEstimator>(_ estimator: E) throws -> Int where E.Output == Estimate {
                try driver.blockStates(estimator, seed: 1, blocks: blocks).count
            }
        }
        // 300 directions are 5 blocks of 64.
        #expect(try recipe.accept(Blocks(driver: driver, blocks: 0..<5)) == 5)
        #expect(throws: MonteCarloError.self) { try recipe.accept(Blocks(driver: driver, blocks: 3..<6)) }
        #expect(throws: MonteCarloError.invalidParameter(name: "randomizations", value: 1, requirement: "at least 2")) {
            try sw.recipe(projections: 300, method: .randomizedSpiral(randomizations: 1))
        }
    }
}
