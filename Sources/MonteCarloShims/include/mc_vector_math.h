#ifndef MONTECARLO_VECTOR_MATH_H
#define MONTECARLO_VECTOR_MATH_H
// Branch-free elementary functions for C kernels that the compiler vectorises (no calls, no
// data-dependent branches), shared by the toolkit's hot loops.
//
// Reproducibility: floating-point contraction is switched off inside these functions (and must
// be in every kernel that uses them and wants the same guarantee, with
// `#pragma clang fp contract(off)` at the top of its body), so each value is the result of
// the same sequence of correctly rounded IEEE operations whatever instruction set a
// `target_clones` kernel is dispatched to (SSE2, AVX2, AVX-512): results are bit-identical
// across machines and vector widths, and equal to Swift code that performs the same
// operations in the same order.
#include <stdint.h>
#include <string.h>

/// e^x for x ≤ 709, 0 below −708 (the true value is below 3.3e−308 there); NaN propagates.
///
/// Cody–Waite reduction x = n·ln 2 + r with a two-part ln 2 (|r| ≤ ln 2 / 2), a degree-13
/// Taylor polynomial evaluated by Estrin's scheme (truncation error |r|^14/14! < 5e−18, far
/// below half an ulp), and an exact scaling by 2^n built from the exponent bits: within 2.2 ulp
/// of the correctly rounded value on [−708, 709] (2.19 ulp the worst seen over 2·10⁷ uniform
/// arguments there; the rounding of the reduction and of Estrin's sums makes it exceed 2).
static inline double mc_exp(double x) {
#pragma clang fp contract(off)
    const double log2e = 1.4426950408889634;
    const double ln2_high = 6.93147180369123816490e-01;  // 32 significant bits: n·ln2_high is exact
    const double ln2_low = 1.90821492927058770002e-10;
    const double shifter = 6755399441055744.0;  // 1.5·2^52: x·log2e + shifter holds round(x·log2e) in its low bits
    double shifted = x * log2e + shifter;
    double n = shifted - shifter;
    double r = (x - n * ln2_high) - n * ln2_low;
    double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    double q0 = 1 + r, q1 = 0.5 + r * (1.0 / 6);
    double q2 = 1.0 / 24 + r * (1.0 / 120), q3 = 1.0 / 720 + r * (1.0 / 5040);
    double q4 = 1.0 / 40320 + r * (1.0 / 362880), q5 = 1.0 / 3628800 + r * (1.0 / 39916800);
    double q6 = 1.0 / 479001600 + r * (1.0 / 6227020800);
    double s0 = q0 + r2 * q1, s1 = q2 + r2 * q3, s2 = q4 + r2 * q5;
    double t0 = s0 + r4 * s1, t1 = s2 + r4 * q6;
    double p = t0 + r8 * t1;
    uint64_t bits;
    memcpy(&bits, &shifted, sizeof bits);
    uint64_t scale_bits = (bits << 52) + ((uint64_t)1023 << 52);
    double scale;
    memcpy(&scale, &scale_bits, sizeof scale);
    double value = p * scale;
    return x < -708 ? 0 : value;
}

/// log(1 + e) for 0 ≤ e ≤ 1, as 2 atanh(z) with z = e/(2 + e) when 1 + e ≤ √2, and as
/// log 2 + 2 atanh(z′) with z′ = (e − 1)/(3 + e) above (|z| ≤ 0.172 in both), selected without a
/// branch; the odd series truncated after z^23 has relative error below 2e−20.
static inline double mc_log_one_plus_unit(double e) {
#pragma clang fp contract(off)
    int high = e > 0.41421356237309503;
    double z = (high ? e - 1 : e) / (high ? 3 + e : 2 + e);
    double w = z * z, w2 = w * w, w4 = w2 * w2, w8 = w4 * w4;
    double a0 = 1 + w * (1.0 / 3), a1 = 1.0 / 5 + w * (1.0 / 7), a2 = 1.0 / 9 + w * (1.0 / 11);
    double a3 = 1.0 / 13 + w * (1.0 / 15), a4 = 1.0 / 17 + w * (1.0 / 19), a5 = 1.0 / 21 + w * (1.0 / 23);
    double b0 = a0 + w2 * a1, b1 = a2 + w2 * a3, b2 = a4 + w2 * a5;
    double p = (b0 + w4 * b1) + w8 * b2;
    double series = 2 * z * p;
    return high ? series + 0.69314718055994531 : series;
}

/// softplus(t) = log(1 + e^t) = max(t, 0) + log(1 + e^{−|t|}), without overflow.
static inline double mc_softplus(double t) {
#pragma clang fp contract(off)
    double positive = t > 0 ? t : 0;
    double negative_magnitude = t > 0 ? -t : t;
    return positive + mc_log_one_plus_unit(mc_exp(negative_magnitude));
}

#endif
