import Foundation

/// What a shard run (`--shard i/N --state-out FILE`) prints: which part of the run it computed
/// and where its state went. JSON keys are these property names (`units` as `firstUnit` and
/// `endUnit`).
struct ShardWritten: Encodable {
    var command: String
    var shardIndex: Int
    var shardCount: Int
    var stateFile: String
    var units: Range<Int>
    var unitCount: Int
    var unitName: String
    var samples: Int
    var sampleName: String

    private enum CodingKeys: String, CodingKey {
        case command, shardIndex, shardCount, stateFile, firstUnit, endUnit, unitCount, unitName, samples, sampleName
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(command, forKey: .command)
        try container.encode(shardIndex, forKey: .shardIndex)
        try container.encode(shardCount, forKey: .shardCount)
        try container.encode(stateFile, forKey: .stateFile)
        try container.encode(units.lowerBound, forKey: .firstUnit)
        try container.encode(units.upperBound, forKey: .endUnit)
        try container.encode(unitCount, forKey: .unitCount)
        try container.encode(unitName, forKey: .unitName)
        try container.encode(samples, forKey: .samples)
        try container.encode(sampleName, forKey: .sampleName)
    }

    var text: String {
        "mcest \(command): shard \(shardIndex)/\(shardCount): \(unitName) \(units.lowerBound)..<\(units.upperBound) of "
            + "\(unitCount) (\(samples) \(sampleName)); state written to \(stateFile). Merge all \(shardCount) with `mcest merge`."
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
