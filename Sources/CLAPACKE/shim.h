#ifndef MONTECARLO_CLAPACKE_SHIM_H
#define MONTECARLO_CLAPACKE_SHIM_H
#include <lapacke.h>
#endif
