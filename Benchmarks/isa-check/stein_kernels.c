// ISA check for the Stein-kernel column fills (not part of the package build): calls each
// target_clones version of mc_stein_gaussian_column and mc_stein_imq_column in
// Sources/MonteCarloShims/SteinKernel.c directly (through their mangled clone names), checks
// that all give the same bits, checks the inverse-multiquadric columns bit for bit against a
// scalar transcription of the Swift entry (LangevinSteinKernel.entry with
// RadialKernel.radialDerivatives: the same IEEE operations in the same order), and times each
// clone single-threaded in thread CPU time.
//
// Build and run from the package root:
//   clang -O2 -ISources/MonteCarloShims/include Benchmarks/isa-check/stein_kernels.c \
//       Sources/MonteCarloShims/SteinKernel.c -lm -o /tmp/stein_isa && /tmp/stein_isa [n] [d]
// (the AVX-512 clone is skipped on a machine without AVX-512F).
#include "mc_stein_kernel.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "isa_check.h"

#define CLONE(name, params, isa, n) \
    extern void name##_##isa##_##n(double *, const double *, const double *, ptrdiff_t, ptrdiff_t, ptrdiff_t, \
                                   const double *, const double *, params) __asm__(#name "." #isa "." #n);
CLONE(mc_stein_gaussian_column, mc_stein_gaussian_parameters, avx512f, 0)
CLONE(mc_stein_gaussian_column, mc_stein_gaussian_parameters, avx2, 1)
CLONE(mc_stein_gaussian_column, mc_stein_gaussian_parameters, default, 2)
CLONE(mc_stein_imq_column, mc_stein_imq_parameters, avx512f, 0)
CLONE(mc_stein_imq_column, mc_stein_imq_parameters, avx2, 1)
CLONE(mc_stein_imq_column, mc_stein_imq_parameters, default, 2)

typedef void (*gaussian_fn)(double *, const double *, const double *, ptrdiff_t, ptrdiff_t, ptrdiff_t, const double *,
                            const double *, mc_stein_gaussian_parameters);
typedef void (*imq_fn)(double *, const double *, const double *, ptrdiff_t, ptrdiff_t, ptrdiff_t, const double *,
                       const double *, mc_stein_imq_parameters);

/// The Swift entry for the inverse multiquadric, transcribed: sums over coordinates in order,
/// φ = 1/√b (β = −½) or pow(b, β), φ′ = β(φ/b), φ″ = (β(β − 1)(φ/b))/b, then
/// ((−4z)φ″ − (2d)φ′) − (2φ′)ur + φ·uu.
static double imq_entry(const double *x, const double *ux, const double *y, const double *uy, int64_t d, double l2,
                        double beta) {
#pragma clang fp contract(off)
    double z = 0, ur = 0, uu = 0;
    for (int64_t k = 0; k < d; k++) {
        const double r = x[k] - y[k];
        z += r * r;
        ur += (ux[k] - uy[k]) * r;
        uu += ux[k] * uy[k];
    }
    const double b = l2 + z;
    const double phi = beta == -0.5 ? 1 / sqrt(b) : pow(b, beta);
    const double over = phi / b;
    const double first = beta * over, second = beta * (beta - 1) * over / b;
    return -4 * z * second - 2 * (double)d * first - 2 * first * ur + phi * uu;
}

int main(int argc, char **argv) {
    const int64_t n = argc > 1 ? atoll(argv[1]) : 2000, d = argc > 2 ? atoll(argv[2]) : 10;
    const int have512 = __builtin_cpu_supports("avx512f"), have2 = __builtin_cpu_supports("avx2");
    const char *names[3] = {"avx512f", "avx2", "default"};
    gaussian_fn gaussian[3] = {mc_stein_gaussian_column_avx512f_0, mc_stein_gaussian_column_avx2_1,
                               mc_stein_gaussian_column_default_2};
    imq_fn imq[3] = {mc_stein_imq_column_avx512f_0, mc_stein_imq_column_avx2_1, mc_stein_imq_column_default_2};
    // Standard normal draws (xorshift + Box–Muller), scores −x; row-major and coordinate-major.
    double *x = malloc(n * d * sizeof *x), *u = malloc(n * d * sizeof *u);
    double *xc = malloc(n * d * sizeof *xc), *uc = malloc(n * d * sizeof *uc);
    uint64_t state = 0x9e3779b97f4a7c15ULL;
    for (int64_t t = 0; t < n * d; t++) {
        double v[2];
        for (int k = 0; k < 2; k++) {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            v[k] = ((state >> 11) + 0.5) * 0x1.0p-53;
        }
        x[t] = 0.1 + sqrt(-2 * log(v[0])) * cos(2 * M_PI * v[1]);
        u[t] = -x[t];
    }
    for (int64_t a = 0; a < n; a++)
        for (int64_t c = 0; c < d; c++) {
            xc[c * n + a] = x[a * d + c];
            uc[c * n + a] = u[a * d + c];
        }
    double *out = malloc(n * n * sizeof *out);
    const double l2 = 1.0;
    const double betas[2] = {-0.5, -0.3};
    uint64_t reference[3] = {0};
    int failures = 0;
    for (int v = 0; v < 3; v++) {
        if ((v == 0 && !have512) || (v == 1 && !have2)) {
            printf("%-8s skipped (CPU lacks it)\n", names[v]);
            continue;
        }
        uint64_t h[3] = {0};
        double seconds[3];
        mc_stein_gaussian_parameters g = {-0.5 / l2, 1 / l2, 1 / (l2 * l2), (double)d * (1 / l2)};
        double start = thread_seconds();
        for (int64_t j = 0; j < n; j++) gaussian[v](out + j * n, xc, uc, n, n, d, x + j * d, u + j * d, g);
        seconds[0] = thread_seconds() - start;
        h[0] = bits(out, n * n);
        for (int k = 0; k < 2; k++) {
            const double beta = betas[k];
            mc_stein_imq_parameters p = {l2, beta, beta * (beta - 1), 2 * (double)d};
            start = thread_seconds();
            for (int64_t j = 0; j < n; j++) imq[v](out + j * n, xc, uc, n, n, d, x + j * d, u + j * d, p);
            seconds[1 + k] = thread_seconds() - start;
            h[1 + k] = bits(out, n * n);
            int64_t differ = 0;
            for (int64_t j = 0; j < n; j++)
                for (int64_t a = 0; a < n; a++) {
                    const double r = imq_entry(x + a * d, u + a * d, x + j * d, u + j * d, d, l2, beta);
                    if (memcmp(&r, &out[j * n + a], 8) != 0) differ++;
                }
            if (differ) {
                printf("  %s, beta = %g: %lld entries differ from the scalar (Swift) formula\n", names[v], beta, (long long)differ);
                failures++;
            }
        }
        printf("%-8s Gaussian %.1f ms, IMQ beta = -1/2 %.1f ms, IMQ beta = -0.3 %.1f ms (n = %lld columns of %lld, d = %lld); "
               "bits %016llx %016llx %016llx\n",
               names[v], 1e3 * seconds[0], 1e3 * seconds[1], 1e3 * seconds[2], (long long)n, (long long)n, (long long)d,
               (unsigned long long)h[0], (unsigned long long)h[1], (unsigned long long)h[2]);
        int first = have512 ? 0 : (have2 ? 1 : 2);
        if (v == first) memcpy(reference, h, sizeof h);
        else if (memcmp(reference, h, sizeof h) != 0) {
            printf("  MISMATCH with %s\n", names[first]);
            failures++;
        }
    }
    printf(failures ? "FAILED\n" : "all clones agree bit for bit, and the IMQ columns equal the scalar (Swift) formula\n");
    return failures != 0;
}
