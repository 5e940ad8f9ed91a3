/// Branch-free elementwise exponential and softplus over contiguous buffers, written so the
/// compiler can vectorise the loops (no calls, no data-dependent branches).
///
/// Accuracy: `exponentials` agrees with the correctly rounded e^x to within 2.2 ulp for
/// −708 ≤ x ≤ 709 (Cody–Waite reduction x = n·ln 2 + r with a two-part ln 2, |r| ≤ ln 2 / 2,
/// then a degree-13 Taylor polynomial, whose truncation error |r|¹⁴/14! < 5·10⁻¹⁸ is far below
/// half an ulp, evaluated by Estrin's scheme, and an exact scaling by 2ⁿ built from the exponent
/// bits); below −708 it returns 0 (the true value is below 3.3·10⁻³⁰⁸). The score-matrix bounds
/// use it for the B² weights e^{S − max}, where the result's relative error is ≲ 2·10⁻¹⁶ per term.
enum VectorMath {
    /// Replaces each of the `count` values at `values` (each ≤ 709) by its exponential.
    @inline(__always)
    static func exponentials(_ values: UnsafeMutablePointer<Double>, count: Int) {
        for t in 0..<count { values[t] = exponential(values[t]) }
    }

    /// e^x for x ≤ 709 (0 below −708); see the type's accuracy note.
    @inline(__always)
    static func exponential(_ x: Double) -> Double {
        let log2e = 1.4426950408889634
        let ln2High = 6.93147180369123816490e-01  // 32 significant bits: n·ln2High is exact
        let ln2Low = 1.90821492927058770002e-10
        let shifter = 6755399441055744.0  // 1.5·2⁵², so x·log₂e + shifter holds round(x·log₂e) in its low bits
        let shifted = x * log2e + shifter
        let n = shifted - shifter
        let r = (x - n * ln2High) - n * ln2Low
        // e^r = Σ_{k ≤ 13} r^k/k! by Estrin's scheme: pairs, then powers r², r⁴, r⁸, so the
        // dependency chain is about 5 operations long instead of Horner's 13 (the loops over
        // many values are latency-bound otherwise).
        let r2 = r * r, r4 = r2 * r2, r8 = r4 * r4
        let q0 = 1 + r, q1 = 0.5 + r * (1.0 / 6)
        let q2 = 1.0 / 24 + r * (1.0 / 120), q3 = 1.0 / 720 + r * (1.0 / 5040)
        let q4 = 1.0 / 40320 + r * (1.0 / 362880), q5 = 1.0 / 3628800 + r * (1.0 / 39916800)
        let q6 = 1.0 / 479001600 + r * (1.0 / 6227020800)
        let s0 = q0 + r2 * q1, s1 = q2 + r2 * q3, s2 = q4 + r2 * q5
        let t0 = s0 + r4 * s1, t1 = s2 + r4 * q6
        let p = t0 + r8 * t1
        // 2ⁿ: the low bits of `shifted` hold n in two's complement; move them to the exponent field.
        let scale = Double(bitPattern: (shifted.bitPattern &<< 52) &+ (1023 &<< 52))
        let value = p * scale
        return x < -708 ? 0 : value
    }

    /// log(1 + e) for 0 ≤ e ≤ 1, as 2 atanh(z) with z = e/(2 + e) when 1 + e ≤ √2 (z ≤ 0.172),
    /// and as log 2 + 2 atanh(z′) with z′ = (e − 1)/(3 + e) (|z′| ≤ 0.172) above, selected
    /// without a branch: the odd series 2 Σ z^{2m+1}/(2m+1) truncated after z²³ has a relative
    /// truncation error ≤ z²⁴/25 < 2·10⁻²⁰, far below half an ulp. Small e keep full relative
    /// accuracy (no cancellation in z = e/(2 + e)).
    @inline(__always)
    static func logOnePlus(_ e: Double) -> Double {
        let high = e > 0.41421356237309503  // 1 + e > √2
        let z = (high ? e - 1 : e) / (high ? 3 + e : 2 + e)  // one division
        // Σ_{m ≤ 11} w^m/(2m + 1), w = z², by Estrin's scheme (short dependency chain).
        let w = z * z, w2 = w * w, w4 = w2 * w2, w8 = w4 * w4
        let a0 = 1 + w * (1.0 / 3), a1 = 1.0 / 5 + w * (1.0 / 7), a2 = 1.0 / 9 + w * (1.0 / 11)
        let a3 = 1.0 / 13 + w * (1.0 / 15), a4 = 1.0 / 17 + w * (1.0 / 19), a5 = 1.0 / 21 + w * (1.0 / 23)
        let b0 = a0 + w2 * a1, b1 = a2 + w2 * a3, b2 = a4 + w2 * a5
        let p = (b0 + w4 * b1) + w8 * b2
        let series = 2 * z * p
        return high ? series + 0.69314718055994531 : series
    }

    /// Σᵢ softplus(values[i]) over `count` values, through `buffer` (room for `count` values):
    /// the elementwise pass vectorises, the sum uses four partial sums in a fixed order.
    static func softplusSum(_ values: UnsafePointer<Double>, count: Int, buffer: UnsafeMutablePointer<Double>) -> Double {
        for t in 0..<count { buffer[t] = softplus(values[t]) }
        return sum(buffer, count: count)
    }

    /// Σᵢ values[i] with four interleaved partial sums (fixed order: deterministic).
    @inline(__always)
    static func sum(_ values: UnsafePointer<Double>, count: Int) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var t = 0
        while t &+ 4 <= count {
            s0 += values[t]
            s1 += values[t &+ 1]
            s2 += values[t &+ 2]
            s3 += values[t &+ 3]
            t &+= 4
        }
        while t < count {
            s0 += values[t]
            t &+= 1
        }
        return (s0 + s1) + (s2 + s3)
    }

    /// The largest of `count` ≥ 1 finite values, with four interleaved running maxima.
    @inline(__always)
    static func maximum(_ values: UnsafePointer<Double>, count: Int) -> Double {
        var m0 = -Double.infinity, m1 = m0, m2 = m0, m3 = m0
        var t = 0
        while t &+ 4 <= count {
            let v0 = values[t], v1 = values[t &+ 1], v2 = values[t &+ 2], v3 = values[t &+ 3]
            m0 = v0 > m0 ? v0 : m0
            m1 = v1 > m1 ? v1 : m1
            m2 = v2 > m2 ? v2 : m2
            m3 = v3 > m3 ? v3 : m3
            t &+= 4
        }
        while t < count {
            let v = values[t]
            m0 = v > m0 ? v : m0
            t &+= 1
        }
        let a = m0 > m1 ? m0 : m1, b = m2 > m3 ? m2 : m3
        return a > b ? a : b
    }

    /// softplus(t) = log(1 + e^t) = max(t, 0) + log(1 + e^{−|t|}), without overflow.
    @inline(__always)
    static func softplus(_ t: Double) -> Double {
        let positive = t > 0 ? t : 0
        let negativeMagnitude = t > 0 ? -t : t
        return positive + logOnePlus(exponential(negativeMagnitude))
    }
}
