// Score-matrix kernels for the variational mutual-information bounds (see mc_score_matrix.h).
//
// Summation order: every reduction uses 8 lanes `acc[l]` updated as `acc[l] += x[t + l]` over
// runs of 8 consecutive elements (a remainder element t goes to lane t − start of its run; in
// the scalar diagonal tile, column c goes to lane c mod 8), then the fixed tree
// ((0 + 1) + (2 + 3)) + ((4 + 5) + (6 + 7)). C forbids reassociation and the pragmas in the
// function bodies forbid contraction, so a vectorised clone (8 lanes in one AVX-512 register,
// two AVX2 registers or four SSE2 registers) performs exactly the operations of the scalar
// program: Benchmarks/isa-check/score_matrix_kernels.c runs every clone and compares the bits.
#include "mc_score_matrix.h"
#include "mc_vector_math.h"
#include <math.h>
#include <string.h>

#define MC_LANES 8
#define MC_TILE 64
#define MC_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#define MC_INLINE static inline __attribute__((always_inline))

/// Eight lanes as one value: the operators act lane by lane (one AVX-512 register, two AVX2 or
/// four SSE2 registers: the same IEEE operations either way).
typedef double mc_lanes __attribute__((vector_size(64)));

/// The same with 8-byte alignment, for loads and stores at any double.
typedef double mc_lanes_unaligned __attribute__((vector_size(64), aligned(8), may_alias));

// Helpers take lanes by pointer: a 64-byte vector passed by value would change the calling
// convention between the clones.
MC_INLINE double mc_lanes_sum(const mc_lanes *v) {
#pragma clang fp contract(off)
    return (((*v)[0] + (*v)[1]) + ((*v)[2] + (*v)[3])) + (((*v)[4] + (*v)[5]) + ((*v)[6] + (*v)[7]));
}

/// Adds v[t] over n values to 8 lanes (element t − start of each run of 8 to lane t − start).
MC_INLINE void mc_accumulate(mc_lanes *lanes, const double *v, int64_t n) {
#pragma clang fp contract(off)
    int64_t t = 0;
    for (; t + 8 <= n; t += 8) *lanes += *(const mc_lanes_unaligned *)(v + t);
    for (int l = 0; t + l < n; l++) (*lanes)[l] += v[t + l];
}

/// The largest of 8 values (exact: the order of the comparisons does not matter).
MC_INLINE double mc_lane_max(const double *lanes) {
    double a = lanes[0] > lanes[1] ? lanes[0] : lanes[1], b = lanes[2] > lanes[3] ? lanes[2] : lanes[3];
    double c = lanes[4] > lanes[5] ? lanes[4] : lanes[5], d = lanes[6] > lanes[7] ? lanes[6] : lanes[7];
    a = a > b ? a : b;
    c = c > d ? c : d;
    return a > c ? a : c;
}

MC_INLINE double mc_lanes_max(const mc_lanes *v) {
    double lanes[8];
    memcpy(lanes, v, sizeof lanes);
    return mc_lane_max(lanes);
}

/// The largest of n values (−∞ for none).
MC_INLINE double mc_span_max(const double *v, int64_t n) {
    double m[MC_LANES];
    for (int l = 0; l < MC_LANES; l++) m[l] = -INFINITY;
    int64_t t = 0;
    for (; t + MC_LANES <= n; t += MC_LANES)
        for (int l = 0; l < MC_LANES; l++) m[l] = v[t + l] > m[l] ? v[t + l] : m[l];
    for (int l = 0; t + l < n; l++) m[l] = v[t + l] > m[l] ? v[t + l] : m[l];
    return mc_lane_max(m);
}

