import ArgumentParser
import Foundation
import MonteCarlo

/// A shard's state file: versioned JSON written by `--state-out` and read by `mcest merge`.
///
/// ```json
/// {"format": "mcest-shard-state", "version": 1, "command": "sw", "shardIndex": 0,
///  "fingerprint": {…, "shardCount": 3, "seed": 7}, "payload": {…}}
/// ```
/// `fingerprint` holds everything that must agree between the shards of one run (the problem,
/// with hashes of the input files' contents; the method and its parameters; the seed; the number
/// of shards); `payload` holds the shard's mergeable state. Numbers are written in Swift's
/// shortest round-tripping form, so reading a file back gives the exact bits that were written.
/// A file whose `format`, `version` or `command` this build does not know is refused.
struct ShardFile<Fingerprint: Codable & Equatable, Payload: Codable>: Codable {
    var format = ShardFileHeader.formatName
    var version = ShardFileHeader.currentVersion
    /// The subcommand that wrote the file (`sw` or `estimate`).
    var command: String
    /// The shard's index in `0..<shardCount`.
    var shardIndex: Int
    /// The shard count, also part of the fingerprint.
    var shardCount: Int
    var fingerprint: Fingerprint
    var payload: Payload

    init(command: String, shard: ShardSpec, fingerprint: Fingerprint, payload: Payload) {
        self.command = command
        shardIndex = shard.index
        shardCount = shard.count
        self.fingerprint = fingerprint
        self.payload = payload
    }

    /// Writes the file atomically.
    func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do {
            data = try encoder.encode(self)
        } catch EncodingError.invalidValue(let value, _) where (value as? Double).map({ !$0.isFinite }) ?? false {
            // JSON has no ±∞ or NaN: a state sum that is not finite means the inputs overflowed.
            throw CommandFailure("cannot write the state file \(path): its sums are not finite (\(value)): the inputs' "
                + "magnitudes overflow double precision in their squares or sums. Rescale the data (e.g. divide by a "
                + "power of ten) and scale the result back.")
        } catch {
            throw CommandFailure("cannot write the state file \(path): \(error.localizedDescription)")
        }
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw CommandFailure("cannot write the state file \(path): \(error.localizedDescription)")
        }
    }
}

/// The part of a state file read first, to check what it is before decoding the rest.
struct ShardFileHeader: Decodable {
    static let formatName = "mcest-shard-state"
    static let currentVersion = 1

    let format: String
    let version: Int
    let command: String
    let shardIndex: Int
    let shardCount: Int
}

/// A failure reported with a message on standard error and exit code 2.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body`; a ``CommandFailure`` or a ``MonteCarloError`` is printed to standard error and
/// ends the command with exit code 2.
func reportingFailures<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let failure as CommandFailure {
        printToStandardError("mcest: error: \(failure.description)")
        throw ExitCode(libraryErrorExitCode)
    } catch let error as MonteCarloError {
        printToStandardError("mcest: error: \(error.description)")
        throw ExitCode(libraryErrorExitCode)
    }
}

/// 64-bit FNV-1a hash of a file's bytes, as 16 hex digits: a fingerprint that catches shards
/// run on different input files (not a defence against deliberate collisions).
func contentHash(ofFile path: String) throws -> String {
    let data = try InputFile.data(atPath: path)
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in data {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01b3
    }
    let hex = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
}
