import Foundation
import LinearAlgebra
import MonteCarloCore
import VarianceReduction

/// Estimators of the evidence lower bound ELBO(q) = E_q[log p(x, z) − log q(z)] ≤ log p(x), its
/// importance-weighted and Rényi refinements, and its gradient, each with its variance.
///
/// Every estimator is an expectation over ε ~ N(0, I) (z = m + Cε), so it runs through the
/// toolkit's generic estimators: plain Monte Carlo, antithetic pairs (ε, −ε) and randomized QMC
/// compose without extra code, and their error bars come with them.
///
/// ```swift
/// let model = try NormalNormalModel(observations: [0.5, 1.2, -0.3, 0.8, 1.0])
/// let q = try GaussianApproximation.meanField(mean: [0.2], standardDeviations: [0.6])
/// let elbo = EvidenceLowerBound(model: model, approximation: q)
/// let value = try elbo.estimate(samples: 10_000, seed: 1)     // −6.8755 ± 0.015
/// let iwae = try elbo.importanceWeighted(groupSize: 100, groups: 1000, seed: 1)
/// ```
public struct EvidenceLowerBound<Model: ProbabilisticModel>: Sendable {
    /// The model p(x, z).
    public let model: Model
    /// The variational approximation q.
    public let approximation: GaussianApproximation

    /// Which unbiased form of the ELBO integrand to average.
    public enum ValueForm: String, Sendable, Hashable, Codable {
        /// log p(x, z) − log q(z): zero variance when q is the posterior.
        case logWeight
        /// log p(x, z) + H[q] with the entropy in closed form: lower variance only when q is much
        /// narrower than the posterior (variance d/2 per draw at the optimum of a Gaussian target).
        case closedFormEntropy
    }

    /// How the ε draws are arranged.
    public enum Sampling: Sendable, Hashable, Codable {
        /// Independent draws.
        case independent
        /// Antithetic pairs (ε, −ε): removes the odd part of the integrand, doubles the even part.
        case antithetic
        /// Randomized Sobol points, `pointsPerReplicate` per randomization. Sobol goes to 40
        /// dimensions; beyond that the estimate falls back to independent draws (with as many
        /// evaluations) and says so in its warnings.
        case quasiMonteCarlo(pointsPerReplicate: Int)
        /// Regression control variates in ε with known means, fitted by cross-fitting: the
        /// quadratic monomials ε_i (mean 0), ε_i² (mean 1) and, for d ≤ 12, ε_iε_j (mean 0). A
        /// second-order Taylor expansion of the integrand around the mean is a combination of
        /// them (in the spirit of Miller et al. 2017), so the estimate is exact when log p(x, z)
        /// is quadratic (Gaussian targets) and much more precise when it is nearly so.
        case controlVariates
    }

    /// Creates the estimator for `model` and `approximation` of the same dimension.
    public init(model: Model, approximation: GaussianApproximation) {
        precondition(model.dimension == approximation.dimension, "model and approximation dimensions differ")
        self.model = model
        self.approximation = approximation
    }

    /// Creates the estimator, checking dimensions.
    public static func checked(model: Model, approximation: GaussianApproximation) throws(MonteCarloError) -> Self {
        guard model.dimension == approximation.dimension else {
            throw .dimensionMismatch(what: "variational approximation", expected: model.dimension, actual: approximation.dimension)
        }
        return Self(model: model, approximation: approximation)
    }

    var standardNormal: StandardNormalVector { try! StandardNormalVector(dimension: approximation.dimension) }

    /// The ELBO integrand as a function of ε.
    public func integrand(_ form: ValueForm) -> Integrand<[Double]> {
        let model = self.model, q = approximation
        switch form {
        case .logWeight:
            return Integrand { epsilon in model.logJoint(q.transform(epsilon)) - q.logDensity(atStandardized: epsilon) }
        case .closedFormEntropy:
            let entropy = q.entropy
            return Integrand { epsilon in model.logJoint(q.transform(epsilon)) + entropy }
        }
    }

