import Foundation

extension RandomNumberGenerator {
    /// A uniform number in [0, 1) with 53 random bits.
    @inlinable @inline(__always)
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform number in the open interval (0, 1), safe for `log` and inverse CDFs.
    @inlinable @inline(__always)
    public mutating func nextOpenUniform() -> Double {
        (Double(next() >> 12) + 0.5) * 0x1.0p-52
    }

    /// A standard normal number by the 256-layer ziggurat method (Marsaglia & Tsang 2000).
    ///
    /// One 64-bit word picks the layer (low 8 bits) and a signed abscissa (upper 53 bits); about
    /// 99% of draws return after one multiply and one comparison. The rest (wedges, and the tail
    /// beyond r = 3.654 by Marsaglia's (1964) exponential rejection) run in a separate function
    /// that takes and returns the generator by value, so the fast path keeps the generator's
    /// state in registers.
    @inlinable
    public mutating func nextStandardNormal() -> Double {
        let tables = Ziggurat.tables
        let bits = next()
        let layer = Int(truncatingIfNeeded: bits & 0xFF)
        let x = (Double(bits >> 11) * 0x1.0p-52 - 1) * tables.x[layer]
        if abs(x) < tables.x[layer + 1] { return x }
        let (z, generator) = Ziggurat.slowPath(layer: layer, x: x, generator: self)
        self = generator
        return z
    }

    /// An exponential number with mean 1, by inversion.
    @inlinable
    public mutating func nextStandardExponential() -> Double {
        -log(nextOpenUniform())
    }
}

/// Tables of the 256-layer normal ziggurat.
@usableFromInline
enum Ziggurat {
    /// Start of the tail, r, for 256 layers of equal area v.
    @usableFromInline static let tailStart = 3.654_152_885_361_008_8
    static let layerArea = 0.004_928_673_233_992_336

    @usableFromInline
    struct Tables: @unchecked Sendable {  // immutable after construction
        /// Layer right edges x[0] = v / f(r) > x[1] = r > … > x[256] = 0.
        @usableFromInline let x: UnsafeBufferPointer<Double>
        /// f(x[i]) = exp(−x[i]²/2).
        @usableFromInline let f: UnsafeBufferPointer<Double>
    }

    /// Finishes a draw whose first candidate `x` from `layer` missed the rectangle test: the
    /// wedge test, the tail, or new candidates until one is accepted.
    @usableFromInline @inline(never)
    static func slowPath<G: RandomNumberGenerator>(layer firstLayer: Int, x firstX: Double, generator: G) -> (Double, G) {
        var generator = generator
        var layer = firstLayer, x = firstX
        while true {
            if layer == 0 {
                // Tail beyond r: Marsaglia's method.
                let r = tailStart
                while true {
                    let t = log(generator.nextOpenUniform()) / r
                    let y = log(generator.nextOpenUniform())
                    if -2 * y >= t * t { return (x < 0 ? t - r : r - t, generator) }
                }
            }
            let height = tables.f[layer + 1] + (tables.f[layer] - tables.f[layer + 1]) * generator.nextUniform()
            if height < exp(-0.5 * x * x) { return (x, generator) }
            let bits = generator.next()
            layer = Int(truncatingIfNeeded: bits & 0xFF)
            x = (Double(bits >> 11) * 0x1.0p-52 - 1) * tables.x[layer]
            if abs(x) < tables.x[layer + 1] { return (x, generator) }
        }
    }

    /// Built once per process and never freed.
    @usableFromInline static let tables: Tables = {
        let x = UnsafeMutableBufferPointer<Double>.allocate(capacity: 257)
        let f = UnsafeMutableBufferPointer<Double>.allocate(capacity: 257)
        let r = tailStart
        let v = layerArea
        let density = { (t: Double) in exp(-0.5 * t * t) }
        x[0] = v / density(r)
        x[1] = r
        for i in 1..<256 {
            x[i + 1] = (-2 * log(v / x[i] + density(x[i]))).squareRoot()
        }
        x[256] = 0
        for i in 0...256 { f[i] = density(x[i]) }
        return Tables(x: UnsafeBufferPointer(x), f: UnsafeBufferPointer(f))
    }()
}
