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
    ///
    /// Between-fold check: with several groups, Q = Σₖ (ēₖ − ē)² / (s²ₖ/nₖ) is approximately
    /// χ²_{K−1} when every fold's within-fold variance describes its mean's error. A Q beyond the
    /// 0.999 quantile means it does not (typically a fitted control with heavy tails that the
    /// held-out draws did not sample); the variance is then raised to the between-fold estimate
    /// Σₖ (nₖ/N)² (ēₖ − ē)² · K/(K − 1) and `inflated` is set.
    /// `withinVariance` is Σₖ (nₖ/N)² s²ₖ/nₖ before any between-fold inflation.
    func combine() throws(MonteCarloError) -> (value: Double, variance: Double, withinVariance: Double, atFloor: Bool, inflated: Bool) {
        let total = Double(count)
        var value = 0.0, variance = 0.0, atFloor = false
        var foldVariances: [Double] = []
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
            foldVariances.append(s2 / Double(moments.count))
        }
        let within = variance
        var inflated = false
        let k = groups.count
        if k >= 2 {
            var q = 0.0, between = 0.0
            for (index, (moments, _)) in groups.enumerated() {
                let deviation = moments.mean - value
                let share = Double(moments.count) / total
                q += deviation * deviation / foldVariances[index]
                between += share * share * deviation * deviation
            }
            between *= Double(k) / Double(k - 1)
            let limit = ChiSquaredDistribution.quantile(0.999, degreesOfFreedom: Double(k - 1))
            if q > limit, between > variance {
                variance = between
                inflated = true
            }
        }
        return (value, variance, within, atFloor, inflated)
    }

    static let inflationWarning = "The fold means disagree far more than their within-fold standard errors allow (χ² test at 0.001): the variance was raised to the between-fold estimate. The fitted control may have heavy tails; treat the error bar with caution."

    static let roundingWarning = "The control explains f to within rounding error: the residual variance was raised to the rounding floor (mean of the squared per-draw rounding bounds), so the error bar is an upper bound, not a false zero."
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
