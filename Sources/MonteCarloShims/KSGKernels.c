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

void mc_ksg_range_counts(const double *sorted, int64_t n, const double *radius, int32_t strict, int64_t begin,
                         int64_t end, int64_t *counts, int64_t *lefts, const int64_t *known_lefts,
                         const int64_t *known_counts, const double *known_radius) {
    const double *s = sorted;
    // Points per unit length on each side, from the previous query: the next query's edges are
    // predicted as p ∓ density · r, off by about the square root of the count (the edges of
    // the previous query itself are further off: the radii of successive points vary by a
    // factor of two or so).
    double left_density = 0, right_density = 0;
    for (int64_t p = begin; p < end; p++) {
        const double x = s[p], r = radius[p - begin];
        if (strict && !(r > 0)) {
            counts[p - begin] = 0;
            if (lefts) lefts[p - begin] = p;
            continue;
        }
        int64_t left_hint, right_hint;
        if (known_lefts && known_counts[p - begin] > 0) {
            // A known window at a nearby radius: its edges, moved by its own points per unit
            // length times the change of radius when that radius is given, are the predictions.
            const int64_t known_left = known_lefts[p - begin], known_right = known_left + known_counts[p - begin];
            const double old_r = known_radius ? known_radius[p - begin] : 0;
            if (old_r > 0 && old_r < INFINITY && r < INFINITY) {
                const double scale = (r - old_r) / old_r;  // ≥ −1
                const double left_guess = (double)known_left - (double)(p - known_left) * scale;
                const double right_guess = (double)known_right + (double)(known_right - p - 1) * scale;
                left_hint = left_guess > 0 ? (int64_t)left_guess : 0;
                right_hint = right_guess < (double)n ? (int64_t)right_guess : n;
            } else {
                left_hint = known_left;
                right_hint = known_right;
            }
            left_hint = left_hint < 0 ? 0 : left_hint;
            right_hint = right_hint < n ? right_hint : n;
        } else {
            double left_guess = (double)p - left_density * r, right_guess = (double)(p + 1) + right_density * r;
            left_hint = left_guess > 0 ? (int64_t)left_guess : 0;
            right_hint = right_guess < (double)n ? (int64_t)right_guess : n;
        }
#define INSIDE(q) mc_inside_left(s, (q), x, r, strict)
#define OUTSIDE(q) mc_outside_right(s, (q), x, r, strict)
        // Left edge L: the first q ≤ p with INSIDE(q) (INSIDE(p) holds).
        int64_t h = left_hint < p ? left_hint : p, lo, hi, left, right;
        if (INSIDE(h)) {
            hi = h;
            for (int64_t step = 1;; step <<= 1) {
                int64_t probe = h - step;
                if (probe < 0) { lo = 0; break; }
                if (!INSIDE(probe)) { lo = probe + 1; break; }
                hi = probe;
            }
        } else {
            lo = h + 1;
            for (int64_t step = 1;; step <<= 1) {
                int64_t probe = h + step;
                if (probe >= p) { hi = p; break; }
                if (INSIDE(probe)) { hi = probe; break; }
                lo = probe + 1;
            }
        }
        MC_FIRST_TRUE(left, lo, hi, INSIDE);  // INSIDE(hi) holds: the answer is in [lo, hi]
        // Right edge R: the first q > p with OUTSIDE(q), else n.
        h = right_hint > p + 1 ? right_hint : p + 1;
        h = h < n ? h : n;
        if (h == n || OUTSIDE(h)) {
            hi = h;
            for (int64_t step = 1;; step <<= 1) {
                int64_t probe = h - step;
                if (probe <= p) { lo = p + 1; break; }
                if (!OUTSIDE(probe)) { lo = probe + 1; break; }
                hi = probe;
            }
        } else {
            lo = h + 1;
            for (int64_t step = 1;; step <<= 1) {
                int64_t probe = h + step;
                if (probe >= n) { hi = n; break; }
                if (OUTSIDE(probe)) { hi = probe; break; }
                lo = probe + 1;
            }
        }
        MC_FIRST_TRUE(right, lo, hi, OUTSIDE);  // OUTSIDE(hi) holds or hi = n
#undef INSIDE
#undef OUTSIDE
        counts[p - begin] = right - left;
        if (lefts) lefts[p - begin] = left;
        if (r > 0 && r < INFINITY) {
            left_density = (double)(p - left) / r;
            right_density = (double)(right - p - 1) / r;
        }
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

/// Offers the points of one block in increasing |y − yq|, until both sides are beyond the k-th
/// distance.
static inline void mc_scan(const mc_ksg_plane *pl, int64_t block, int64_t i, double xq, double yq, int64_t k,
                           double *dist, int64_t *nb) {
    const double *by = pl->block_y;
    const int64_t start = block * pl->block_size;
    const int64_t end = start + pl->block_size < pl->count ? start + pl->block_size : pl->count;
    int64_t lo;
#define MC_BELOW(q) (!(by[q] < yq))
    MC_FIRST_TRUE(lo, start, end, MC_BELOW);  // first slot with y ≥ yq
#undef MC_BELOW
    int64_t up = lo, down = lo - 1;
    while (up < end || down >= start) {
        const double up_gap = up < end ? by[up] - yq : INFINITY;
        const double down_gap = down >= start ? yq - by[down] : INFINITY;
        const double worst = dist[k - 1];
        if (up_gap <= down_gap) {
            if (up_gap > worst) return;
            mc_offer(pl, up, i, xq, yq, k, dist, nb);
            up++;
        } else {
            if (down_gap > worst) return;
            mc_offer(pl, down, i, xq, yq, k, dist, nb);
            down--;
        }
    }
}

int64_t mc_ksg_plane_radii(const mc_ksg_plane *pl, int64_t begin, int64_t end, int64_t k, int64_t search,
                           int32_t algorithm_two, double *radius_x, double *radius_y, double *dist, int64_t *nb,
                           int64_t *found_neighbours, double *found_distances) {
    const int64_t size = pl->block_size, blocks = (pl->count + size - 1) / size;
    int64_t zeros = 0, home = begin / size, next_block = (home + 1) * size;
    for (int64_t p = begin; p < end; p++) {
        if (p == next_block) {
            home++;
            next_block += size;
        }
        const int64_t i = pl->x_order[p];
        const double xq = pl->sorted_x[p], yq = pl->y_in_x_order[p];
        for (int64_t t = 0; t < search; t++) {
            dist[t] = INFINITY;
            nb[t] = INT64_MAX;
        }
        mc_scan(pl, home, i, xq, yq, search, dist, nb);
        int64_t left = home - 1, right = home + 1;
        for (;;) {
            // A block whose x-gap exceeds the k-th distance cannot hold a neighbour, nor can any
            // block beyond it.
            const double left_gap = left >= 0 ? xq - pl->block_upper[left] : INFINITY;
            const double right_gap = right < blocks ? pl->block_lower[right] - xq : INFINITY;
            const double worst = dist[search - 1];
            const int left_open = left_gap <= worst, right_open = right_gap <= worst;
            if (!left_open && !right_open) break;
            if (left_open && (!right_open || left_gap <= right_gap)) {
                mc_scan(pl, left, i, xq, yq, search, dist, nb);
                left--;
            } else {
                mc_scan(pl, right, i, xq, yq, search, dist, nb);
                right++;
            }
        }
        if (found_neighbours) {
            for (int64_t t = 0; t < search; t++) {
                found_neighbours[(p - begin) * search + t] = nb[t];
                found_distances[(p - begin) * search + t] = dist[t];
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
