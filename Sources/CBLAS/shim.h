#ifndef MONTECARLO_CBLAS_SHIM_H
#define MONTECARLO_CBLAS_SHIM_H
#include <cblas.h>
/// OpenBLAS thread control, so parallel estimators can avoid oversubscribing cores.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
#endif
