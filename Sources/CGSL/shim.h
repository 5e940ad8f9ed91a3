#ifndef MONTECARLO_CGSL_SHIM_H
#define MONTECARLO_CGSL_SHIM_H
#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_qrng.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>
#include <gsl/gsl_sf_erf.h>
#include <gsl/gsl_math.h>

/// GSL's generator types are mutable globals, which Swift 6 rejects; read them through functions.
static inline const gsl_rng_type *mc_gsl_rng_type_mt19937(void) { return gsl_rng_mt19937; }
static inline const gsl_qrng_type *mc_gsl_qrng_type_sobol(void) { return gsl_qrng_sobol; }
static inline const gsl_qrng_type *mc_gsl_qrng_type_halton(void) { return gsl_qrng_halton; }
#endif