    /// The ELBO value.
    ///
    /// **Statistical properties.** Unbiased for ELBO(q) in every form and sampling scheme.
    /// `variance` is the variance of the estimator: s²/n for independent draws, the pair-mean
    /// variance for antithetic pairs, the replicate variance for QMC (t interval with R − 1
    /// degrees of freedom), exactly as in `PlainMonteCarlo`, `AntitheticMonteCarlo` and
    /// `RandomizedQuasiMonteCarlo`. ESS is σ²_plain / variance.
    /// - Parameters:
    ///   - samples: draws (independent, control variates), pairs (antithetic) or replicates (QMC).
    ///   - seed: the seed of the random streams.
    ///   - form: which unbiased integrand to average.
    ///   - sampling: how the ε draws are arranged.
    public func estimate(samples: Int, seed: UInt64, form: ValueForm = .logWeight,
                         sampling: Sampling = .independent) throws(MonteCarloError) -> Estimate {
        let f = integrand(form)
        switch sampling {
        case .independent:
            return try PlainMonteCarlo(sampler: standardNormal, integrand: f).run(samples: samples, seed: seed)
        case .antithetic:
            return try AntitheticMonteCarlo(sampler: standardNormal, integrand: f).run(samples: samples, seed: seed)
        case .quasiMonteCarlo(let points):
            guard quasiMonteCarloAvailable else {
                let fallback = try PlainMonteCarlo(sampler: standardNormal, integrand: f)
                    .run(samples: samples * points, seed: seed)
                var diagnostics = fallback.diagnostics
                diagnostics.warnings.append(qmcFallbackWarning)
                return Estimate(value: fallback.value, variance: fallback.variance, sampleCount: fallback.sampleCount,
                                effectiveSampleSize: fallback.effectiveSampleSize, degreesOfFreedom: fallback.degreesOfFreedom,
                                diagnostics: diagnostics)
            }
            return try RandomizedQuasiMonteCarlo(sampler: standardNormal, integrand: f, pointsPerReplicate: points)
                .run(samples: samples, seed: seed)
        case .controlVariates:
            let (controls, means) = Self.quadraticControls(dimension: approximation.dimension)
            return try ControlVariateMonteCarlo(sampler: standardNormal, integrand: f, controls: controls,
                                                controlMeans: means).run(samples: samples, seed: seed)
        }
    }

    /// Whether Sobol points exist in this dimension (otherwise QMC falls back to independent draws).
    var quasiMonteCarloAvailable: Bool { approximation.dimension <= QuasiRandomPointSet.Kind.sobol.maximumDimension }

    /// The warning attached when QMC fell back to independent draws.
    var qmcFallbackWarning: String {
        "Sobol points go to 40 dimensions; this d = \(approximation.dimension) estimate used independent draws instead."
    }

    /// ε_i, ε_i² and (d ≤ 12) ε_iε_j for i < j, with their means under N(0, I).
    static func quadraticControls(dimension d: Int) -> (VectorIntegrand<[Double]>, [Double]) {
        let crossTerms = d <= 12
        let count = 2 * d + (crossTerms ? d * (d - 1) / 2 : 0)
        let means = Array(repeating: 0.0, count: d) + Array(repeating: 1.0, count: d)
            + Array(repeating: 0.0, count: count - 2 * d)
        let controls = VectorIntegrand<[Double]>(validatedOutputDimension: count, batch: { points, values in
            for (p, e) in points.enumerated() {
                var c = p * count
                for i in 0..<d { values[c] = e[i]; c += 1 }
                for i in 0..<d { values[c] = e[i] * e[i]; c += 1 }
                if crossTerms {
                    for i in 0..<d { for j in (i + 1)..<max(i + 1, d) { values[c] = e[i] * e[j]; c += 1 } }
                }
            }
        })
        return (controls, means)
    }

    /// The importance-weighted bound IWAE_K = E[log (1/K) Σ_k w(z_k)] (Burda et al. 2016).
    ///
    /// **Statistical properties.** Unbiased for IWAE_K, which itself is a lower bound of log p(x)
    /// with bias ≈ −χ²(p ‖ q)/(2K) for large K; the error bar does **not** cover that bias
    /// (declared in the diagnostics). `variance` is s²/R over R independent groups of K draws
    /// (each group's log-mean-exp is one sample). ESS is per group: σ²/variance counts groups.
    public func importanceWeighted(groupSize: Int, groups: Int, seed: UInt64) throws(MonteCarloError) -> Estimate {
        try groupedBound(groupSize: groupSize, groups: groups, seed: seed, method: "iwae-\(groupSize)",
                         bias: "lower bound of log p(x); bias ≈ −χ²(p‖q)/(2K), not in the error bar") { logWeights in
            Self.logMeanExp(logWeights)
        }
    }

