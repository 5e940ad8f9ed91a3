import Foundation
import MonteCarloCore
import VarianceReduction

extension EvidenceLowerBound {
    /// VIMCO or plain score-function gradient of IWAE_K for one group of K draws, plus the group's
    /// Kish ESS (the last component).
    ///
    /// With L̂ = log (1/K) Σ_j w_j, the group's gradient is Σ_k (L̂ − b_k − w̃_k) ∇_λ log q(z_k), where
    /// ∇_m log q = C⁻ᵀε and ∇_{C_ij} log q = (C⁻ᵀε)_i ε_j − δ_ij / C_jj. The plain estimator has
    /// b_k = 0; VIMCO (Mnih & Rezende 2016) has b_k = L̂₋ₖ = log (1/K)(Σ_{j≠k} w_j + ŵ₋ₖ), with
    /// ŵ₋ₖ = exp(mean_{j≠k} log w_j) the geometric mean of the other weights. The log-sums over
    /// j ≠ k come from prefix and suffix log-sum-exps, so no weight is subtracted from a sum
    /// (which would lose all precision when w_k dominates).
    func scoreFunctionGroupIntegrand(groupSize: Int, vimco: Bool) -> VectorIntegrand<[Double]> {
        let model = self.model, q = approximation
        let d = q.dimension, p = q.parameterCount
        let positions = q.scaleParameterPositions
        return VectorIntegrand(validatedOutputDimension: p + 1) { epsilons in
            let draws = (0..<groupSize).map { Array(epsilons[($0 * d)..<(($0 + 1) * d)]) }
            var logWeights = [Double](repeating: 0, count: groupSize)
            for k in 0..<groupSize {
                logWeights[k] = model.logJoint(q.transform(draws[k])) - q.logDensity(atStandardized: draws[k])
            }
            guard let weights = Self.normalizedWeights(logWeights[...]) else { return Array(repeating: .nan, count: p + 1) }
            let value = Self.logMeanExp(logWeights)
            let baselines = vimco ? Self.leaveOneOutBaselines(logWeights) : Array(repeating: 0, count: groupSize)
            var g = [Double](repeating: 0, count: p + 1)
            var squareSum = 0.0
            for k in 0..<groupSize {
                let signal = value - baselines[k] - weights[k]
                squareSum += weights[k] * weights[k]
                let v = q.inverseTransposeScale(draws[k])
                for i in 0..<d { g[i] += signal * v[i] }
                for (position, (row, column)) in positions.enumerated() {
                    g[d + position] += signal * (v[row] * draws[k][column] - (row == column ? 1 / q.scale[row, row] : 0))
                }
            }
            g[p] = 1 / squareSum
            return g
        }
    }

    /// VIMCO's baselines L̂₋ₖ = log (1/K)(Σ_{j≠k} w_j + exp(mean_{j≠k} log w_j)) for finite log-weights, K ≥ 2.
    static func leaveOneOutBaselines(_ logWeights: [Double]) -> [Double] {
        let count = logWeights.count
        let logK = log(Double(count))
        let total = logWeights.reduce(0, +)
        // prefix[k] = logsumexp(logWeights[..<k]), suffix[k] = logsumexp(logWeights[k...]).
        var prefix = [Double](repeating: -.infinity, count: count + 1)
        var suffix = [Double](repeating: -.infinity, count: count + 1)
        for k in 0..<count { prefix[k + 1] = logAddExp(prefix[k], logWeights[k]) }
        for k in stride(from: count - 1, through: 0, by: -1) { suffix[k] = logAddExp(suffix[k + 1], logWeights[k]) }
        return (0..<count).map { k in
            let geometricMean = (total - logWeights[k]) / Double(count - 1)
            return logAddExp(logAddExp(prefix[k], suffix[k + 1]), geometricMean) - logK
        }
    }

    /// log(eᵃ + eᵇ), exact when either is −∞.
    static func logAddExp(_ a: Double, _ b: Double) -> Double {
        let (high, low) = a >= b ? (a, b) : (b, a)
        guard low > -.infinity else { return high }
        return high + log1p(exp(low - high))
    }
}
