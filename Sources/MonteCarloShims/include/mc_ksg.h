#ifndef MONTECARLO_KSG_H
#define MONTECARLO_KSG_H
// Marginal range counts for the KSG mutual-information estimator in one dimension: how many
// points of a sorted array lie within a radius of each of its own points.
#include <stdint.h>

/// For p in [begin, end): counts[p − begin] = #{q : |sorted[q] − sorted[p]| < radius[p − begin]}
/// when `strict` (0 when radius ≤ 0 or NaN), else #{q : … ≤ radius[p − begin]}; point p itself
/// included. `sorted` holds n values in increasing order.
///
/// The predicates are evaluated as x − v < r and v − x < r (v = sorted[q], x = sorted[p]) — the
/// same rounded subtractions as the O(n²) reference — so the counts are exact. Each edge is
/// found by galloping from a predicted position (p ∓ r times the previous query's points per
/// unit length: the queries come in sorted order, so the local density changes slowly) and
/// then a branch-free bisection of the bracket.
void mc_ksg_range_counts(const double *sorted, int64_t n, const double *radius, int32_t strict, int64_t begin,
                         int64_t end, int64_t *counts);

#endif
