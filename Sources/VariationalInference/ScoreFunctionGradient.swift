import Foundation
import MonteCarloCore
import VarianceReduction

extension EvidenceLowerBound {
    /// The score-function (REINFORCE) gradient with leave-one-out baselines.
    ///
    /// Each group of S ≥ 2 draws gives (1/S) Σ_s (log w_s − b₋ₛ) ∇_λ log q(z_s), with b₋ₛ the mean
    /// of the other S − 1 log-weights (Kool et al. 2019; Mnih & Rezende 2016). For the Gaussian
    /// family ∇_m log q = C⁻ᵀε and ∇_{C_ij} log q = (C⁻ᵀε)_i ε_j − δ_ij / C_jj.
    ///
    /// **Statistical properties.** Unbiased for ∇ELBO (the baseline of draw s does not depend on
    /// draw s, and E[∇ log q] = 0). `covariance` is the between-group sample covariance divided by
    /// the number of groups; ESS per component counts groups. Needs only log p(x, z), not its
    /// gradient, but its variance is typically far larger than the reparameterization gradient's.
    ///
    /// With `baseline: false` the plain score-function estimator (no baseline) is returned, for
    /// comparison; any group size ≥ 1 is then allowed.
    public func scoreFunctionGradient(groupSize: Int, groups: Int, seed: UInt64,
                                      baseline: Bool = true) throws(MonteCarloError) -> VectorEstimate {
        guard groupSize >= (baseline ? 2 : 1) else {
            throw .invalidParameter(name: "groupSize", value: Double(groupSize),
                                    requirement: baseline ? "at least 2 (leave-one-out baseline)" : "at least 1")
        }
        let q = approximation, model = self.model
        let d = q.dimension
        let positions = q.scaleParameterPositions
        let sampler = try StandardNormalVector(dimension: d * groupSize)
        let f = try VectorIntegrand<[Double]>(outputDimension: q.parameterCount) { epsilons in
            let draws = (0..<groupSize).map { Array(epsilons[($0 * d)..<(($0 + 1) * d)]) }
            let logWeights = draws.map { model.logJoint(q.transform($0)) - q.logDensity(atStandardized: $0) }
            let total = logWeights.reduce(0, +)
            var g = [Double](repeating: 0, count: q.parameterCount)
            for (s, epsilon) in draws.enumerated() {
                let b = baseline ? (total - logWeights[s]) / Double(groupSize - 1) : 0
                let weight = (logWeights[s] - b) / Double(groupSize)
                let v = q.inverseTransposeScale(epsilon)
                for i in 0..<d { g[i] += weight * v[i] }
                for (k, (row, column)) in positions.enumerated() {
                    g[d + k] += weight * (v[row] * epsilon[column] - (row == column ? 1 / q.scale[row, row] : 0))
                }
            }
            return g
        }
        let estimate = try VectorMonteCarlo(sampler: sampler, integrand: f).run(samples: groups, seed: seed)
        var diagnostics = estimate.diagnostics
        diagnostics.method = baseline ? "score-function-loo-\(groupSize)" : "score-function"
        return VectorEstimate(values: estimate.values, covariance: estimate.covariance,
                              sampleCount: estimate.sampleCount * groupSize,
                              effectiveSampleSizes: estimate.effectiveSampleSizes, diagnostics: diagnostics)
    }
}
