// ISA check for the score-matrix kernels (not part of the package build): calls each
// target_clones version of the kernels in Sources/MonteCarloShims/ScoreMatrixKernels.c directly
// (through their mangled clone names), checks that all give the same bits, and times each one
// single-threaded in thread CPU time (robust to a shared machine).
//
// Build and run from the package root:
//   clang -O2 -ISources/MonteCarloShims/include Benchmarks/isa-check/score_matrix_kernels.c \
//       Sources/MonteCarloShims/ScoreMatrixKernels.c -lm -o /tmp/score_matrix_isa && /tmp/score_matrix_isa [B]
// (the AVX-512 clone is skipped on a machine without AVX-512F).
#include "mc_score_matrix.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "isa_check.h"

#define CLONE(name, ret, args, isa, n) extern ret name##_##isa##_##n args __asm__(#name "." #isa "." #n);
#define BAND_ARGS (const double *, int64_t, int64_t, const mc_partition_parameters *, double *, double *, double *, double *, mc_partition_band_sums *)
#define INFONCE_ARGS (const double *, int64_t, int64_t, int64_t, double *, double *, double *, double *)
#define MAX_ARGS (const double *, int64_t, int64_t, int64_t, double *, int64_t, double *)
CLONE(mc_partition_band, void, BAND_ARGS, avx512f, 0)
CLONE(mc_partition_band, void, BAND_ARGS, avx2, 1)
CLONE(mc_partition_band, void, BAND_ARGS, default, 2)
CLONE(mc_infonce_rows, void, INFONCE_ARGS, avx512f, 0)
CLONE(mc_infonce_rows, void, INFONCE_ARGS, avx2, 1)
CLONE(mc_infonce_rows, void, INFONCE_ARGS, default, 2)
CLONE(mc_score_offdiagonal_max, double, MAX_ARGS, avx512f, 0)
CLONE(mc_score_offdiagonal_max, double, MAX_ARGS, avx2, 1)
CLONE(mc_score_offdiagonal_max, double, MAX_ARGS, default, 2)

typedef void (*band_fn) BAND_ARGS;
typedef void (*infonce_fn) INFONCE_ARGS;
typedef double (*max_fn) MAX_ARGS;

/// Score matrix of a Gaussian critic: S[i, j] = log r(x_i, y_j) for ρ = 0.6 (1-D), from a
/// fixed-seed xorshift generator and Box–Muller normals.
static void scores(double *s, int64_t b) {
    uint64_t state = 0x9e3779b97f4a7c15ULL;
    double *x = malloc(b * sizeof *x), *y = malloc(b * sizeof *y);
    const double rho = 0.6, c = sqrt(1 - rho * rho);
    for (int64_t i = 0; i < b; i++) {
        double u[2];
        for (int k = 0; k < 2; k++) {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            u[k] = ((state >> 11) + 0.5) * 0x1.0p-53;
        }
        double r = sqrt(-2 * log(u[0]));
        x[i] = r * cos(2 * M_PI * u[1]);
        y[i] = rho * x[i] + c * r * sin(2 * M_PI * u[1]);
    }
    for (int64_t i = 0; i < b; i++)
        for (int64_t j = 0; j < b; j++)
            s[i * b + j] = -0.5 * log(1 - rho * rho)
                - (rho * rho * (x[i] * x[i] + y[j] * y[j]) - 2 * rho * x[i] * y[j]) / (2 * (1 - rho * rho));
    free(x);
    free(y);
}

