internal import CGSL
internal import GSLShims

/// The one place MonteCarloCore calls GSL.
///
/// GSL's default error handler prints and aborts the process; ``GSL/prepare()`` turns it off
/// once, after which every GSL status is checked and turned into ``MonteCarloError/gsl(status:reason:)``.
enum GSL {
    /// Runs once per process, on first use.
    private static let errorHandlerDisabled: Bool = {
        gsl_set_error_handler_off()
        return true
    }()

    @inline(__always)
    static func prepare() {
        _ = errorHandlerDisabled
    }

    static func check(_ status: Int32) throws(MonteCarloError) {
        guard status == GSL_SUCCESS else {
            let reason = gsl_strerror(status).map { String(cString: $0) } ?? "unknown"
            throw .gsl(status: status, reason: reason)
        }
    }

    /// Calls `body` with a GSL generator that draws from `generator`'s stream.
    ///
    /// For ``Xoshiro256PlusPlus`` the GSL generator views the Swift state directly, so draws
    /// continue the same stream; any other generator seeds a temporary xoshiro256++ state from
    /// four of its words.
    static func withRandomGenerator<G: RandomNumberGenerator, R>(
        _ generator: inout G, _ body: (UnsafeMutablePointer<gsl_rng>) -> R
    ) -> R {
        prepare()
        var state = mc_xoshiro256_state()
        if let xoshiro = generator as? Xoshiro256PlusPlus {
            state.s = xoshiro.state
        } else {
            state.s = (generator.next(), generator.next(), generator.next(), generator.next() | 1)
        }
        let result = withUnsafeMutablePointer(to: &state) { statePointer in
            var view = mc_gsl_rng_viewing(statePointer)
            return body(&view)
        }
        if G.self == Xoshiro256PlusPlus.self {
            generator = Xoshiro256PlusPlus(validState: state.s) as! G
        }
        return result
    }

    // MARK: - Quantiles and distribution functions

    static func standardNormalQuantile(_ p: Double) -> Double { prepare(); return gsl_cdf_ugaussian_Pinv(p) }
    static func standardNormalCDF(_ x: Double) -> Double { prepare(); return gsl_cdf_ugaussian_P(x) }
    static func standardNormalUpperTail(_ x: Double) -> Double { prepare(); return gsl_cdf_ugaussian_Q(x) }
    static func studentTQuantile(_ p: Double, degreesOfFreedom nu: Double) -> Double { prepare(); return gsl_cdf_tdist_Pinv(p, nu) }
    static func studentTCDF(_ x: Double, degreesOfFreedom nu: Double) -> Double { prepare(); return gsl_cdf_tdist_P(x, nu) }
    /// GSL's inversion, or, where it fails to converge (ν in the tens of thousands and p in a
    /// tail), the Wilson–Hilferty approximation ν(1 − 2/(9ν) + z_p √(2/(9ν)))³, whose relative
    /// error falls like 1/ν (below 10⁻⁶ at ν = 10⁴ for the tail probabilities used here).
    static func chiSquaredQuantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
        prepare()
        let quantile = gsl_cdf_chisq_Pinv(p, nu)
        guard !quantile.isFinite, nu > 100, p > 0, p < 1 else { return quantile }
        let c = 2 / (9 * nu)
        let cube = 1 - c + standardNormalQuantile(p) * c.squareRoot()
        return nu * cube * cube * cube
    }
    static func chiSquaredCDF(_ x: Double, degreesOfFreedom nu: Double) -> Double { prepare(); return gsl_cdf_chisq_P(x, nu) }
    static func betaQuantile(_ p: Double, a: Double, b: Double) -> Double { prepare(); return gsl_cdf_beta_Pinv(p, a, b) }
    static func betaCDF(_ x: Double, a: Double, b: Double) -> Double { prepare(); return gsl_cdf_beta_P(x, a, b) }
    static func gammaQuantile(_ p: Double, shape: Double, scale: Double) -> Double { prepare(); return gsl_cdf_gamma_Pinv(p, shape, scale) }
    static func gammaCDF(_ x: Double, shape: Double, scale: Double) -> Double { prepare(); return gsl_cdf_gamma_P(x, shape, scale) }
    static func binomialCDF(_ k: Int, probability: Double, trials: Int) -> Double {
        prepare()
        return gsl_cdf_binomial_P(UInt32(k), probability, UInt32(trials))
    }
    static func logGamma(_ x: Double) -> Double { prepare(); return gsl_sf_lngamma(x) }
    static func logBeta(_ a: Double, _ b: Double) -> Double { prepare(); return gsl_sf_lnbeta(a, b) }
    static func digamma(_ x: Double) -> Double { prepare(); return gsl_sf_psi(x) }

    // MARK: - Samplers

    static func gamma<G: RandomNumberGenerator>(shape: Double, scale: Double, using g: inout G) -> Double {
        withRandomGenerator(&g) { gsl_ran_gamma($0, shape, scale) }
    }
    static func beta<G: RandomNumberGenerator>(a: Double, b: Double, using g: inout G) -> Double {
        withRandomGenerator(&g) { gsl_ran_beta($0, a, b) }
    }
    static func studentT<G: RandomNumberGenerator>(degreesOfFreedom nu: Double, using g: inout G) -> Double {
        withRandomGenerator(&g) { gsl_ran_tdist($0, nu) }
    }
    static func gaussianZiggurat<G: RandomNumberGenerator>(sigma: Double, using g: inout G) -> Double {
        withRandomGenerator(&g) { gsl_ran_gaussian_ziggurat($0, sigma) }
    }
}

