import Foundation
import MonteCarlo

/// A shard's block states: blocks `firstBlock ..< endBlock` of the run's `blockCount`, the
/// payload of every state file (`mcest estimate` and `mcest sw`).
struct EstimatePayload<State: Codable>: Codable {
    var firstBlock: Int
    var endBlock: Int
    var blockCount: Int
    var blockStates: [State]
    /// The input files by role (`mcest sw`: "x", "y", "weightsX", "weightsY"), read again at the
    /// merge to rebuild the estimator; absent for built-in problems.
    var inputs: [String: String]? = nil
}

/// The one shard format and merge path: a fixed-count run's blocks computed by
/// `MonteCarloDriver.blockStates`, written as ``EstimatePayload``, and folded in block order by
/// `MonteCarloDriver.foldedState` at the merge, so the merge equals the single run bit for bit.
enum BlockShards {
    /// Computes shard `shard`'s blocks of `estimator` and writes its state file; the summary counts
    /// `samplesPerUnit` of `sampleName` per sample of the estimator.
    static func write<E: MonteCarloEstimator, F: Codable & Equatable>(
        _ estimator: E, driver: MonteCarloDriver, samples: Int, blockSize: Int, seed: UInt64, shard: ShardSpec,
        command: String, fingerprint: F, inputs: [String: String]?, to path: String, tooMany: String, sampleName: String,
        samplesPerUnit: Int = 1
    ) throws -> ShardWritten {
        let total = try driver.blockCount(for: estimator)
        guard shard.count <= total else {
            throw CommandFailure("\(shard.count) shards but this run has only \(total) blocks; use at most \(total) shards, "
                + "\(tooMany).")
        }
        let blocks = shard.units(of: total)
        let states = try driver.blockStates(estimator, seed: seed, blocks: blocks)
        let payload = EstimatePayload(firstBlock: blocks.lowerBound, endBlock: blocks.upperBound, blockCount: total,
                                      blockStates: states, inputs: inputs)
        try ShardFile(command: command, shard: shard, fingerprint: fingerprint, payload: payload).write(to: path)
        let drawn = blocks.reduce(0) { $0 + min(blockSize, samples - $1 * blockSize) } * samplesPerUnit
        return ShardWritten(command: command, shardIndex: shard.index, shardCount: shard.count, stateFile: path,
                            units: blocks, unitCount: total, unitName: "blocks", samples: drawn, sampleName: sampleName)
    }

    /// The estimate from the shards' block states, checked and folded in block order, and the
    /// number of samples (in the estimator's unit) they hold.
    static func merge<E: MonteCarloEstimator, F: Codable & Equatable>(
        _ estimator: E, set: ShardSet<F, EstimatePayload<E.State>>, samples total: Int, blockSize size: Int
    ) throws -> (estimate: Estimate, samples: Int) where E.Output == Estimate {
        var states: [E.State] = []
        var samples = 0
        guard CountOption.blockSize.contains(size), CountOption.samples.contains(total) else {
            throw CommandFailure("\(set.shards[0].path): block size \(size) or sample count \(total) out of range; "
                + "the file is inconsistent.")
        }
        for shard in set.shards {
            let payload = shard.file.payload
            let expected = ShardSpec(index: shard.file.shardIndex, count: shard.file.shardCount).units(of: payload.blockCount)
            guard payload.firstBlock == expected.lowerBound, payload.endBlock == expected.upperBound,
                  payload.blockStates.count == expected.count, payload.blockCount == (total + size - 1) / size else {
                throw CommandFailure("\(shard.path): its blocks \(payload.firstBlock)..<\(payload.endBlock) "
                    + "(\(payload.blockStates.count) states) are not those of shard \(shard.file.shardIndex) of "
                    + "\(shard.file.shardCount) (\(expected)); the file is inconsistent.")
            }
            // Each block holds the run's count of samples, and the shard's blocks merge with one
            // another; otherwise the file at fault is named before the fold.
            var shardState = estimator.makeState()
            for (offset, state) in payload.blockStates.enumerated() {
                let block = expected.lowerBound + offset
                let count = min(size, total - block * size)
                if let counted = state as? any CountedBlockState,
                   counted.sampleCount(evaluationsPerSample: estimator.evaluationsPerSample) != count {
                    throw CommandFailure("\(shard.path): block \(block) does not hold the run's \(count) samples "
                        + "(its counts were edited or corrupted); the file is inconsistent.")
                }
                do {
                    try shardState.merge(state)
                } catch {
                    throw CommandFailure("\(shard.path): its block states do not merge (\(error.description)).")
                }
            }
            states += payload.blockStates
            samples += expected.reduce(0) { $0 + min(size, total - $1 * size) }
        }
        let state = try MonteCarloDriver.foldedState(of: estimator, blockStates: states)
        return (try estimator.estimate(from: state), samples)
    }
}
