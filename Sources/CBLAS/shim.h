#ifndef MONTECARLO_CBLAS_SHIM_H
#define MONTECARLO_CBLAS_SHIM_H
#include <cblas.h>
/// OpenBLAS thread control, so parallel estimators can avoid oversubscribing cores.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
/// Ends OpenBLAS's worker threads (exported by OpenBLAS for its fork handler); the next threaded
/// BLAS call starts them again. Returns 0.
int blas_thread_shutdown_(void);
#endif
