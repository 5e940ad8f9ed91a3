// Marginal range counts for the one-dimensional KSG estimator (see mc_ksg.h). Only comparisons
// and subtractions: the results are exact and the same on every machine.
#include "mc_ksg.h"
#include <math.h>
#include <stdint.h>

/// Point q is not left of the window around x: v ≥ x or x − v within r.
static inline int mc_inside_left(const double *s, int64_t q, double x, double r, int strict) {
    double v = s[q], gap = x - v;
    return (v >= x) | (strict ? gap < r : gap <= r);  // both sides evaluated: no branch
}

/// Point q is right of the window: v > x and v − x beyond r.
static inline int mc_outside_right(const double *s, int64_t q, double x, double r, int strict) {
    double v = s[q], gap = v - x;
    return (v > x) & (strict ? gap >= r : gap > r);
}

// First q in [lo, hi) where the (monotone false → true) predicate holds, else hi, without
// data-dependent branches: the range halves each step and the base moves by a conditional move.
#define MC_FIRST_TRUE(result, lo, hi, predicate)                       \
    do {                                                               \
        int64_t base_ = (lo), length_ = (hi) - (lo);                   \
        while (length_ > 1) {                                          \
            int64_t half_ = length_ >> 1;                              \
            int64_t probe_ = base_ + half_ - 1;                        \
            base_ = (predicate(probe_)) ? base_ : base_ + half_;       \
            length_ -= half_;                                          \
        }                                                              \
        if (length_ == 1 && !(predicate(base_))) base_ += 1;           \
        (result) = base_;                                              \
    } while (0)

/// The number of positions whose predicate is counted around an edge's prediction.
// Galloping from a hint h towards the edge of a monotone predicate (false … false true … true
// over (below, ceiling), true at ceiling): sets [lo, hi] to a range whose first true position is
// the edge, with pred(hi) true or hi = ceiling. `starts_true` says whether the edge is at or
// before h (then it gallops down, never below below + 1), else up (never past ceiling).
#define MC_GALLOP(lo, hi, h, below, ceiling, starts_true, pred)        \
    do {                                                               \
        if (starts_true) {                                             \
            (hi) = (h);                                                \
            for (int64_t step_ = 1;; step_ <<= 1) {                    \
                int64_t probe_ = (h) - step_;                          \
                if (probe_ <= (below)) { (lo) = (below) + 1; break; }  \
                if (!pred(probe_)) { (lo) = probe_ + 1; break; }       \
                (hi) = probe_;                                         \
            }                                                          \
        } else {                                                       \
            (lo) = (h) + 1;                                            \
            for (int64_t step_ = 1;; step_ <<= 1) {                    \
                int64_t probe_ = (h) + step_;                          \
                if (probe_ >= (ceiling)) { (hi) = (ceiling); break; }  \
                if (pred(probe_)) { (hi) = probe_; break; }            \
                (lo) = probe_ + 1;                                     \
            }                                                          \
        }                                                              \
    } while (0)

#define MC_SPAN 32

/// The first of MC_SPAN positions centred on h, moved inside [0, n) (n ≥ MC_SPAN).
static inline int64_t mc_span_start(int64_t h, int64_t n) {
    int64_t start = h - MC_SPAN / 2;
    start = start < 0 ? 0 : start;
    return start > n - MC_SPAN ? n - MC_SPAN : start;
}

