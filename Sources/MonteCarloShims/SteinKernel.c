// Vectorised fills of the first-order Stein kernels of the Gaussian and inverse multiquadric base
// kernels (see mc_stein_kernel.h).
#include <math.h>
#include "mc_stein_kernel.h"
#include "mc_vector_math.h"

// Rows are processed in blocks: the coordinate sums of a block are accumulated coordinate by
// coordinate (contiguous, vectorisable loops over rows), then exp and the bracket are applied.
enum { mc_stein_block = 128 };

// The three coordinate sums of one block of rows against the column draw: z = |r|²,
// ur = (u(x_a) − u(y))·r, uu = u(x_a)·u(y), r = x_a − y, accumulated in the order c = 0 … d − 1.
static inline void mc_stein_block_sums(double *z, double *ur, double *uu, const double *points, const double *scores,
                                       ptrdiff_t stride, ptrdiff_t start, ptrdiff_t length, ptrdiff_t dimension,
                                       const double *column_point, const double *column_score) {
#pragma clang fp contract(off)
    for (ptrdiff_t a = 0; a < length; a++) {
        z[a] = 0;
        ur[a] = 0;
        uu[a] = 0;
    }
    for (ptrdiff_t c = 0; c < dimension; c++) {
        const double *x = points + c * stride + start;
        const double *u = scores + c * stride + start;
        const double y = column_point[c], v = column_score[c];
        for (ptrdiff_t a = 0; a < length; a++) {
            const double r = x[a] - y;
            z[a] += r * r;
            ur[a] += (u[a] - v) * r;
            uu[a] += u[a] * v;
        }
    }
}

__attribute__((target_clones("avx512f", "avx2", "default")))
void mc_stein_gaussian_column(double *out, const double *points, const double *scores, ptrdiff_t stride,
                              ptrdiff_t count, ptrdiff_t dimension, const double *column_point,
                              const double *column_score, mc_stein_gaussian_parameters parameters) {
#pragma clang fp contract(off)
    const double half = parameters.half, inverse = parameters.inverse;
    const double inverse2 = parameters.inverse2, d_over_l2 = parameters.d_over_l2;
    double z[mc_stein_block], ur[mc_stein_block], uu[mc_stein_block];
    for (ptrdiff_t start = 0; start < count; start += mc_stein_block) {
        const ptrdiff_t length = count - start < mc_stein_block ? count - start : mc_stein_block;
        mc_stein_block_sums(z, ur, uu, points, scores, stride, start, length, dimension, column_point, column_score);
        double *o = out + start;
        for (ptrdiff_t a = 0; a < length; a++) {
            o[a] = mc_exp(half * z[a]) * (d_over_l2 - z[a] * inverse2 + ur[a] * inverse + uu[a]);
        }
    }
}

// k0 = ((−4z)φ″ − (2d)φ′) − (2φ′)ur + φ·uu with φ′ = β·(φ/b), φ″ = (β(β − 1)·(φ/b))/b: the
// operations of the Swift entry in its order, so the two agree bit for bit (see the header).
__attribute__((target_clones("avx512f", "avx2", "default")))
void mc_stein_imq_column(double *out, const double *points, const double *scores, ptrdiff_t stride,
                         ptrdiff_t count, ptrdiff_t dimension, const double *column_point,
                         const double *column_score, mc_stein_imq_parameters parameters) {
#pragma clang fp contract(off)
    const double l2 = parameters.l2, beta = parameters.beta;
    const double bb = parameters.beta_beta_minus_one, two_d = parameters.two_d;
    const int square_root = beta == -0.5;
    double z[mc_stein_block], ur[mc_stein_block], uu[mc_stein_block];
    for (ptrdiff_t start = 0; start < count; start += mc_stein_block) {
        const ptrdiff_t length = count - start < mc_stein_block ? count - start : mc_stein_block;
        mc_stein_block_sums(z, ur, uu, points, scores, stride, start, length, dimension, column_point, column_score);
        double *o = out + start;
        if (square_root) {
            for (ptrdiff_t a = 0; a < length; a++) {
                const double b = l2 + z[a];
                const double phi = 1 / __builtin_elementwise_sqrt(b);  // llvm.sqrt: correctly rounded, no errno
                const double over = phi / b;
                const double first = beta * over, second = bb * over / b;
                o[a] = -4 * z[a] * second - two_d * first - 2 * first * ur[a] + phi * uu[a];
            }
        } else {
            for (ptrdiff_t a = 0; a < length; a++) {
                const double b = l2 + z[a];
                const double phi = pow(b, beta);
                const double over = phi / b;
                const double first = beta * over, second = bb * over / b;
                o[a] = -4 * z[a] * second - two_d * first - 2 * first * ur[a] + phi * uu[a];
            }
        }
    }
}
