// Helpers shared by the ISA-check harnesses (not part of the package build).
#ifndef ISA_CHECK_H
#define ISA_CHECK_H
#include <stdint.h>
#include <string.h>
#include <time.h>

/// This thread's CPU time in seconds (robust to a shared machine).
static double thread_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

/// A checksum that sees every bit: XOR of the bit patterns, rotated by position.
static uint64_t bits(const double *v, int64_t n) {
    uint64_t h = 0;
    for (int64_t t = 0; t < n; t++) {
        uint64_t x;
        memcpy(&x, &v[t], 8);
        h = ((h << 7) | (h >> 57)) ^ x;
    }
    return h;
}
#endif
