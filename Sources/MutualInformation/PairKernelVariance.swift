import MonteCarloCore

/// The unbiased variance estimate of a U-statistic of order 2 over the B i.i.d. pairs
/// zᵢ = (xᵢ, yᵢ) of a score matrix, for the kernel every score-matrix bound linearises to:
///
///     h(zᵢ, zⱼ) = (aᵢ + aⱼ)/2 − s·Wᵢⱼ,   Wᵢⱼ = (wᵢⱼ + wⱼᵢ)/2,
///
/// with aᵢ a term of pair i alone (the diagonal score), wᵢⱼ an off-diagonal weight (which
/// depends on xᵢ and yⱼ, so on zᵢ and zⱼ) and s a scale (the derivative of the bound in the
/// partition mean).
///
/// The U-statistic U = mean_{i<j} h has variance (4(B − 2)ζ₁ + 2ζ₂)/(B(B − 1)) (Hoeffding 1948):
/// both the row/column projection ζ₁ and the pair term ζ₂ are kept. It is estimated without
/// bias by U² minus the U-statistic of order 4 for θ² (the mean of h_p·h_q over pairs of pairs
/// p, q with no index in common), which the row sums Rᵢ = Σ_{j≠i} hᵢⱼ of the centred kernel give
/// in O(B) once the O(B²) sums below are known:
///
///     Σ_{p, q disjoint} h_p h_q = (Σ_p h_p)² − Σᵢ Rᵢ² + Σ_p h_p².
///
/// The estimate can be negative (its own noise can exceed a small true variance); callers then
/// fall back to a jackknife.
struct PairKernelVariance {
    /// U² − θ²̂: unbiased for the variance of U; may be ≤ 0.
    let variance: Double
    /// Rᵢ = Σ_{j≠i} hᵢⱼ of the centred kernel (the delete-one jackknife of U is −Rᵢ/C(B − 1, 2)).
    let rowKernelSums: [Double]

    /// - Parameters:
    ///   - diagonal: aᵢ, B ≥ 4 values.
    ///   - rowSums, columnSums: Σ_{j≠i} wᵢⱼ and Σ_{j≠i} wⱼᵢ.
    ///   - meanWeight: W̄ = Σ_{i≠j} wᵢⱼ / (B(B − 1)).
    ///   - pairSquares: Σ_{i<j} (Wᵢⱼ − K)² about a provisional centre K = `pairShift`.
    ///   - kernelScale: s.
    init(diagonal: [Double], rowSums: [Double], columnSums: [Double], meanWeight: Double, pairSquares: Double,
         pairShift: Double, kernelScale s: Double) {
        let b = diagonal.count
        let pairCount = Double(b * (b - 1) / 2)
        let mean = diagonal.reduce(0, +) / Double(b)
        // Centred kernel: Ãᵢⱼ = (ãᵢ + ãⱼ)/2 with ã = a − ā, W̃ᵢⱼ = Wᵢⱼ − W̄.
        var diagonalSum = 0.0, diagonalSquares = 0.0
        for a in diagonal {
            diagonalSum += a - mean
            diagonalSquares += (a - mean) * (a - mean)
        }
        var rows = [Double](repeating: 0, count: b)
        var crossAW = 0.0  // Σ_pairs Ãᵢⱼ Wᵢⱼ
        for i in 0..<b {
            let centred = diagonal[i] - mean
            let pairWeightSum = 0.5 * (rowSums[i] + columnSums[i])  // Σ_{j≠i} Wᵢⱼ
            rows[i] = 0.5 * (Double(b - 2) * centred + diagonalSum) - s * (pairWeightSum - Double(b - 1) * meanWeight)
            crossAW += 0.5 * centred * pairWeightSum
        }
        let sumAA = (Double(b - 2) * diagonalSquares + diagonalSum * diagonalSum) / 4
        let sumA = Double(b - 1) * diagonalSum / 2
        let sumAWCentred = crossAW - meanWeight * sumA
        let sumWWCentred = max(0, pairSquares - pairCount * (meanWeight - pairShift) * (meanWeight - pairShift))
        let kernelSquares = sumAA - 2 * s * sumAWCentred + s * s * sumWWCentred
        let disjointCount = pairCount * Double((b - 2) * (b - 3) / 2)
        let rowSquares = rows.reduce(0) { $0 + $1 * $1 }
        variance = (rowSquares - kernelSquares) / disjointCount
        rowKernelSums = rows
    }

    /// The delete-one jackknife variance of U for the linearised kernel, conservative by the
    /// Efron–Stein inequality (it counts the pair term 2ζ₂/(B(B − 1)) about twice).
    var jackknifeVariance: Double {
        let b = rowKernelSums.count
        let reduced = Double((b - 1) * (b - 2) / 2)
        var moments = RunningMoments()
        for r in rowKernelSums { moments.add(-r / reduced) }
        return Double(b - 1) * Double(b - 1) / Double(b) * moments.sampleVariance
    }
}