extension GSL {
    /// One `gsl_rng_uniform` draw through the shared stream (used by tests to check the bridge).
    static func uniformThroughGSL<G: RandomNumberGenerator>(using g: inout G) -> Double {
        withRandomGenerator(&g) { gsl_rng_uniform($0) }
    }
}

extension GSL {
    /// The first `count` points of a GSL quasi-random sequence in `dimension` dimensions, row-major.
    static func quasiRandomPoints(sobol: Bool, dimension: Int, count: Int) throws(MonteCarloError) -> [Double] {
        prepare()
        let type = sobol ? mc_gsl_qrng_type_sobol() : mc_gsl_qrng_type_halton()
        guard let generator = gsl_qrng_alloc(type, UInt32(dimension)) else {
            throw .gsl(status: Int32(GSL_ENOMEM), reason: "could not allocate the quasi-random generator")
        }
        defer { gsl_qrng_free(generator) }
        var points = [Double](repeating: 0, count: dimension * count)
        var status = Int32(GSL_SUCCESS)
        points.withUnsafeMutableBufferPointer { buffer in
            for i in 0..<count where status == GSL_SUCCESS {
                status = gsl_qrng_get(generator, buffer.baseAddress! + i * dimension)
            }
        }
        try check(status)
        return points
    }
}

extension GSL {
    /// A GSL generator instance of the given type, owned by the caller (free with `freeGenerator`).
    static func allocateMersenneTwister(seed: UInt32) -> OpaquePointer? {
        prepare()
        guard let generator = gsl_rng_alloc(mc_gsl_rng_type_mt19937()) else { return nil }
        gsl_rng_set(generator, UInt(seed))
        return OpaquePointer(generator)
    }

    static func freeGenerator(_ generator: OpaquePointer) {
        gsl_rng_free(UnsafeMutablePointer<gsl_rng>(generator))
    }

    /// One raw output of a GSL generator with its range.
    static func rawOutput(_ generator: OpaquePointer) -> UInt64 {
        UInt64(gsl_rng_get(UnsafeMutablePointer<gsl_rng>(generator)))
    }

    static func gaussianZiggurat(_ generator: OpaquePointer, sigma: Double) -> Double {
        gsl_ran_gaussian_ziggurat(UnsafeMutablePointer<gsl_rng>(generator), sigma)
    }
}

extension GSL {
    /// Σₜ xₜ xₜ₊ₖ for k = 0 … maxLag of a centred series, by a zero-padded radix-2 real FFT.
    ///
    /// The series is padded to a power of two at least n + maxLag, so the circular correlation
    /// equals the linear one at lags 0 … maxLag (a wrapped product xₜ xₜ₊ₖ₋N needs t ≥ N − k > n − 1);
    /// the power spectrum |X_j|² is formed in GSL's half-complex layout and transformed back.
    static func laggedProductSums(centred series: UnsafeBufferPointer<Double>, maxLag: Int) throws(MonteCarloError) -> [Double] {
        prepare()
        let n = series.count
        var size = 1
        while size < n + min(maxLag, n - 1) + 1 { size <<= 1 }
        var buffer = [Double](repeating: 0, count: size)
        buffer.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: series.baseAddress!, count: n) }
        var status = buffer.withUnsafeMutableBufferPointer { gsl_fft_real_radix2_transform($0.baseAddress!, 1, size) }
        try check(status)
        buffer.withUnsafeMutableBufferPointer { data in
            data[0] = data[0] * data[0]
            data[size / 2] = data[size / 2] * data[size / 2]
            for k in 1..<(size / 2) {
                let re = data[k], im = data[size - k]
                data[k] = re * re + im * im
                data[size - k] = 0
            }
        }
        status = buffer.withUnsafeMutableBufferPointer { gsl_fft_halfcomplex_radix2_inverse($0.baseAddress!, 1, size) }
        try check(status)
        return Array(buffer[0...min(maxLag, n - 1)])
    }
}
