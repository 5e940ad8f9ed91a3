// Marginal range counts for the one-dimensional KSG estimator (see mc_ksg.h). Only comparisons
// and subtractions: the results are exact and the same on every machine.
#include "mc_ksg.h"
#include <math.h>

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
                         int64_t end, int64_t *counts) {
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
            continue;
        }
        double left_guess = (double)p - left_density * r, right_guess = (double)(p + 1) + right_density * r;
        int64_t left_hint = left_guess > 0 ? (int64_t)left_guess : 0;
        int64_t right_hint = right_guess < (double)n ? (int64_t)right_guess : n;
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
        if (r > 0 && r < INFINITY) {
            left_density = (double)(p - left) / r;
            right_density = (double)(right - p - 1) / r;
        }
    }
}
