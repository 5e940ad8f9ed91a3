#ifndef MONTECARLO_CGSL_SHIM_H
#define MONTECARLO_CGSL_SHIM_H
#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_qrng.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>
#include <gsl/gsl_sf_erf.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_fft_real.h>
#include <gsl/gsl_fft_halfcomplex.h>

/* <gsl/gsl_randist.h> is not included: through <gsl/gsl_matrix.h> it pulls in <gsl/gsl_cblas.h>,
   whose enums clash with OpenBLAS's <cblas.h> in any Swift module that sees both C modules.
   The samplers the toolkit uses are declared here with GSL's exact prototypes. */
double gsl_ran_gaussian(const gsl_rng *r, const double sigma);
double gsl_ran_gaussian_ziggurat(const gsl_rng *r, const double sigma);
double gsl_ran_gamma(const gsl_rng *r, const double a, const double b);
double gsl_ran_beta(const gsl_rng *r, const double a, const double b);
double gsl_ran_tdist(const gsl_rng *r, const double nu);
double gsl_ran_exponential(const gsl_rng *r, const double mu);

/// GSL's generator types are mutable globals, which Swift 6 rejects; read them through functions.
static inline const gsl_rng_type *mc_gsl_rng_type_mt19937(void) { return gsl_rng_mt19937; }
static inline const gsl_qrng_type *mc_gsl_qrng_type_sobol(void) { return gsl_qrng_sobol; }
static inline const gsl_qrng_type *mc_gsl_qrng_type_halton(void) { return gsl_qrng_halton; }
#endif
