import LinearAlgebra
import MonteCarloCore

/// Per-group moments of held-out residuals e = f − ĝ, with a rounding floor, for split and
/// cross-fitted estimators: value Σₖ (nₖ/N) ēₖ, variance Σₖ (nₖ/N)² s²ₖ/nₖ.
struct ResidualAccumulator {
    private var groups: [(moments: RunningMoments, floor: Double)] = []

    /// Adds one group: residuals eᵢ and, for each, a bound δᵢ on its rounding error.
    mutating func addGroup(residuals: [Double], roundingErrors: [Double]) {
        var moments = RunningMoments()
        moments.add(contentsOf: residuals)
        let floor = roundingErrors.reduce(0) { $0 + $1 * $1 } / Double(max(1, roundingErrors.count))
        groups.append((moments, floor))
    }

    var count: Int { groups.reduce(0) { $0 + $1.moments.count } }

    /// The pooled within-group mean squared residual Σₖ Σᵢ (eᵢ − ēₖ)² / N (a CV criterion).
    var withinGroupMeanSquare: Double {
        groups.reduce(0) { $0 + $1.moments.sumOfSquaredDeviations } / Double(max(1, count))
    }

    /// The combined value and variance; `atFloor` tells whether some group's residual variance
    /// was raised to its rounding floor (the mean of δᵢ²).
    func combine() throws(MonteCarloError) -> (value: Double, variance: Double, atFloor: Bool) {
        let total = Double(count)
        var value = 0.0, variance = 0.0, atFloor = false
        for (moments, floor) in groups {
            guard moments.count >= 2 else {
                throw .insufficientSamples(needed: 2, available: moments.count, reason: "in every evaluation fold")
            }
            let share = Double(moments.count) / total
            var s2 = moments.sampleVariance
            if !(s2 >= floor) {
                s2 = floor
                atFloor = true
            }
            value += share * moments.mean
            variance += share * share * s2 / Double(moments.count)
        }
        return (value, variance, atFloor)
    }

    static let roundingWarning = "The control explains f to within rounding error: the residual variance was raised to the rounding floor (mean of the squared per-draw rounding bounds), so the error bar is an upper bound, not a false zero."
}

/// σ²_plain / variance, with the degenerate cases made explicit.
func effectiveSampleSize(perDrawVariance: Double, estimatorVariance: Double, evaluations: Int) -> Double {
    if estimatorVariance > 0 { return perDrawVariance / estimatorVariance }
    return perDrawVariance > 0 ? .infinity : Double(evaluations)
}

/// Sample variance of all values (σ²_plain).
func sampleVariance(_ values: [Double]) -> Double {
    var moments = RunningMoments()
    moments.add(contentsOf: values)
    return moments.sampleVariance
}

/// Indices 0..<n split into `folds` groups by i mod K (the convention of ControlVariateMonteCarlo).
func foldIndices(count n: Int, folds: Int) -> [[Int]] {
    (0..<folds).map { k in Array(stride(from: k, to: n, by: folds)) }
}

/// A LinearAlgebra error as the toolkit's error.
func monteCarloError(_ error: LinearAlgebraError, quantity: String) -> MonteCarloError {
    switch error {
    case .notPositiveDefinite(let jitter): return .notPositiveDefinite(jitterTried: jitter)
    case .nonFinite(let row, _): return .nonFinite(quantity: quantity, index: row)
    case .singular: return .singularControlCovariance(detail: "the \(quantity) is rank-deficient to working precision")
    case .dimensionMismatch(let expected, let actual): return .invalidArgument("\(quantity): expected \(expected), but \(actual).")
    case .lapackFailure(let routine, let info): return .invalidArgument("\(quantity): LAPACK \(routine) failed (info = \(info)).")
    }
}