/// The window of position p at radius r: [*left, *right) = the positions q with |s[q] − s[p]| < r
/// (strict) or ≤ r, each edge found by counting the predicate over MC_SPAN positions around its
/// hint or, when it lies beyond them, by galloping from the hint and bisecting the bracket
/// (exact whatever the hints are). Needs INSIDE(p), i.e. r > 0 when strict.
static inline __attribute__((always_inline)) void mc_window(const double *s, int64_t n, int64_t p, double r, int strict,
                                                            int64_t left_hint, int64_t right_hint, int64_t *left_out,
                                                            int64_t *right_out) {
    const double x = s[p];
#define INSIDE(q) mc_inside_left(s, (q), x, r, strict)
#define OUTSIDE(q) mc_outside_right(s, (q), x, r, strict)
    // Left edge L: the first q ≤ p with INSIDE(q) (INSIDE(p) holds).
    int64_t h = left_hint < p ? left_hint : p, lo, hi, left, right;
    h = h < 0 ? 0 : h;
    // The predictions are mostly within a few positions: count the predicate over MC_SPAN
    // positions around the prediction (no branches, vectorized); the edge is where the count
    // says unless it lies beyond the span. INSIDE stays true past p (the values there are ≥ x),
    // so the count is the number of positions at or after the edge.
    const int64_t span_start = n < MC_SPAN ? 0 : mc_span_start(h, n);
    if (n >= MC_SPAN) {
        int64_t inside = 0;
        for (int64_t t = 0; t < MC_SPAN; t++) inside += INSIDE(span_start + t);
        if (inside > 0 && (inside < MC_SPAN || span_start == 0)) {
            left = span_start + MC_SPAN - inside;
            goto right_edge;
        }
    }
    MC_GALLOP(lo, hi, h, -1, p, INSIDE(h), INSIDE);
    MC_FIRST_TRUE(left, lo, hi, INSIDE);  // INSIDE(hi) holds: the answer is in [lo, hi]
right_edge:
    // Right edge R: the first q > p with OUTSIDE(q), else n.
    h = right_hint > p + 1 ? right_hint : p + 1;
    h = h < n ? h : n;
    if (n >= MC_SPAN) {
        // As for L (OUTSIDE is false up to p, so a span starting at or before p + 1 that is all
        // outside starts at the edge).
        const int64_t start = mc_span_start(h, n);
        int64_t outside = 0;
        for (int64_t t = 0; t < MC_SPAN; t++) outside += OUTSIDE(start + t);
        if (outside > 0 && outside < MC_SPAN) {
            right = start + MC_SPAN - outside;
            goto done;
        }
        if (outside == 0 && start + MC_SPAN == n) {
            right = n;
            goto done;
        }
        if (outside == MC_SPAN && start <= p + 1) {
            right = start;
            goto done;
        }
    }
    MC_GALLOP(lo, hi, h, p, n, h == n || OUTSIDE(h), OUTSIDE);
    MC_FIRST_TRUE(right, lo, hi, OUTSIDE);  // OUTSIDE(hi) holds or hi = n
done:
#undef INSIDE
#undef OUTSIDE
    *left_out = left;
    *right_out = right;
}

/// `mc_ksg_range_counts` with `strict` a constant where it is inlined (two instances, without the
/// predicates' run-time choice).
static inline __attribute__((always_inline)) void mc_range_counts(const double *sorted, int64_t n, const double *radius,
                                                                  const int strict, int64_t begin, int64_t end,
                                                                  int64_t *counts, int64_t *lefts) {
    const double *s = sorted;
    // Points per unit length on each side, from the previous query: the next query's edges are
    // predicted as p ∓ density · r, off by about the square root of the count (the edges of
    // the previous query itself are further off: the radii of successive points vary by a
    // factor of two or so).
    double left_density = 0, right_density = 0;
    for (int64_t p = begin; p < end; p++) {
        const double r = radius[p - begin];
        if (strict && !(r > 0)) {
            counts[p - begin] = 0;
            if (lefts) lefts[p - begin] = p;
            continue;
        }
        const double left_guess = (double)p - left_density * r, right_guess = (double)(p + 1) + right_density * r;
        const int64_t left_hint = left_guess > 0 ? (int64_t)left_guess : 0;
        const int64_t right_hint = right_guess < (double)n ? (int64_t)right_guess : n;
        int64_t left, right;
        mc_window(s, n, p, r, strict, left_hint, right_hint, &left, &right);
        counts[p - begin] = right - left;
        if (lefts) lefts[p - begin] = left;
        if (r > 0 && r < INFINITY) {
            left_density = (double)(p - left) / r;
            right_density = (double)(right - p - 1) / r;
        }
    }
}

