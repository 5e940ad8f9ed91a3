#ifndef MONTECARLO_SHIMS_H
#define MONTECARLO_SHIMS_H
/* Compute kernels in C (no GSL: the GSL glue lives in GSLShims). */
#include "mc_vector_math.h"
#include "mc_stein_kernel.h"
#include "mc_score_matrix.h"
#include "mc_ksg.h"
#include "mc_logistic.h"
#endif
