// Vectorised logistic-regression residuals (see mc_logistic.h).
#include "mc_logistic.h"
#include "mc_vector_math.h"

__attribute__((target_clones("avx512f", "avx2", "default")))
void mc_logistic_residuals(double *values, const double *labels, ptrdiff_t rows, ptrdiff_t columns) {
#pragma clang fp contract(off)
    for (ptrdiff_t j = 0; j < columns; j++) {
        double *eta = values + j * rows;
        for (ptrdiff_t i = 0; i < rows; i++) {
            const double x = -eta[i];
            const double capped = x > 709 ? 709 : x;
            eta[i] = labels[i] - 1 / (1 + mc_exp(capped));
        }
    }
}