int main(int argc, char **argv) {
    int64_t b = argc > 1 ? atoll(argv[1]) : 4096;
    const int have512 = __builtin_cpu_supports("avx512f"), have2 = __builtin_cpu_supports("avx2");
    const char *names[3] = {"avx512f", "avx2", "default"};
    band_fn bands[3] = {mc_partition_band_avx512f_0, mc_partition_band_avx2_1, mc_partition_band_default_2};
    infonce_fn infonce[3] = {mc_infonce_rows_avx512f_0, mc_infonce_rows_avx2_1, mc_infonce_rows_default_2};
    max_fn maxima[3] = {mc_score_offdiagonal_max_avx512f_0, mc_score_offdiagonal_max_avx2_1,
                        mc_score_offdiagonal_max_default_2};
    double *s = malloc(b * b * sizeof *s);
    scores(s, b);
    double *rows = calloc(b, sizeof *rows), *columns = calloc(b, sizeof *columns), *diagonal = malloc(b * sizeof *diagonal);
    double *work = malloc(3 * 64 * 64 * sizeof *work), *tail = malloc(4 * 950 * sizeof *tail);
    double *row_max = malloc(b * sizeof *row_max), *row_sum = malloc(b * sizeof *row_sum), *buffer = malloc(b * sizeof *buffer);
    double *row_shift = malloc(b * sizeof *row_shift);  // an arbitrary per-row shift (InfoNCE passes −log Σⱼ e^{Sᵢⱼ})
    for (int64_t i = 0; i < b; i++) row_shift[i] = -0.25 * (double)(i % 13);
    uint64_t reference[3] = {0};
    int failures = 0;
    for (int v = 0; v < 3; v++) {
        if ((v == 0 && !have512) || (v == 1 && !have2)) {
            printf("%-8s skipped (CPU lacks it)\n", names[v]);
            continue;
        }
        double t0 = thread_seconds();
        double m = maxima[v](s, b, 0, b, diagonal, 0, NULL);
        double t1 = thread_seconds();
        uint64_t h[3] = {0};
        double seconds[4] = {t1 - t0, 0, 0, 0};
        for (int pass = 0; pass < 3; pass++) {  // plain, + softplus, with a row shift
            const int softplus = pass == 1;
            mc_partition_parameters p = {0, INFINITY, m, 0.5, -INFINITY, getenv("TAIL") ? atoll(getenv("TAIL")) : 950, softplus,
                                         pass == 2 ? row_shift : NULL};
            memset(rows, 0, b * sizeof *rows);
            memset(columns, 0, b * sizeof *columns);
            uint64_t hash = 0;
            double start = thread_seconds();
            for (int64_t band = 0; band * 64 < b; band++) {
                mc_partition_band_sums sums;
                bands[v](s, b, band, &p, rows + band * 64, columns + band * 64, tail, work, &sums);
                hash ^= bits(&sums.squares, 1) ^ (bits(&sums.pair_squares, 1) << 1) ^ (bits(&sums.softplus_sum, 1) << 2)
                    ^ (uint64_t)sums.tail_count;
                for (int64_t t = 0; t < sums.tail_count; t++) hash += bits(&tail[t], 1);  // order-free
            }
            seconds[1 + pass] = thread_seconds() - start;
            h[0] ^= (hash ^ bits(rows, b) ^ (bits(columns, b) << 3)) + (uint64_t)pass;
        }
        memset(columns, 0, b * sizeof *columns);
        double start = thread_seconds();
        infonce[v](s, b, 0, b, row_max, row_sum, columns, buffer);
        double infonce_seconds = thread_seconds() - start;
        h[1] = bits(row_max, b) ^ (bits(row_sum, b) << 1) ^ (bits(columns, b) << 2);
        h[2] = bits(&m, 1) ^ bits(diagonal, b);
        printf("%-8s max %.1f ms, partition band pass %.1f ms (+softplus %.1f ms, row-shifted %.1f ms), InfoNCE rows %.1f ms; "
               "bits %016llx %016llx %016llx\n",
               names[v], 1e3 * seconds[0], 1e3 * seconds[1], 1e3 * seconds[2], 1e3 * seconds[3], 1e3 * infonce_seconds,
               (unsigned long long)h[0], (unsigned long long)h[1], (unsigned long long)h[2]);
        int first = have512 ? 0 : (have2 ? 1 : 2);
        if (v == first) memcpy(reference, h, sizeof h);
        else if (memcmp(reference, h, sizeof h) != 0) {
            printf("  MISMATCH with %s\n", names[first]);
            failures++;
        }
    }
    printf(failures ? "FAILED: the clones disagree\n" : "all clones agree bit for bit\n");
    return failures != 0;
}
