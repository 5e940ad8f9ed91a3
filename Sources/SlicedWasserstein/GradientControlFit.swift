/// The least-squares fit of one gradient coordinate on its own Gaussian-bound controls.
///
/// For coordinate (i, k) and direction θ_l the design row is A_l = [1, c¹, …, c^q] with
/// c^r = (θ_lᵀu^r_i)θ_{l,k} − u^r_{i,k}/d (centred at its known mean); the fit is computed from
/// the sums over directions only: G = AᵀA (q + 1 ≤ 3) and b = Aᵀg. Controls whose columns are
/// (numerically) collinear with the others are dropped one at a time, from the last.
struct GradientControlFit {
    /// (AᵀA)⁻¹ restricted to the kept controls, zero-padded to (q + 1)², row-major.
    var inverseGram: [Double]
    /// The OLS coefficients [intercept, slopes…], zero for dropped controls.
    var coefficients: [Double]
    /// gᵀg − bᵀ(AᵀA)⁻¹b (before any rounding floor).
    var residualSumOfSquares: Double
    /// The reciprocal condition number of the unit-diagonal Gram matrix (1 for an empty design).
    var reciprocalConditionNumber: Double
    /// The number of controls kept.
    var kept: Int

    /// - Parameters:
    ///   - gram: AᵀA, (q + 1) × (q + 1), row-major.
    ///   - moments: Aᵀg (q + 1).
    ///   - squares: gᵀg.
    init(gram: [Double], moments: [Double], squares: Double) {
        let size = moments.count
        var kept = size - 1
        while true {
            let k = kept + 1
            var scaled = [Double](repeating: 0, count: k * k)
            var scales = [Double](repeating: 0, count: k)
            var degenerate = false
            for a in 0..<k {
                let diagonal = gram[a * size + a]
                if !(diagonal > 0) { degenerate = true; break }
                scales[a] = 1 / diagonal.squareRoot()
            }
            if !degenerate {
                for a in 0..<k { for b in 0..<k { scaled[a * k + b] = gram[a * size + b] * scales[a] * scales[b] } }
                if let (inverse, rcond) = GradientControlFit.invertSmall(scaled, k), rcond > 1e-10 {
                    var inverseGram = [Double](repeating: 0, count: size * size)
                    for a in 0..<k { for b in 0..<k { inverseGram[a * size + b] = inverse[a * k + b] * scales[a] * scales[b] } }
                    var coefficients = [Double](repeating: 0, count: size)
                    var explained = 0.0
                    for a in 0..<k {
                        var s = 0.0
                        for b in 0..<k { s += inverseGram[a * size + b] * moments[b] }
                        coefficients[a] = s
                        explained += s * moments[a]
                    }
                    self.inverseGram = inverseGram
                    self.coefficients = coefficients
                    residualSumOfSquares = squares - explained
                    reciprocalConditionNumber = rcond
                    self.kept = kept
                    return
                }
            }
            // Drop the last control; the intercept alone (G = [L]) always succeeds.
            precondition(kept > 0, "the intercept-only design has a positive Gram matrix (L ≥ 1)")
            kept -= 1
        }
    }

    /// The inverse of a small symmetric positive definite matrix by Cholesky, with a cheap
    /// reciprocal condition estimate (smallest over largest squared pivot); nil if not SPD.
    static func invertSmall(_ a: [Double], _ k: Int) -> ([Double], Double)? {
        var l = [Double](repeating: 0, count: k * k)
        for i in 0..<k {
            for j in 0...i {
                var s = a[i * k + j]
                for t in 0..<j { s -= l[i * k + t] * l[j * k + t] }
                if i == j {
                    guard s > 0 else { return nil }
                    l[i * k + i] = s.squareRoot()
                } else {
                    l[i * k + j] = s / l[j * k + j]
                }
            }
        }
        var smallest = Double.infinity, largest = 0.0
        for i in 0..<k {
            let pivot = l[i * k + i] * l[i * k + i]
            smallest = min(smallest, pivot)
            largest = max(largest, pivot)
        }
        // Columns of L⁻¹ by forward substitution, then A⁻¹ = L⁻ᵀL⁻¹.
        var inverseL = [Double](repeating: 0, count: k * k)
        for column in 0..<k {
            for i in column..<k {
                var s = i == column ? 1.0 : 0.0
                for t in column..<i { s -= l[i * k + t] * inverseL[t * k + column] }
                inverseL[i * k + column] = s / l[i * k + i]
            }
        }
        var inverse = [Double](repeating: 0, count: k * k)
        for i in 0..<k {
            for j in 0..<k {
                var s = 0.0
                for t in max(i, j)..<k { s += inverseL[t * k + i] * inverseL[t * k + j] }
                inverse[i * k + j] = s
            }
        }
        return (inverse, smallest / largest)
    }
}
