/// The checks a mergeable state makes when it is decoded (from a shard's state file, say), so that
/// an edited or corrupted state is refused before it can trap in a merge or yield an impossible
/// estimate (a negative count or sum of squares, a count no run reaches).
package enum DecodedState {
    /// The largest count a decoded state may hold: 2⁵³, where counts stop being exact as Doubles.
    /// A merge of up to 1024 such states cannot overflow `Int`.
    package static let maximumCount = 1 << 53

    /// Throws `DecodingError.dataCorrupted` at the decoder's coding path, with `message`, unless `condition`.
    package static func require(_ condition: Bool, _ message: @autoclosure () -> String, in decoder: any Decoder) throws {
        guard condition else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: message()))
        }
    }

    /// Requires `count` in 0…``maximumCount``.
    package static func requireCount(_ count: Int, _ what: String, in decoder: any Decoder) throws {
        try require((0...maximumCount).contains(count), "\(what) \(count) is not in 0…2^53", in: decoder)
    }
}
