import Foundation
import MonteCarloCore

extension KozachenkoLeonenkoEntropy {
    /// The weights w₁…w_k given to the estimators built on the 1st…k-th neighbour distances.
    ///
    /// Unweighted (``Weighting/unweighted``, or ``Weighting/automatic`` in d ≤ 3): w_k = 1, the
    /// others 0. Weighted (``Weighting/automatic`` in d ≥ 4; Berrett, Samworth & Yuan 2019): the
    /// estimator on the j-th neighbour has bias Σ_ℓ c_ℓ(f) · (Γ(j + 2ℓ/d)/Γ(j)) · N^(−2ℓ/d) + …
    /// (the j-dependence is E V^(2ℓ/d) for the Gamma(j)-distributed normalised ball volume V),
    /// so weights with
    /// - Σⱼ wⱼ = 1 and Σⱼ wⱼ Γ(j + 2ℓ/d)/Γ(j) = 0 for ℓ = 1…⌊d/4⌋,
    /// - wⱼ = 0 unless j ∈ {⌊ik/d⌋ : i = 1…d} (their support restriction),
    ///
    /// cancel the terms of order N^(−2ℓ/d) that are not o(N^(−1/2)). Among such weights this
    /// returns the one of least Euclidean norm, w = Aᵀ(AAᵀ)⁻¹e₁ for the (⌊d/4⌋ + 1) × |support|
    /// constraint matrix A (computed from A = RQ by modified Gram–Schmidt on A's rows, which
    /// avoids squaring A's condition number).
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` when k < 1, d < 1,
    ///   or the support has fewer than ⌊d/4⌋ + 1 ranks (k too small for d).
    public func weights(dimension d: Int) throws(MonteCarloError) -> [Double] {
        let k = neighbors
        guard k >= 1 else { throw .invalidParameter(name: "neighbors", value: Double(k), requirement: "at least 1") }
        guard d >= 1 else { throw .invalidParameter(name: "dimension", value: Double(d), requirement: "at least 1") }
        var w = [Double](repeating: 0, count: k)
        let constraints = d / 4
        guard weighting == .automatic, constraints > 0 else {
            w[k - 1] = 1
            return w
        }
        var support: [Int] = []
        for i in 1...d where k * i / d >= 1 && !support.contains(k * i / d) { support.append(k * i / d) }
        let rows = constraints + 1
        guard support.count >= rows else {
            let needed = (1...).first { k in Set((1...d).map { k * $0 / d }.filter { $0 >= 1 }).count >= rows }!
            throw .invalidParameter(name: "neighbors", value: Double(k),
                                    requirement: "at least \(needed) in dimension \(d) (the weighted estimator needs \(rows) "
                                        + "distinct ranks ⌊ik/d⌋ for its \(constraints) bias constraint(s))")
        }
        // A[ℓ][s] = Γ(j_s + 2ℓ/d)/Γ(j_s), ℓ = 0…L (row 0 all ones).
        var a = [[Double]](repeating: [], count: rows)
        for l in 0..<rows {
            let shift = 2 * Double(l) / Double(d)
            a[l] = support.map { j in exp(lgamma(Double(j) + shift) - lgamma(Double(j))) }
        }
        // A = R·Q with Q's rows orthonormal (modified Gram–Schmidt on A's rows, R lower
        // triangular); then w = Qᵀy with R·y = e₁ is the least-norm solution of A·w = e₁.
        var q = a
        var r = [[Double]](repeating: [Double](repeating: 0, count: rows), count: rows)
        for l in 0..<rows {
            for _ in 0..<2 {  // twice: the rows are nearly parallel for large d and k
                for p in 0..<l {
                    let projection = zip(q[l], q[p]).reduce(0) { $0 + $1.0 * $1.1 }
                    r[l][p] += projection
                    for s in q[l].indices { q[l][s] -= projection * q[p][s] }
                }
            }
            let norm = q[l].reduce(0) { $0 + $1 * $1 }.squareRoot()
            let original = a[l].reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm > 1e-12 * original else {
                throw .invalidParameter(name: "neighbors", value: Double(k),
                                        requirement: "a support {⌊ik/d⌋} on which the bias constraints are independent")
            }
            r[l][l] = norm
            for s in q[l].indices { q[l][s] /= norm }
        }
        var y = [Double](repeating: 0, count: rows)
        for l in 0..<rows {
            var rest = l == 0 ? 1.0 : 0.0
            for p in 0..<l { rest -= r[l][p] * y[p] }
            y[l] = rest / r[l][l]
        }
        for (s, j) in support.enumerated() {
            var value = 0.0
            for l in 0..<rows { value += q[l][s] * y[l] }
            w[j - 1] = value
        }
        return w
    }
}
