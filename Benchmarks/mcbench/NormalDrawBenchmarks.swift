import CGSL
import MonteCarlo
import GSLShims

// The timed loops of section 1. Each returns the sum of its draws (a checksum the caller prints),
// so the optimizer cannot drop the loop; `@inline(never)` and a runtime `count` keep it honest.

/// Sum of `count` standard normals from xoshiro256++ and the toolkit's 256-layer ziggurat.
@inline(never)
func sumOfStandardNormals(count: Int, seed: UInt64) -> Double {
    var generator = Xoshiro256PlusPlus(seed: seed)
    var sum = 0.0
    for _ in 0..<count { sum += generator.nextStandardNormal() }
    return sum
}

/// Sum of `count` uniforms on [0, 1) from xoshiro256++.
@inline(never)
func sumOfUniforms(count: Int, seed: UInt64) -> Double {
    var generator = Xoshiro256PlusPlus(seed: seed)
    var sum = 0.0
    for _ in 0..<count { sum += generator.nextUniform() }
    return sum
}

/// A GSL generator owned by Swift (one per benchmark; not shared between threads).
final class GSLGenerator {
    let pointer: UnsafeMutablePointer<gsl_rng>

    /// Allocates a generator of `type` and seeds it (GSL uses only the low 32 bits for mt19937).
    init(_ type: UnsafePointer<gsl_rng_type>, seed: UInt64) {
        _ = GSLGenerator.errorHandlerOff
        guard let pointer = gsl_rng_alloc(type) else { fatalError("gsl_rng_alloc failed") }
        self.pointer = pointer
        gsl_rng_set(pointer, UInt(truncatingIfNeeded: seed))
    }

    deinit { gsl_rng_free(pointer) }

    /// GSL's default handler aborts the process: switch it off once, before the first GSL call.
    private static let errorHandlerOff: Void = { _ = gsl_set_error_handler_off() }()

    /// GSL's Mersenne Twister.
    static func mt19937(seed: UInt64) -> GSLGenerator { GSLGenerator(mc_gsl_rng_type_mt19937(), seed: seed) }

    /// The toolkit's xoshiro256++ registered as a GSL generator type (GSLShims).
    static func xoshiro256pp(seed: UInt64) -> GSLGenerator { GSLGenerator(mc_gsl_rng_type_xoshiro256pp(), seed: seed) }
}

/// Sum of `count` draws of `gsl_ran_gaussian_ziggurat(r, 1)`.
@inline(never)
func sumOfGSLZigguratNormals(count: Int, generator: GSLGenerator) -> Double {
    let r = generator.pointer
    var sum = 0.0
    for _ in 0..<count { sum += gsl_ran_gaussian_ziggurat(r, 1) }
    return sum
}

/// Sum of `count` draws of `gsl_rng_uniform(r)`.
@inline(never)
func sumOfGSLUniforms(count: Int, generator: GSLGenerator) -> Double {
    let r = generator.pointer
    var sum = 0.0
    for _ in 0..<count { sum += gsl_rng_uniform(r) }
    return sum
}