MC_CLONES
double mc_score_offdiagonal_max(const double *scores, int64_t batch, int64_t row_begin, int64_t row_end,
                                double *diagonal, int64_t sample_stride, double *sample) {
    double m = -INFINITY;
    for (int64_t i = row_begin; i < row_end; i++) {
        const double *row = scores + i * batch;
        diagonal[i] = row[i];
        double left = mc_span_max(row, i), right = mc_span_max(row + i + 1, batch - i - 1);
        m = left > m ? left : m;
        m = right > m ? right : m;
        if (sample_stride > 0) {
            // The row is in cache now: its entries at multiples of the stride are nearly free.
            int64_t offset = (i * batch) % sample_stride;
            for (int64_t j = offset == 0 ? 0 : sample_stride - offset; j < batch; j += sample_stride)
                if (j != i) *sample++ = row[j];
        }
    }
    return m;
}

// MARK: - Tail candidates

/// Moves the `count` largest of `n` values to the front (in no order): Hoare quickselect.
static void mc_move_largest_to_front(double *v, int64_t n, int64_t count) {
    if (count <= 0 || count >= n) return;
    int64_t lo = 0, hi = n - 1, nth = count - 1;
    while (lo < hi) {
        double a = v[lo], b = v[lo + (hi - lo) / 2], c = v[hi];
        double ab_min = a < b ? a : b, ab_max = a > b ? a : b;
        double upper = ab_max < c ? ab_max : c;
        double pivot = ab_min > upper ? ab_min : upper;  // median of three
        int64_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] > pivot) i++;
            while (v[j] < pivot) j--;
            if (i <= j) {
                double t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                j--;
            }
        }
        if (nth <= j) hi = j;
        else if (nth >= i) lo = i;
        else return;
    }
}

typedef struct {
    double *values;
    int64_t count, capacity;  // keep `capacity`; the buffer holds 4·capacity
    double floor;
} mc_tail;

static void mc_tail_compact(mc_tail *tail) {
    mc_move_largest_to_front(tail->values, tail->count, tail->capacity);
    tail->count = tail->capacity;
    double m = tail->values[0];
    for (int64_t t = 1; t < tail->count; t++) m = tail->values[t] < m ? tail->values[t] : m;
    tail->floor = m;
}

static inline void mc_tail_offer(mc_tail *tail, double x) {
    if (!(x > tail->floor)) return;
    tail->values[tail->count++] = x;
    if (tail->count >= 4 * tail->capacity) mc_tail_compact(tail);
}

// MARK: - Partition band

/// softplus(t) = log(1 + e^t) from the weight w = e^{t − M} already computed and scale = e^M
/// (|M| < 700), without a second exponential: with q = w·scale ≈ e^t, log(1 + e^{−|t|}) is
/// 2 atanh(z) (+ log 2 on the high branch, where e^{−|t|} > √2 − 1), the same series as
/// mc_log_one_plus_unit, with z formed in one division for either sign of t:
/// t ≤ 0 (e = q): z = q/(2 + q) or (q − 1)/(3 + q); t > 0 (e = 1/q): z = 1/(2q + 1) or
/// (1 − q)/(3q + 1). Relative error ≤ (19 + |t − M|)u (u = 2⁻⁵³): w and scale within 2.2 ulp
/// each, but w = e^{fl(t − M)} also carries the rounding of its argument (|t − M|·u relative),
/// the product and the division one rounding each, the series 4 ulp, the final sum one rounding.
/// A weight that underflowed (t < M − 708) gives 0 for a term below e^{−708} times the largest.
MC_INLINE double mc_softplus_from_weight(double t, double w, double scale) {
#pragma clang fp contract(off)
    const double q = w * scale;
    const int positive = t > 0;
    const int high = positive ? q < 2.414213562373095 : q > 0.41421356237309503;
    const double numerator = positive ? (high ? 1 - q : 1) : (high ? q - 1 : q);
    const double denominator = positive ? (high ? 3 * q + 1 : 2 * q + 1) : (high ? 3 + q : 2 + q);
    const double z = numerator / denominator;
    const double v = z * z, v2 = v * v, v4 = v2 * v2, v8 = v4 * v4;
    const double a0 = 1 + v * (1.0 / 3), a1 = 1.0 / 5 + v * (1.0 / 7), a2 = 1.0 / 9 + v * (1.0 / 11);
    const double a3 = 1.0 / 13 + v * (1.0 / 15), a4 = 1.0 / 17 + v * (1.0 / 19), a5 = 1.0 / 21 + v * (1.0 / 23);
    const double b0 = a0 + v2 * a1, b1 = a2 + v2 * a3, b2 = a4 + v2 * a5;
    const double series = 2 * z * ((b0 + v4 * b1) + v8 * b2);
    const double logarithm = high ? series + 0.69314718055994531 : series;
    return (positive ? t : 0) + logarithm;
}

