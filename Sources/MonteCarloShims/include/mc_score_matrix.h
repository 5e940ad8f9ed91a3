#ifndef MONTECARLO_SCORE_MATRIX_H
#define MONTECARLO_SCORE_MATRIX_H
// Kernels for the critic-score-matrix bounds of the MutualInformation module (NWJ, DV, JS,
// SMILE, InfoNCE): the passes over the B×B matrix S (row-major, S[i·B + j]) that need an
// exponential or a softplus per entry.
//
// Reproducibility: every sum is kept in 8 fixed accumulator lanes (element t of a contiguous run
// goes to lane t mod 8 of that run), reduced in a fixed tree, and floating-point contraction is
// off; the functions are compiled for AVX-512, AVX2 and baseline x86-64 (`target_clones`) and
// give the same bits on each. Each call is single-threaded; callers split rows or bands into a
// fixed number of work items and merge them in a fixed order.
#include <stdint.h>

/// The largest off-diagonal entry of rows [row_begin, row_end) (−∞ if there is none), and
/// diagonal[i] = S[i, i] for those rows. With sample_stride > 0, also copies the off-diagonal
/// entries whose row-major index i·B + j is a multiple of sample_stride to `sample`, in
/// row-major order (the caller knows how many: the subsample is fixed).
double mc_score_offdiagonal_max(const double *scores, int64_t batch, int64_t row_begin, int64_t row_end,
                                double *diagonal, int64_t sample_stride, double *sample);

/// How the partition weights are formed: w = exp(min(max(S + log_shift + row_shift[i], −clip), clip) − maximum)
/// for entry (i, j) (row_shift[i] = 0 when row_shift is NULL).
typedef struct {
    double log_shift;
    double clip;          ///< +∞ for no clipping
    double maximum;       ///< the largest clamped log-weight, so w ≤ 1
    double pair_shift;    ///< the centre K of the pair squares
    double tail_floor;    ///< only weights above this enter the tail buffer
    int64_t tail_capacity;  ///< keep at least this many of the band's largest weights (0: keep none)
    int32_t softplus;     ///< nonzero: also sum softplus(S) over the band's entries
    const double *row_shift;  ///< NULL, or B per-row shifts (InfoNCE's −log Σⱼ e^{Sᵢⱼ}: w = row softmax)
} mc_partition_parameters;

/// The scalar sums of one band.
typedef struct {
    double squares;        ///< Σ w² over the band's off-diagonal entries
    double pair_squares;   ///< Σ over the band's pairs i < j of ((wᵢⱼ + wⱼᵢ)/2 − K)²
    double softplus_sum;   ///< Σ softplus(Sᵢⱼ) over the band's off-diagonal entries (when asked)
    int64_t tail_count;    ///< how many candidates are in the tail buffer
} mc_partition_band_sums;

/// The partition sums over band `band`: the pairs (i, j), i < j, with i in rows
/// [64·band, 64·band + 64) (every such pair contributes both wᵢⱼ and wⱼᵢ).
///
/// Adds Σ_{j≠i} wᵢⱼ of the band's pairs to row_sums[i − 64·band] and Σ wⱼᵢ to
/// column_sums[i − 64·band], for i ≥ 64·band (both arrays have batch − 64·band entries). `tail`
/// (room for 4·tail_capacity values) receives candidates above the floor, compacted to the
/// largest tail_capacity whenever it fills (the floor then rises to their minimum), so it ends
/// holding at least the band's tail_capacity largest weights. `workspace` holds 3·64·64 doubles.
void mc_partition_band(const double *scores, int64_t batch, int64_t band, const mc_partition_parameters *parameters,
                       double *row_sums, double *column_sums, double *tail, double *workspace,
                       mc_partition_band_sums *sums);

/// InfoNCE rows [row_begin, row_end): row_max[i] = maxⱼ Sᵢⱼ, row_sum[i] = Σⱼ e^{Sᵢⱼ − row_max[i]},
/// and column_sums[j] += e^{Sᵢⱼ − row_max[i]} · (1 / row_sum[i]) in row order. `buffer` holds
/// `batch` doubles.
void mc_infonce_rows(const double *scores, int64_t batch, int64_t row_begin, int64_t row_end, double *row_max,
                     double *row_sum, double *column_sums, double *buffer);

#endif
