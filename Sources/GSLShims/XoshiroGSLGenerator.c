#include "GSLShims.h"

static inline uint64_t mc_rotl(const uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t mc_next(mc_xoshiro256_state *st) {
    uint64_t *s = st->s;
    const uint64_t result = mc_rotl(s[0] + s[3], 23) + s[0];
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = mc_rotl(s[3], 45);
    return result;
}

static void mc_set(void *vstate, unsigned long int seed) {
    /* SplitMix64 expansion of a full 64-bit seed (Swift code seeds the state directly). */
    mc_xoshiro256_state *st = (mc_xoshiro256_state *)vstate;
    uint64_t z = (uint64_t)seed;
    for (int i = 0; i < 4; i++) {
        z += 0x9e3779b97f4a7c15ULL;
        uint64_t x = z;
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
        st->s[i] = x ^ (x >> 31);
    }
}

static unsigned long int mc_get(void *vstate) {
    return (unsigned long int)(mc_next((mc_xoshiro256_state *)vstate) >> 32);
}

static double mc_get_double(void *vstate) {
    return (double)(mc_next((mc_xoshiro256_state *)vstate) >> 11) * 0x1.0p-53;
}

static const gsl_rng_type mc_xoshiro256pp_type = {
    "xoshiro256++",
    0xffffffffUL,
    0,
    sizeof(mc_xoshiro256_state),
    &mc_set,
    &mc_get,
    &mc_get_double
};

const gsl_rng_type *mc_gsl_rng_type_xoshiro256pp(void) { return &mc_xoshiro256pp_type; }