#define MC_SHUFFLE_LOW(x, y) __builtin_shufflevector(x, y, 0, 1, 2, 3, 8, 9, 10, 11)
#define MC_SHUFFLE_HIGH(x, y) __builtin_shufflevector(x, y, 4, 5, 6, 7, 12, 13, 14, 15)

/// dst[c·dst_stride + r] = src[r·src_stride + c] for an 8 × 8 block (three shuffle stages).
MC_INLINE void mc_transpose8(const double *src, int64_t src_stride, double *dst, int64_t dst_stride) {
    mc_lanes r[8];
    for (int k = 0; k < 8; k++) r[k] = *(const mc_lanes_unaligned *)(src + k * src_stride);
    mc_lanes t[8], q[8];
    for (int k = 0; k < 8; k += 2) {
        t[k] = __builtin_shufflevector(r[k], r[k + 1], 0, 8, 2, 10, 4, 12, 6, 14);
        t[k + 1] = __builtin_shufflevector(r[k], r[k + 1], 1, 9, 3, 11, 5, 13, 7, 15);
    }
    for (int k = 0; k < 8; k += 4) {
        q[k] = __builtin_shufflevector(t[k], t[k + 2], 0, 1, 8, 9, 4, 5, 12, 13);
        q[k + 1] = __builtin_shufflevector(t[k + 1], t[k + 3], 0, 1, 8, 9, 4, 5, 12, 13);
        q[k + 2] = __builtin_shufflevector(t[k], t[k + 2], 2, 3, 10, 11, 6, 7, 14, 15);
        q[k + 3] = __builtin_shufflevector(t[k + 1], t[k + 3], 2, 3, 10, 11, 6, 7, 14, 15);
    }
    for (int k = 0; k < 4; k++) {
        *(mc_lanes_unaligned *)(dst + k * dst_stride) = MC_SHUFFLE_LOW(q[k], q[k + 4]);
        *(mc_lanes_unaligned *)(dst + (k + 4) * dst_stride) = MC_SHUFFLE_HIGH(q[k], q[k + 4]);
    }
}

/// dst[a·cols + c] = src[c·rows + a]: the transpose of a cols × rows block.
MC_INLINE void mc_transpose(const double *src, int64_t rows, int64_t cols, double *dst) {
    if (rows % 8 == 0 && cols % 8 == 0) {
        for (int64_t c = 0; c < cols; c += 8)
            for (int64_t a = 0; a < rows; a += 8) mc_transpose8(src + c * rows + a, rows, dst + a * cols + c, cols);
        return;
    }
    for (int64_t a = 0; a < rows; a++)
        for (int64_t c = 0; c < cols; c++) dst[a * cols + c] = src[c * rows + a];
}

