/// GSL's `mt19937` generator, for cross-checks against GSL-based code.
///
/// The toolkit's default is ``Xoshiro256PlusPlus``; this wrapper exists so results can be
/// compared with programs that use GSL's Mersenne Twister. Only 32 bits of seed count, as in
/// GSL, and GSL treats seed 0 as its default seed 4357. Each 64-bit word is built from two
/// 32-bit outputs (high word first). Not thread-safe: use one instance per task.
public final class GSLMersenneTwister: RandomNumberGenerator {
    private let generator: OpaquePointer

    /// Seeds GSL's mt19937 with `gsl_rng_set(r, seed)`.
    public init(seed: UInt32) {
        guard let generator = GSL.allocateMersenneTwister(seed: seed) else {
            fatalError("GSL could not allocate an mt19937 generator (out of memory)")
        }
        self.generator = generator
    }

    deinit { GSL.freeGenerator(generator) }

    /// The next raw 32-bit output of mt19937, as `gsl_rng_get` returns it.
    public func nextRawOutput() -> UInt32 { UInt32(truncatingIfNeeded: GSL.rawOutput(generator)) }

    public func next() -> UInt64 {
        let high = UInt64(nextRawOutput())
        return high << 32 | UInt64(nextRawOutput())
    }

    /// A normal draw by GSL's `gsl_ran_gaussian_ziggurat` (standard deviation `sigma`).
    public func nextGaussianZiggurat(standardDeviation sigma: Double = 1) -> Double {
        GSL.gaussianZiggurat(generator, sigma: sigma)
    }
}