#if defined(__x86_64__) && defined(__clang__)
/// The same with AVX2 (the spans' predicates four at a time; the same IEEE subtractions and
/// comparisons, so the same counts), used when the processor has it.
__attribute__((target("avx2"))) static void mc_range_counts_avx2(const double *sorted, int64_t n, const double *radius,
                                                                 int32_t strict, int64_t begin, int64_t end,
                                                                 int64_t *counts, int64_t *lefts) {
    if (strict) {
        mc_range_counts(sorted, n, radius, 1, begin, end, counts, lefts);
    } else {
        mc_range_counts(sorted, n, radius, 0, begin, end, counts, lefts);
    }
}
#endif

void mc_ksg_range_counts(const double *sorted, int64_t n, const double *radius, int32_t strict, int64_t begin,
                         int64_t end, int64_t *counts, int64_t *lefts) {
#if defined(__x86_64__) && defined(__clang__)
    if (__builtin_cpu_supports("avx2")) {
        mc_range_counts_avx2(sorted, n, radius, strict, begin, end, counts, lefts);
        return;
    }
#endif
    if (strict) {
        mc_range_counts(sorted, n, radius, 1, begin, end, counts, lefts);
    } else {
        mc_range_counts(sorted, n, radius, 0, begin, end, counts, lefts);
    }
}

// MARK: - Neighbours

/// Offers the point in `slot` to the sorted k-list (distance, then original index).
static inline void mc_offer(const mc_ksg_plane *pl, int64_t slot, int64_t i, double xq, double yq, int64_t k,
                            double *dist, int64_t *nb) {
    const int64_t original = pl->block_index[slot];
    if (original == i) return;
    const double dx = fabs(pl->block_x[slot] - xq), dy = fabs(pl->block_y[slot] - yq);
    const double d = dx > dy ? dx : dy;
    const double worst = dist[k - 1];
    if (d > worst || (d == worst && original > nb[k - 1])) return;
    int64_t t = k - 1;
    while (t > 0 && (dist[t - 1] > d || (dist[t - 1] == d && nb[t - 1] > original))) {
        dist[t] = dist[t - 1];
        nb[t] = nb[t - 1];
        t--;
    }
    dist[t] = d;
    nb[t] = original;
}

/// The first slot of `block` with y ≥ yq (the block's end if none), by bisection.
static inline int64_t mc_block_lower_bound(const mc_ksg_plane *pl, int64_t block, double yq) {
    const double *by = pl->block_y;
    const int64_t start = block * pl->block_size;
    const int64_t end = start + pl->block_size < pl->count ? start + pl->block_size : pl->count;
    int64_t lo;
#define MC_BELOW(q) (!(by[q] < yq))
    MC_FIRST_TRUE(lo, start, end, MC_BELOW);
#undef MC_BELOW
    return lo;
}

/// Offers the points of one block in increasing y − yq upwards from slot `lo` and in increasing
/// yq − y downwards from `lo − 1`, until both sides are beyond the k-th distance. `lo` must be a
/// slot with y ≥ yq (or the block's end) no earlier than the first such slot: then both walks
/// meet their gaps in increasing order (a `lo` past the first such slot only makes the first
/// downward gaps negative), so every point within the k-th distance in y is offered.
static inline void mc_scan(const mc_ksg_plane *pl, int64_t block, int64_t lo, int64_t i, double xq, double yq,
                           int64_t k, double *dist, int64_t *nb) {
    const double *by = pl->block_y;
    const int64_t start = block * pl->block_size;
    const int64_t end = start + pl->block_size < pl->count ? start + pl->block_size : pl->count;
    int64_t up = lo, down = lo - 1;
    while (up < end || down >= start) {
        const double up_gap = up < end ? by[up] - yq : INFINITY;
        const double down_gap = down >= start ? yq - by[down] : INFINITY;
        // The nearer side, chosen with conditional moves.
        const int take_up = up_gap <= down_gap;
        const double gap = take_up ? up_gap : down_gap;
        if (gap > dist[k - 1]) return;
        mc_offer(pl, take_up ? up : down, i, xq, yq, k, dist, nb);
        up += take_up;
        down -= 1 - take_up;
    }
}

