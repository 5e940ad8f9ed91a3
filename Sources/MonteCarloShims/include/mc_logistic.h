#ifndef MONTECARLO_LOGISTIC_H
#define MONTECARLO_LOGISTIC_H
#include <stddef.h>

/// Logistic-regression residuals in place, for a column-major rows × columns block of linear
/// predictors η (one column per latent draw):
///
///     values[i + j·rows] = labels[i] − 1 / (1 + e^(−η)),   η = values[i + j·rows],
///
/// with e^x from `mc_exp` (within 2.2 ulp of the correctly rounded value), its argument capped at 709 (the residual is
/// then labels[i] − 1.2e−308 instead of labels[i] − 0). NaN propagates. Bit-identical across the
/// AVX-512, AVX2 and baseline clones (contraction off).
void mc_logistic_residuals(double *values, const double *labels, ptrdiff_t rows, ptrdiff_t columns);

#endif
