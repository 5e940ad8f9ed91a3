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
}