/// Where a scan of the block next to the one scanned from slot `from` (towards `cascade`)
/// starts: the cascade's slot when `from` holds a point (its y ≥ yq), else a bisection.
static inline int64_t mc_next_start(const mc_ksg_plane *pl, const int32_t *cascade, int64_t from, int64_t from_block,
                                    int64_t block, double yq) {
    const int64_t from_end = (from_block + 1) * pl->block_size < pl->count ? (from_block + 1) * pl->block_size : pl->count;
    return from < from_end ? (int64_t)cascade[from] : mc_block_lower_bound(pl, block, yq);
}

int64_t mc_ksg_plane_radii(const mc_ksg_plane *pl, int64_t begin, int64_t end, int64_t k, int32_t algorithm_two,
                           double *radius_x, double *radius_y, double *dist, int64_t *nb) {
    const int64_t size = pl->block_size, blocks = (pl->count + size - 1) / size;
    int64_t zeros = 0, home = begin / size, next_block = (home + 1) * size;
    for (int64_t p = begin; p < end; p++) {
        if (p == next_block) {
            home++;
            next_block += size;
        }
        const int64_t i = pl->x_order[p];
        const double xq = pl->sorted_x[p], yq = pl->y_in_x_order[p];
        for (int64_t t = 0; t < k; t++) {
            dist[t] = INFINITY;
            nb[t] = INT64_MAX;
        }
        // The query's own slot starts its home block's scan (its y is yq), and each next block's
        // scan starts at the cascade's slot of the previous one's start.
        const int64_t own = pl->home_slot[p];
        mc_scan(pl, home, own, i, xq, yq, k, dist, nb);
        int64_t left = home - 1, right = home + 1, left_from = own, right_from = own;
        for (;;) {
            // A block whose x-gap exceeds the k-th distance cannot hold a neighbour, nor can any
            // block beyond it.
            const double left_gap = left >= 0 ? xq - pl->block_upper[left] : INFINITY;
            const double right_gap = right < blocks ? pl->block_lower[right] - xq : INFINITY;
            const double worst = dist[k - 1];
            const int left_open = left_gap <= worst, right_open = right_gap <= worst;
            if (!left_open && !right_open) break;
            if (left_open && (!right_open || left_gap <= right_gap)) {
                left_from = mc_next_start(pl, pl->cascade_down, left_from, left + 1, left, yq);
                mc_scan(pl, left, left_from, i, xq, yq, k, dist, nb);
                left--;
            } else {
                right_from = mc_next_start(pl, pl->cascade_up, right_from, right - 1, right, yq);
                mc_scan(pl, right, right_from, i, xq, yq, k, dist, nb);
                right++;
            }
        }
        if (dist[k - 1] == 0) zeros++;
        if (!algorithm_two) {
            radius_x[p] = dist[k - 1];
            radius_y[pl->rank_y[i]] = dist[k - 1];
        } else {
            double ex = 0, ey = 0;
            for (int64_t t = 0; t < k; t++) {
                const int64_t j = nb[t];
                const double ax = fabs(pl->x[j] - xq), ay = fabs(pl->y[j] - yq);
                ex = ax > ex ? ax : ex;
                ey = ay > ey ? ay : ey;
            }
            radius_x[p] = ex;
            radius_y[pl->rank_y[i]] = ey;
        }
    }
    return zeros;
}
