import Foundation
import MonteCarloCore
import StatisticalTesting
import Testing
@testable import SlicedWasserstein

/// `shardState(projections:method:seed:shard:of:)` and `estimate(mergingShards:)`: shards merge
/// into the single run's estimate bit for bit; partial merges are honest estimates of the same
/// quantity; inconsistent shards are refused.
///
/// The clouds are small (n = 30, d = 3), so OpenBLAS computes every projection product on one
/// thread whatever its thread setting (see `ShardState` on BLAS threads).
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

    @Test("N shards merged, in any order, equal the single run bit for bit", arguments: methods)
    func mergedEqualsSingle(method: SlicedWasserstein.Method) throws {
        let sw = try problem()
        let single = try sw.estimate(projections: 300, method: method, seed: 12)
        for count in [1, 3] {
            let shards = try (0..<count).map { try sw.shardState(projections: 300, method: method, seed: 12, shard: $0, of: count) }
            #expect(try SlicedWasserstein.estimate(mergingShards: shards.reversed()) == single, "\(method), \(count) shards")
            // Disjoint units covering the run, never sharing a stream.
            #expect(shards.map(\.units.count).reduce(0, +) == shards[0].unitCount)
            #expect(zip(shards, shards.dropFirst()).allSatisfy { $0.units.upperBound == $1.units.lowerBound })
        }
    }

    @Test("a partial merge is an estimate from the directions present, within 5 SE of an independent reference")
    func partialMerge() throws {
        let sw = try problem()
        let shards = try (0..<4).map { try sw.shardState(projections: 2000, method: .monteCarlo, seed: 3, shard: $0, of: 4) }
        let partial = try SlicedWasserstein.estimate(mergingShards: [shards[0], shards[2]])
        #expect(partial.sampleCount == shards[0].costs.count + shards[2].costs.count)
        // The truth of this perturbed translation is not |v|²/d; compare with an independent, larger run.
        let reference = try sw.estimate(projections: 20_000, method: .controlVariates(.both), seed: 99)
        let z = abs(partial.value - reference.value) / (partial.variance + reference.variance).squareRoot()
        #expect(z <= 5, "z = \(z)")
    }

    @Test("overlapping or foreign shards, and too many shards, are refused")
    func refusals() throws {
        let sw = try problem()
        let a = try sw.shardState(projections: 300, method: .monteCarlo, seed: 1, shard: 0, of: 2)
        let b = try sw.shardState(projections: 300, method: .monteCarlo, seed: 2, shard: 1, of: 2)
        #expect(throws: MonteCarloError.self) { try SlicedWasserstein.estimate(mergingShards: [a, b]) }
        #expect(throws: MonteCarloError.self) { try SlicedWasserstein.estimate(mergingShards: [a, a]) }
        #expect(throws: MonteCarloError.self) { try SlicedWasserstein.estimate(mergingShards: []) }
        // 300 directions are 5 groups of 64: at most 5 shards.
        #expect(try sw.shardingUnits(projections: 300, method: .monteCarlo).count == 5)
        #expect(throws: MonteCarloError.self) { try sw.shardState(projections: 300, method: .monteCarlo, seed: 1, shard: 0, of: 6) }
        #expect(throws: MonteCarloError.self) { try sw.shardState(projections: 300, method: .monteCarlo, seed: 1, shard: 2, of: 2) }
        #expect(throws: MonteCarloError.self) {
            try sw.shardState(projections: 300, method: .randomizedSpiral(randomizations: 1), seed: 1, shard: 0, of: 1)
        }
    }

    @Test("a shard state round-trips through JSON exactly")
    func codable() throws {
        let sw = try problem()
        let state = try sw.shardState(projections: 300, method: .controlVariates(.upper), seed: 5, shard: 1, of: 3)
        let decoded = try JSONDecoder().decode(SlicedWasserstein.ShardState.self, from: JSONEncoder().encode(state))
        #expect(decoded == state)
    }
}
