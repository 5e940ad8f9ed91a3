#ifndef MONTECARLO_KSG_H
#define MONTECARLO_KSG_H
// Marginal range counts for the KSG mutual-information estimator in one dimension: how many
// points of a sorted array lie within a radius of each of its own points.
#include <stdint.h>

/// For p in [begin, end): counts[p − begin] = #{q : |sorted[q] − sorted[p]| < radius[p − begin]}
/// when `strict` (0 when radius ≤ 0 or NaN), else #{q : … ≤ radius[p − begin]}; point p itself
/// included. `sorted` holds n values in increasing order. If `lefts` is not NULL, also
/// lefts[p − begin] = the window's first position (the window is
/// [lefts[p − begin], lefts[p − begin] + counts[p − begin])).
///
/// The predicates are evaluated as x − v < r and v − x < r (v = sorted[q], x = sorted[p]) — the
/// same rounded subtractions as the O(n²) reference — so the counts are exact. Each edge is
/// predicted (p ∓ r times the previous query's points per unit length: the queries come in
/// sorted order, so the local density changes slowly); the predicate is counted over the 32
/// positions around the prediction without branches (vectorized; AVX2 where the processor has
/// it), which places the edge unless it lies beyond them (about one edge in twenty at n = 10⁵),
/// and then it is found by galloping from the prediction and a branch-free bisection of the
/// bracket. The prediction only sets where the search starts, so the counts are exact whatever
/// it is.
void mc_ksg_range_counts(const double *sorted, int64_t n, const double *radius, int32_t strict, int64_t begin,
                         int64_t end, int64_t *counts, int64_t *lefts);

/// The sorted-array neighbour index of n points in the plane (built by the Swift
/// `PlanarNeighborIndex`): the x order cut into blocks of `block_size` consecutive points, each
/// block re-sorted by y (ties by index).
typedef struct {
    int64_t count, block_size;
    const double *sorted_x;      ///< x values in x order
    const double *y_in_x_order;  ///< y values in x order
    const int64_t *x_order;      ///< original index of each x position
    const int64_t *rank_y;       ///< y position of each original index
    const double *block_y, *block_x;  ///< per slot (blocks of the x order, sorted by y)
    const int64_t *block_index;       ///< original index per slot
    const double *block_lower, *block_upper;  ///< smallest and largest x per block
    const double *x, *y;         ///< coordinates by original index
    const int32_t *home_slot;    ///< slot of each x position in its own block
    /// Per slot: the first slot of the next (previous) block with y ≥ this slot's y, or that
    /// block's end if none (unused in the last (first) block).
    const int32_t *cascade_up, *cascade_down;
} mc_ksg_plane;

/// The KSG radii of the points at x positions [begin, end): their k nearest neighbours in max
/// norm (ties by original index, the point itself excluded), and then for algorithm 1 ε = the
/// k-th distance in radius_x[position] and radius_y[y position], for algorithm 2 the largest
/// |Δx| and |Δy| among the k neighbours. Returns how many k-th distances are 0. `distances`
/// (k doubles) and `neighbours` (k indices) are scratch.
///
/// A query starts in its own block and visits neighbouring blocks outwards in x order, nearer
/// side first, stopping on a side once the block's x-gap exceeds the current k-th distance;
/// inside a block it walks outwards in y, nearer side first, until the y-gap exceeds the k-th
/// distance, from its own slot in its own block and, in the next blocks on each side, from the
/// cascade's slot of the previous block's start (a bisection, with conditional moves, only when
/// that block had no y ≥ yq). Distances are max(|Δx|, |Δy|) computed as
/// in the O(n²) reference, so the neighbours and radii are exactly the reference's.
int64_t mc_ksg_plane_radii(const mc_ksg_plane *plane, int64_t begin, int64_t end, int64_t k, int32_t algorithm_two,
                           double *radius_x, double *radius_y, double *distances, int64_t *neighbours);

#endif
