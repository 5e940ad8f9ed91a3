// Vectorised fill of the first-order Gaussian Stein kernel (see mc_stein_kernel.h).
#include "mc_stein_kernel.h"
#include "mc_vector_math.h"

// Rows are processed in blocks: the coordinate sums of a block are accumulated coordinate by
// coordinate (contiguous, vectorisable loops over rows), then exp and the bracket are applied.
enum { mc_stein_block = 128 };

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
        double *o = out + start;
        for (ptrdiff_t a = 0; a < length; a++) {
            o[a] = mc_exp(half * z[a]) * (d_over_l2 - z[a] * inverse2 + ur[a] * inverse + uu[a]);
        }
    }
}
