#ifndef MONTECARLO_GSL_SHIMS_H
#define MONTECARLO_GSL_SHIMS_H
/* GSL glue only: the one place outside CGSL that includes a GSL header. The compute kernels
   (MonteCarloShims) do not see GSL, so modules that use them do not either. */
#include <gsl/gsl_rng.h>
#include <stdint.h>

/// The state layout shared with Swift's `Xoshiro256PlusPlus`: four 64-bit words.
typedef struct { uint64_t s[4]; } mc_xoshiro256_state;

/// xoshiro256++ (Blackman & Vigna 2019) registered as a GSL generator type, so every
/// `gsl_ran_*` distribution can draw from the toolkit's streams. `get` returns the upper
/// 32 bits of one output (max = 2^32 - 1); `get_double` uses the upper 53 bits of one output.
const gsl_rng_type *mc_gsl_rng_type_xoshiro256pp(void);

/// A `gsl_rng` that views caller-owned state (no allocation); valid while `state` lives.
static inline gsl_rng mc_gsl_rng_viewing(mc_xoshiro256_state *state) {
    gsl_rng r;
    r.type = mc_gsl_rng_type_xoshiro256pp();
    r.state = state;
    return r;
}
#endif
