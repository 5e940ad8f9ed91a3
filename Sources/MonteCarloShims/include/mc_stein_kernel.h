#ifndef MONTECARLO_STEIN_KERNEL_H
#define MONTECARLO_STEIN_KERNEL_H
#include <stddef.h>

/// Parameters of the first-order (Langevin) Stein kernel of the Gaussian base kernel
/// exp(−|x − y|²/(2ℓ²)) in the form used by `mc_stein_gaussian_column`.
typedef struct {
    /// −1/(2ℓ²).
    double half;
    /// 1/ℓ².
    double inverse;
    /// 1/ℓ⁴.
    double inverse2;
    /// d/ℓ².
    double d_over_l2;
} mc_stein_gaussian_parameters;

/// One column segment of a Gaussian Stein-kernel matrix:
///
///     out[a] = φ · (d/ℓ² − z/ℓ⁴ + (u(x_a) − u(y))·r/ℓ² + u(x_a)·u(y)),   a = 0 … count − 1,
///
/// with r = x_a − y, z = |r|², φ = exp(−z/(2ℓ²)) — k0(x_a, y) of the first-order Stein kernel.
///
/// - `points`, `scores`: the row points and their scores, coordinate-major: coordinate c of
///   point a is `points[c * stride + a]` (so the loop over a reads contiguous memory).
/// - `column_point`, `column_score`: the d coordinates of y and of u(y).
///
/// The three sums over coordinates run in the order c = 0 … d − 1 and every operation is a
/// separately rounded IEEE operation (no contraction), identical in every `target_clones`
/// variant (AVX-512, AVX2, baseline): the result is bit-identical across instruction sets and
/// differs from a plain loop with the C library's `exp` only through `mc_exp` (≤ 2.2 ulp).
void mc_stein_gaussian_column(double *out, const double *points, const double *scores, ptrdiff_t stride,
                              ptrdiff_t count, ptrdiff_t dimension, const double *column_point,
                              const double *column_score, mc_stein_gaussian_parameters parameters);

/// Parameters of the first-order (Langevin) Stein kernel of the inverse multiquadric base kernel
/// (ℓ² + |x − y|²)^β, β ∈ (−1, 0), in the form used by `mc_stein_imq_column`.
typedef struct {
    /// ℓ².
    double l2;
    /// β.
    double beta;
    /// β(β − 1).
    double beta_beta_minus_one;
    /// 2d.
    double two_d;
} mc_stein_imq_parameters;

/// One column segment of an inverse-multiquadric Stein-kernel matrix:
///
///     out[a] = −4z φ″ − 2d φ′ − 2φ′ (u(x_a) − u(y))·r + φ u(x_a)·u(y),   a = 0 … count − 1,
///
/// with r = x_a − y, z = |r|², b = ℓ² + z, φ = b^β, φ′ = β b^(β−1), φ″ = β(β − 1) b^(β−2) —
/// k0(x_a, y) of the first-order Stein kernel. Arguments as for `mc_stein_gaussian_column`.
///
/// The coordinate sums run in the order c = 0 … d − 1, and φ, φ′, φ″ and the bracket are formed
/// by the same separately rounded IEEE operations, in the same order, as the Swift entry
/// (`LangevinSteinKernel.entry` with `RadialKernel.radialDerivatives`): b^β is 1/√b for β = −½
/// (square root and division are correctly rounded, so this path is vectorised and
/// bit-identical to the Swift loop on every instruction set) and the C library's `pow` otherwise
/// (the same function Swift calls).
void mc_stein_imq_column(double *out, const double *points, const double *scores, ptrdiff_t stride,
                         ptrdiff_t count, ptrdiff_t dimension, const double *column_point,
                         const double *column_score, mc_stein_imq_parameters parameters);
#endif