/// dst[r·cols + c] = exp(min(max(src[r·stride + c] + shift + row_shift[r], low), high) − maximum) for a
/// rows × cols block (cols ≤ 64; no row shift when `row_shift` is NULL); with `softplus`, also adds
/// softplus(src) to `softplus_lanes`
/// (1: directly; 2: from the weights, which then must be e^{src − maximum}, with scale = e^maximum).
/// Prefetches the block `ahead` doubles further on.
MC_INLINE void mc_weight_block(const double *src, int64_t stride, int64_t rows, int64_t cols, double shift,
                                   const double *row_shift, double low, double high, double maximum, double *dst,
                                   int softplus, double scale, mc_lanes *softplus_lanes, int64_t ahead) {
#pragma clang fp contract(off)
    for (int64_t r = 0; r < rows; r++) {
        const double *s = src + r * stride;
        double *d = dst + r * cols;
        // shift + 0 is shift exactly, so a NULL row shift leaves the bits of the plain weights.
        const double row = shift + (row_shift ? row_shift[r] : 0);
        for (int64_t c = 0; c < cols; c += MC_LANES) __builtin_prefetch(s + c + ahead);
        for (int64_t c = 0; c < cols; c++) {
            double v = s[c] + row;
            v = v > low ? v : low;
            v = v < high ? v : high;
            d[c] = mc_exp(v - maximum);
        }
        if (softplus) {
            double terms[MC_TILE];
            if (softplus == 2)
                for (int64_t c = 0; c < cols; c++) terms[c] = mc_softplus_from_weight(s[c], d[c], scale);
            else
                for (int64_t c = 0; c < cols; c++) terms[c] = mc_softplus(s[c]);
            mc_accumulate(softplus_lanes, terms, cols);
        }
    }
}

