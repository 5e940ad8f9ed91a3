/// The toolkit's default random number generator: xoshiro256++ with a full 64-bit seed.
///
/// xoshiro256++ (Blackman & Vigna 2019) has period 2²⁵⁶ − 1, passes BigCrush, and produces one
/// 64-bit word in about a nanosecond. Its state transition is linear over GF(2), so the stream can
/// be advanced by 2¹²⁸ steps in one "jump": ``RandomStreams`` uses this to give every stream index
/// its own block of 2¹²⁸ outputs, which provably never overlap.
///
/// ```swift
/// var generator = Xoshiro256PlusPlus(seed: 42)
/// let u = generator.nextUniform()          // in [0, 1)
/// let z = generator.nextStandardNormal()   // N(0, 1) by the ziggurat method
/// ```
///
/// The same generator drives GSL's `gsl_ran_*` distributions (it is registered with GSL as a
/// generator type), so every number in the toolkit comes from a seed plus a stream index.
public struct Xoshiro256PlusPlus: RandomNumberGenerator, Sendable, Hashable, Codable {
    /// The four state words; never all zero.
    @usableFromInline
    var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// Seeds the state from a full 64-bit seed by SplitMix64 expansion (every seed bit matters).
    public init(seed: UInt64) {
        var splitMix = seed
        func nextSplitMix() -> UInt64 {
            splitMix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitMix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = nextSplitMix()
        s1 = nextSplitMix()
        s2 = nextSplitMix()
        s3 = nextSplitMix()
    }

    /// Creates a generator from explicit state words, or `nil` for the all-zero state (the
    /// generator's fixed point: it would return 0 forever).
    public init?(state: (UInt64, UInt64, UInt64, UInt64)) {
        guard state != (0, 0, 0, 0) else { return nil }
        (s0, s1, s2, s3) = state
    }

    /// Creates a generator from state words the caller knows are not all zero (jumps and views
    /// of a valid state never reach the zero state).
    init(validState state: (UInt64, UInt64, UInt64, UInt64)) {
        (s0, s1, s2, s3) = state
    }

    /// The current state words.
    public var state: (UInt64, UInt64, UInt64, UInt64) { (s0, s1, s2, s3) }

    /// The next 64 random bits.
    @inlinable @inline(__always)
    public mutating func next() -> UInt64 {
        let result = (s0 &+ s3).rotatedLeft(by: 23) &+ s0
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3.rotatedLeft(by: 45)
        return result
    }

    /// Advances the state by 2¹²⁸ steps (the published jump polynomial).
    public mutating func jump() {
        applyPolynomial([0x180E_C6D3_3CFD_0ABA, 0xD5A6_1266_F0C9_392C, 0xA958_2618_E03F_C9AA, 0x39AB_DC45_29B1_661C])
    }

    /// Advances the state by 2¹⁹² steps (the published long-jump polynomial).
    public mutating func longJump() {
        applyPolynomial([0x76E1_5D3E_FEFD_CBBF, 0xC500_4E44_1C52_2FB3, 0x7771_0069_854E_E241, 0x3910_9BB0_2ACB_E635])
    }

    /// Replaces the state by p(T)·state, where T is the one-step transition and p has the given coefficients.
    private mutating func applyPolynomial(_ coefficients: [UInt64]) {
        var a: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        for word in coefficients {
            for bit in 0..<64 {
                if word & (1 << UInt64(bit)) != 0 {
                    a.0 ^= s0
                    a.1 ^= s1
                    a.2 ^= s2
                    a.3 ^= s3
                }
                _ = next()
            }
        }
        (s0, s1, s2, s3) = a
    }

    // MARK: - Hashable and Codable

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.state == rhs.state }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(s0)
        hasher.combine(s1)
        hasher.combine(s2)
        hasher.combine(s3)
    }

    public init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        let words = try (0..<4).map { _ in try container.decode(UInt64.self) }
        guard words.contains(where: { $0 != 0 }) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "all-zero xoshiro256++ state"))
        }
        (s0, s1, s2, s3) = (words[0], words[1], words[2], words[3])
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        try container.encode(contentsOf: [s0, s1, s2, s3])
    }
}

extension UInt64 {
    @inlinable @inline(__always)
    func rotatedLeft(by k: UInt64) -> UInt64 { (self << k) | (self >> (64 - k)) }
}
