import Foundation
import MonteCarloCore

/// Observations x_i ~ N(θ, σ²) with unknown mean θ ~ N(μ₀, τ₀²): the simplest model with an
/// exact posterior and log evidence, used to test ELBO estimators against closed forms.
public struct NormalNormalModel: ProbabilisticModel, Hashable, Codable {
    /// The data x₁ … x_n.
    public let observations: [Double]
    /// Prior mean μ₀.
    public let priorMean: Double
    /// Prior standard deviation τ₀.
    public let priorStandardDeviation: Double
    /// Known noise standard deviation σ.
    public let noiseStandardDeviation: Double

    /// Creates the model.
    /// - Throws: `MonteCarloError` for no observations, non-finite data or non-positive scales.
    public init(observations: [Double], priorMean: Double = 0, priorStandardDeviation: Double = 1,
                noiseStandardDeviation: Double = 1) throws(MonteCarloError) {
        guard !observations.isEmpty else { throw .insufficientSamples(needed: 1, available: 0, reason: "(observations)") }
        try Check.finite(observations, "observations")
        try Check.finite([priorMean], "priorMean")
        try Check.positive(priorStandardDeviation, "priorStandardDeviation")
        try Check.positive(noiseStandardDeviation, "noiseStandardDeviation")
        self.observations = observations
        self.priorMean = priorMean
        self.priorStandardDeviation = priorStandardDeviation
        self.noiseStandardDeviation = noiseStandardDeviation
    }

    public var dimension: Int { 1 }

    var count: Double { Double(observations.count) }
    var sampleMean: Double { observations.reduce(0, +) / count }
    var noiseVariance: Double { noiseStandardDeviation * noiseStandardDeviation }
    var priorVariance: Double { priorStandardDeviation * priorStandardDeviation }

    public func logJoint(_ z: [Double]) -> Double {
        let theta = z[0]
        var squares = 0.0
        for x in observations { squares += (x - theta) * (x - theta) }
        let prior = (theta - priorMean) * (theta - priorMean)
        return -0.5 * count * log(2 * Double.pi * noiseVariance) - squares / (2 * noiseVariance)
            - 0.5 * log(2 * Double.pi * priorVariance) - prior / (2 * priorVariance)
    }

    public func gradientLogJoint(_ z: [Double]) -> [Double] {
        let theta = z[0]
        return [count * (sampleMean - theta) / noiseVariance - (theta - priorMean) / priorVariance]
    }

    /// Posterior variance τ_n² = 1/(1/τ₀² + n/σ²).
    public var posteriorVariance: Double { 1 / (1 / priorVariance + count / noiseVariance) }

    /// Posterior mean μ_n = τ_n²(μ₀/τ₀² + n x̄/σ²).
    public var posteriorMean: Double { posteriorVariance * (priorMean / priorVariance + count * sampleMean / noiseVariance) }

    /// The exact log evidence log p(x).
    public var logEvidence: Double {
        let xbar = sampleMean
        var scatter = 0.0
        for x in observations { scatter += (x - xbar) * (x - xbar) }
        return -0.5 * count * log(2 * Double.pi * noiseVariance) - 0.5 * log(1 + count * priorVariance / noiseVariance)
            - scatter / (2 * noiseVariance) - count * (xbar - priorMean) * (xbar - priorMean) / (2 * (noiseVariance + count * priorVariance))
    }

    /// The exact Rényi variational bound L_α(q) = (1/(1 − α)) log E_q[(p(x, θ)/q(θ))^{1−α}]
    /// (Li & Turner 2016) of a Gaussian q = N(m, s²); at α = 1 its limit, the ELBO.
    ///
    /// L_α = log p(x) − D_α(q ‖ p(θ | x)) equals log p(x) at α = 0, decreases in α, lies between
    /// the ELBO and log p(x) for 0 < α < 1, above log p(x) for α < 0 and below the ELBO for α > 1.
    /// It is the limit as K → ∞ of the K-sample objective that
    /// ``EvidenceLowerBound/renyi(alpha:groupSize:groups:seed:)`` estimates.
    ///
    /// ```swift
    /// let model = try NormalNormalModel(observations: [0.5, 1.2, -0.3, 0.8, 1.0])
    /// let q = try GaussianApproximation.meanField(mean: [0.2], standardDeviations: [0.6])
    /// try model.renyiBound(alpha: 0.5, of: q)   // −6.525095; α = 1 gives the ELBO −6.875518
    /// ```
    ///
    /// **Derivation.** With the posterior π = N(μ_n, τ_n²), the weight is w = p(x) π/q, so
    /// E_q[w^{1−α}] = p(x)^{1−α} ∫ q^α π^{1−α} dθ. The exponent of the integrand is −½ times
    /// α(θ − m)²/s² + (1 − α)(θ − μ_n)²/τ_n² = a(θ − c)² + α(1 − α)δ²/v_α, with δ = m − μ_n,
    /// v_α = ατ_n² + (1 − α)s² and a = v_α/(s²τ_n²). For v_α > 0 the Gaussian integral gives
    /// ∫ q^α π^{1−α} dθ = s^{1−α} τ_n^α v_α^{−1/2} exp(−α(1 − α)δ²/(2v_α)) (the 2π factors cancel), so
    ///
    ///     L_α = log p(x) + log s + (α log τ_n − ½ log v_α)/(1 − α) − αδ²/(2v_α).
    ///
    /// At α = 0 this is log p(x); as α → 1 (l'Hôpital) it tends to log p(x) − KL(q ‖ π) with
    /// KL = log(τ_n/s) + (s² + δ²)/(2τ_n²) − ½, the ELBO. For v_α ≤ 0 (α > 1 with q wider than
    /// allowed, s² ≥ ατ_n²/(α − 1); or α < 0 with q too narrow) the expectation diverges:
    /// L_α = +∞ for α < 1 and −∞ for α > 1.
    ///
    /// - Parameters:
    ///   - alpha: the order α, finite; 1 gives the ELBO.
    ///   - q: a one-dimensional Gaussian approximation.
    /// - Returns: L_α(q), possibly ±∞ where the expectation diverges (see above).
    /// - Throws: `MonteCarloError.invalidParameter` for a non-finite α,
    ///   `MonteCarloError.dimensionMismatch` when q is not one-dimensional.
    public func renyiBound(alpha: Double, of q: GaussianApproximation) throws(MonteCarloError) -> Double {
        guard alpha.isFinite else { throw .invalidParameter(name: "alpha", value: alpha, requirement: "finite") }
        guard q.dimension == 1 else { throw .dimensionMismatch(what: "variational approximation", expected: 1, actual: q.dimension) }
        let s = q.scale[0, 0], delta = q.mean[0] - posteriorMean, tau2 = posteriorVariance
        if alpha == 1 {
            return logEvidence - (0.5 * log(tau2) - log(s) + (s * s + delta * delta) / (2 * tau2) - 0.5)
        }
        let v = alpha * tau2 + (1 - alpha) * s * s
        guard v > 0 else { return alpha < 1 ? .infinity : -.infinity }
        return logEvidence + log(s) + (0.5 * alpha * log(tau2) - 0.5 * log(v)) / (1 - alpha) - alpha * delta * delta / (2 * v)
    }
}