    /// The K-sample Rényi objective L_{α,K} = E[(1/(1 − α)) log (1/K) Σ_k w_k^{1−α}] over K
    /// independent draws, w = p(x, z)/q(z) (the VR bound of Li & Turner 2016), α ≠ 1.
    ///
    /// Each group of K draws gives one value (1/(1 − α)) log (1/K) Σ_k w_k^{1−α}, computed with a
    /// max shift; the estimate is the mean over `groups` groups. At K = 1 the group value is
    /// log w (up to rounding), so L_{α,1} is the ELBO for every α. As K grows, L_{α,K} moves
    /// monotonically (Jensen, as in Burda et al. 2016) from the ELBO to the bound
    /// L_α = (1/(1 − α)) log E_q[w^{1−α}] = log p(x) − D_α(q ‖ p(· | x)): upward for α < 1
    /// (α = 0 is IWAE_K, whose limit is log p(x); 0 < α < 1 stays between the ELBO and
    /// log p(x); for α < 0 the limit exceeds log p(x), though a finite-K objective may not) and
    /// downward for α > 1 (the limit lies below the ELBO). `NormalNormalModel.renyiBound(alpha:of:)`
    /// gives L_α in closed form for that model.
    ///
    /// ```swift
    /// let vr = try elbo.renyi(alpha: 0.5, groupSize: 100, groups: 2000, seed: 1)   // −6.527 ± 0.002
    /// ```
    ///
    /// **Statistical properties.** Unbiased for L_{α,K}; its bias relative to L_α is, to first
    /// order in 1/K (delta method), −c²/(2K(1 − α)) with c² = Var_q(w^{1−α})/E_q[w^{1−α}]², which is
    /// declared in the diagnostics and not covered by the error bar; c² is finite only when
    /// E_q[w^{2(1−α)}] is. `variance` is s²/R, the sample variance of the R group values over R:
    /// the variance of the estimator of L_{α,K}. ESS counts groups (σ²_group / variance = R);
    /// `sampleCount` counts draws, R·K.
    /// - Parameters:
    ///   - alpha: the order α: finite and not 1.
    ///   - groupSize: draws per group K ≥ 1.
    ///   - groups: independent groups R ≥ 2.
    ///   - seed: the seed of the random streams.
    /// - Throws: `MonteCarloError.invalidParameter` for α = 1, a non-finite α or K < 1; the
    ///   driver's errors for too few groups; `MonteCarloError.nonFinite` when a group value is
    ///   not finite (a NaN or infinite log density; for α > 1 also a zero weight, w^{1−α} = ∞).
    public func renyi(alpha: Double, groupSize: Int, groups: Int, seed: UInt64) throws(MonteCarloError) -> Estimate {
        guard alpha.isFinite, alpha != 1 else {
            throw .invalidParameter(name: "alpha", value: alpha, requirement: "finite and not 1")
        }
        return try groupedBound(groupSize: groupSize, groups: groups, seed: seed, method: "renyi-\(alpha)-\(groupSize)",
                                bias: "the K-sample Rényi objective: below L_α for α < 1, above it for α > 1, by ≈ c²/(2K|1 − α|), not in the error bar") { logWeights in
            Self.logMeanExp(logWeights.map { (1 - alpha) * $0 }) / (1 - alpha)
        }
    }

    private func groupedBound(groupSize: Int, groups: Int, seed: UInt64, method: String, bias: String,
                              combine: @escaping @Sendable ([Double]) -> Double) throws(MonteCarloError) -> Estimate {
        guard groupSize >= 1 else {
            throw .invalidParameter(name: "groupSize", value: Double(groupSize), requirement: "at least 1")
        }
        let d = approximation.dimension
        let model = self.model, q = approximation
        let sampler = try StandardNormalVector(dimension: d * groupSize)
        let f = Integrand<[Double]> { epsilons in
            let logWeights = (0..<groupSize).map { k -> Double in
                let epsilon = Array(epsilons[(k * d)..<((k + 1) * d)])
                return model.logJoint(q.transform(epsilon)) - q.logDensity(atStandardized: epsilon)
            }
            return combine(logWeights)
        }
        let plain = try PlainMonteCarlo(sampler: sampler, integrand: f).run(samples: groups, seed: seed)
        var diagnostics = plain.diagnostics
        diagnostics.method = method
        diagnostics.declaredBias = bias
        return Estimate(value: plain.value, variance: plain.variance, sampleCount: plain.sampleCount * groupSize,
                        effectiveSampleSize: plain.effectiveSampleSize, degreesOfFreedom: plain.degreesOfFreedom,
                        diagnostics: diagnostics)
    }

    /// log((1/K) Σ exp(a_k)) with the max shift.
    static func logMeanExp(_ values: [Double]) -> Double {
        guard let top = values.max(), top.isFinite else { return values.max() ?? -.infinity }
        let sum = values.reduce(0) { $0 + exp($1 - top) }
        return top + log(sum / Double(values.count))
    }
}
