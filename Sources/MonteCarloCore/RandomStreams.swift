/// A family of independent random streams fixed by one 64-bit seed.
///
/// Stream `i` is the generator seeded with `seed` and advanced by `i · 2¹²⁸` steps, so streams
/// are disjoint blocks of a single xoshiro256++ sequence: no two streams can overlap unless one of
/// them draws more than 2¹²⁸ numbers. `seed` plus a stream index therefore fixes every number a
/// computation uses, whichever thread runs it.
///
/// ```swift
/// let streams = RandomStreams(seed: 2024)
/// var chunk7 = streams.stream(7)        // O(log 7) state updates, not 7 jumps
/// ```
///
/// - Complexity: ``stream(_:)`` costs O(log i) 256-bit matrix–vector products over GF(2), using
///   powers of the jump matrix computed once per process (about 10 ms, 330 kB).
public struct RandomStreams: Sendable, Hashable, Codable {
    /// The seed shared by all streams.
    public let seed: UInt64

    /// Creates the family for `seed`.
    public init(seed: UInt64) { self.seed = seed }

    /// The generator of stream `index` (index ≥ 0, below 2⁴⁸).
    public func stream(_ index: Int) -> Xoshiro256PlusPlus {
        precondition(index >= 0 && index < 1 << JumpPowers.count, "stream index out of range")
        var state = JumpPowers.Vector(Xoshiro256PlusPlus(seed: seed).state)
        var remaining = index
        var power = 0
        while remaining != 0 {
            if remaining & 1 != 0 { state = JumpPowers.table[power].apply(to: state) }
            remaining >>= 1
            power += 1
        }
        return Xoshiro256PlusPlus(validState: state.words)
    }

    /// Streams `start, start + 1, …, start + count − 1`: one lookup, then one jump per stream.
    public func streams(from start: Int, count: Int) -> [Xoshiro256PlusPlus] {
        precondition(count >= 0 && start >= 0 && start + count <= 1 << JumpPowers.count, "stream index out of range")
        guard count > 0 else { return [] }
        var state = JumpPowers.Vector(stream(start).state)
        var result = [Xoshiro256PlusPlus(validState: state.words)]
        result.reserveCapacity(count)
        for _ in 1..<count {
            state = JumpPowers.table[0].apply(to: state)
            result.append(Xoshiro256PlusPlus(validState: state.words))
        }
        return result
    }

    /// The largest stream index plus one.
    public static let streamLimit = 1 << JumpPowers.count
}

/// Powers J^(2^k) of the xoshiro256++ jump, as 256 × 256 matrices over GF(2).
enum JumpPowers {
    static let count = 48

    /// A 256-bit state as four words.
    struct Vector: Sendable {
        var words: (UInt64, UInt64, UInt64, UInt64)
        init(_ words: (UInt64, UInt64, UInt64, UInt64)) { self.words = words }
    }

    /// A linear map given by the images of the 256 unit vectors.
    struct Matrix: Sendable {
        var columns: [Vector]
        /// M·v, branch-free: each column is masked by its bit of v.
        func apply(to v: Vector) -> Vector {
            var r0: UInt64 = 0, r1: UInt64 = 0, r2: UInt64 = 0, r3: UInt64 = 0
            columns.withUnsafeBufferPointer { columns in
                let words = [v.words.0, v.words.1, v.words.2, v.words.3]
                for w in 0..<4 {
                    let word = words[w]
                    for bit in 0..<64 {
                        let mask = 0 &- ((word >> UInt64(bit)) & 1)
                        let column = columns[w &* 64 &+ bit].words
                        r0 ^= column.0 & mask
                        r1 ^= column.1 & mask
                        r2 ^= column.2 & mask
                        r3 ^= column.3 & mask
                    }
                }
            }
            return Vector((r0, r1, r2, r3))
        }
        func composed(with inner: Matrix) -> Matrix {  // self ∘ inner
            Matrix(columns: inner.columns.map { apply(to: $0) })
        }
    }

    static let table: [Matrix] = {
        // The jump is linear in the state, so its matrix is its action on unit vectors.
        let jump = Matrix(columns: (0..<256).map { b in
            var words: [UInt64] = [0, 0, 0, 0]
            words[b >> 6] = 1 << UInt64(b & 63)
            var generator = Xoshiro256PlusPlus(validState: (words[0], words[1], words[2], words[3]))
            generator.jump()
            return Vector(generator.state)
        })
        var powers = [jump]
        for _ in 1..<count { powers.append(powers[powers.count - 1].composed(with: powers[powers.count - 1])) }
        return powers
    }()
}