MC_CLONES
void mc_partition_band(const double *scores, int64_t batch, int64_t band, const mc_partition_parameters *p,
                       double *row_sums, double *column_sums, double *tail_values, double *workspace,
                       mc_partition_band_sums *sums) {
#pragma clang fp contract(off)
    const int64_t b = batch, i0 = band * MC_TILE;
    const int64_t ti = b - i0 < MC_TILE ? b - i0 : MC_TILE;
    const double shift = p->log_shift, high = p->clip, low = -p->clip, maximum = p->maximum, centre = p->pair_shift;
    const int keep_tail = p->tail_capacity > 0;
    // Softplus from the weights when they are plain e^{S − M} with e^M representable.
    const int fused = shift == 0 && !p->row_shift && p->clip == INFINITY && maximum > -700 && maximum < 700;
    const int softplus = p->softplus == 0 ? 0 : (fused ? 2 : 1);
    const double scale = fused ? mc_exp(maximum) : 0;
    mc_tail tail = {tail_values, 0, p->tail_capacity, p->tail_floor};
    double *upper = workspace, *raw = workspace + MC_TILE * MC_TILE, *lower = workspace + 2 * MC_TILE * MC_TILE;
    const mc_lanes zero = {0}, half = zero + 0.5, centres = zero + centre;
    mc_lanes squares = zero, pair_squares = zero, softplus_lanes = zero;

    // Diagonal tile: pairs a < c within the band's own 64 × 64 block (scalar; 1/64 of the work).
    const double *row_shift = p->row_shift;
    mc_weight_block(scores + i0 * b + i0, b, ti, ti, shift, row_shift ? row_shift + i0 : 0, low, high, maximum, upper, 0,
                    0, 0, MC_TILE);
    for (int64_t a = 0; a < ti; a++) {
        double row = 0, column = 0;
        for (int64_t c = a + 1; c < ti; c++) {
            double u = upper[a * ti + c], w = upper[c * ti + a];  // w(i0 + a, i0 + c), w(i0 + c, i0 + a)
            row += u;
            column += w;
            column_sums[c] += u;
            row_sums[c] += w;
            squares[c & 7] += u * u + w * w;
            double centred = 0.5 * (u + w) - centre;
            pair_squares[c & 7] += centred * centred;
            if (keep_tail) {
                mc_tail_offer(&tail, u);
                mc_tail_offer(&tail, w);
            }
        }
        row_sums[a] += row;
        column_sums[a] += column;
        if (softplus) {
            const double *s = scores + (i0 + a) * b + i0;
            for (int64_t c = 0; c < ti; c++)
                if (c != a) softplus_lanes[c & 7] += mc_softplus(s[c]);
        }
    }

    // Off-diagonal tiles: upper[a, c] = w(i0 + a, j0 + c), lower[a, c] = w(j0 + c, i0 + a).
    for (int64_t j0 = i0 + MC_TILE; j0 < b; j0 += MC_TILE) {
        const int64_t tj = b - j0 < MC_TILE ? b - j0 : MC_TILE;
        mc_weight_block(scores + i0 * b + j0, b, ti, tj, shift, row_shift ? row_shift + i0 : 0, low, high, maximum, upper,
                        softplus, scale, &softplus_lanes, MC_TILE);
        mc_weight_block(scores + j0 * b + i0, b, tj, ti, shift, row_shift ? row_shift + j0 : 0, low, high, maximum, raw,
                        softplus, scale, &softplus_lanes, MC_TILE * b);
        mc_transpose(raw, ti, tj, lower);
        double *jrow = row_sums + (j0 - i0), *jcolumn = column_sums + (j0 - i0);
        const int64_t full = tj & ~(int64_t)7;
        for (int64_t a = 0; a < ti; a++) {
            const double *u = upper + a * tj, *w = lower + a * tj;
            mc_lanes row = zero, column = zero, largest = zero;
            for (int64_t c = 0; c < full; c += 8) {
                mc_lanes x = *(const mc_lanes_unaligned *)(u + c), y = *(const mc_lanes_unaligned *)(w + c);
                row += x;
                column += y;
                *(mc_lanes_unaligned *)(jcolumn + c) += x;
                *(mc_lanes_unaligned *)(jrow + c) += y;
                squares += x * x + y * y;
                mc_lanes centred = half * (x + y) - centres;
                pair_squares += centred * centred;
                largest = __builtin_elementwise_max(largest, __builtin_elementwise_max(x, y));
            }
            for (int l = 0; full + l < tj; l++) {
                double x = u[full + l], y = w[full + l];
                row[l] += x;
                column[l] += y;
                jcolumn[full + l] += x;
                jrow[full + l] += y;
                squares[l] += x * x + y * y;
                double centred = 0.5 * (x + y) - centre;
                pair_squares[l] += centred * centred;
                double z = x > y ? x : y;
                largest[l] = z > largest[l] ? z : largest[l];
            }
            row_sums[a] += mc_lanes_sum(&row);
            column_sums[a] += mc_lanes_sum(&column);
            if (keep_tail && mc_lanes_max(&largest) > tail.floor) {
                for (int64_t t = 0; t < tj; t++) {
                    mc_tail_offer(&tail, u[t]);
                    mc_tail_offer(&tail, w[t]);
                }
            }
        }
    }
    sums->squares = mc_lanes_sum(&squares);
    sums->pair_squares = mc_lanes_sum(&pair_squares);
    sums->softplus_sum = mc_lanes_sum(&softplus_lanes);
    sums->tail_count = tail.count;
}

// MARK: - InfoNCE

MC_CLONES
void mc_infonce_rows(const double *scores, int64_t batch, int64_t row_begin, int64_t row_end, double *row_max,
                     double *row_sum, double *column_sums, double *buffer) {
#pragma clang fp contract(off)
    const int64_t b = batch;
    const mc_lanes zero = {0};
    for (int64_t i = row_begin; i < row_end; i++) {
        const double *s = scores + i * b;
        double m = mc_span_max(s, b);
        for (int64_t c = 0; c < b; c++) buffer[c] = mc_exp(s[c] - m);
        mc_lanes lanes = zero;
        mc_accumulate(&lanes, buffer, b);
        double sum = mc_lanes_sum(&lanes), inverse = 1 / sum;
        row_max[i] = m;
        row_sum[i] = sum;
        for (int64_t t = 0; t < b; t++) column_sums[t] += buffer[t] * inverse;
    }
}
