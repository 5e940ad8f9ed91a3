import Foundation
import LinearAlgebra
import MonteCarloCore
import VarianceReduction

/// Fits a Gaussian approximation by stochastic gradient ascent on the ELBO (Adam), stopping
/// when the ELBO's change is within its Monte Carlo noise.
///
/// Parameters are optimized on an unconstrained scale: the mean, the logarithm of the scale's
/// diagonal and (full-rank) the strictly lower entries. Every `checkInterval` iterations the ELBO
/// is estimated with its standard error on fresh draws; the fit stops when a check differs from
/// the one `window − 1` checks earlier by at most `tolerance` combined standard errors (the
/// change is within noise; ``StopReason/converged``), or after `maximumIterations`
/// (``StopReason/iterationLimit``). Iteration t draws from stream t of the seed, so a fit is
/// reproducible.
///
/// ```swift
/// let fit = try VariationalFit(gradient: .stickingTheLanding).run(model: model, initial: q0, seed: 1)
/// print(fit.elbo, fit.approximation.mean, fit.stopReason)
/// ```
///
/// **Statistical properties.** The rule tests the ELBO's *change*, not its distance to the
/// optimum. Checks use fresh draws, so two checks are independent estimates; if the ELBO no
/// longer moves, a comparison passes with probability about P(|Z| ≤ tolerance) (0.95 at the
/// default 2), and if it rises by Δ between the compared checks, with combined standard error σ,
/// about Φ(tolerance − Δ/σ) − Φ(−tolerance − Δ/σ) (1.3·10⁻³ at Δ = 5σ). An ELBO that still climbs
/// by less than its noise per `window − 1` check intervals can therefore stop early: more
/// `samplesPerCheck` or a longer `window` make the rule stricter. `Result.elbo` is a fresh
/// estimate on 5 × `samplesPerCheck` draws, unbiased for the ELBO of the returned q, with the
/// variance s²/n of ``EvidenceLowerBound/estimate(samples:seed:form:sampling:)``.
public struct VariationalFit: Sendable {
    /// The gradient estimator used for the updates.
    public var gradient: ELBOGradientEstimator
    /// Draws per gradient step.
    public var samplesPerStep: Int
    /// Adam's step size.
    public var learningRate: Double
    /// The most iterations.
    public var maximumIterations: Int
    /// Iterations between ELBO checks.
    public var checkInterval: Int
    /// Draws per ELBO check.
    public var samplesPerCheck: Int
    /// Stop when |ΔELBO| ≤ tolerance · √(SE₁² + SE₂²) across `window − 1` check intervals.
    public var tolerance: Double
    /// Number of checks the stopping comparison spans (at least 2).
    public var window: Int

    /// Creates a fitting configuration.
    public init(gradient: ELBOGradientEstimator = .stickingTheLanding, samplesPerStep: Int = 16,
                learningRate: Double = 0.05, maximumIterations: Int = 5000, checkInterval: Int = 100,
                samplesPerCheck: Int = 2000, tolerance: Double = 2, window: Int = 4) {
        self.gradient = gradient
        self.samplesPerStep = samplesPerStep
        self.learningRate = learningRate
        self.maximumIterations = maximumIterations
        self.checkInterval = checkInterval
        self.samplesPerCheck = samplesPerCheck
        self.tolerance = tolerance
        self.window = window
    }

    /// Why a fit stopped.
    public enum StopReason: String, Sendable, Hashable, Codable, CaseIterable {
        /// At a check, the ELBO differed from the one `window − 1` checks earlier by at most
        /// `tolerance` combined standard errors: its change was within noise.
        case converged
        /// `maximumIterations` ran out before that happened.
        case iterationLimit
    }

    /// The outcome of a fit.
    ///
    /// On ``StopReason/converged``, `iterations` is a multiple of `checkInterval`, at least
    /// `window · checkInterval` (the first check with `window − 1` earlier ones to compare with),
    /// `history` has `iterations / checkInterval` entries and its last one is the first check
    /// that met the rule. On ``StopReason/iterationLimit``, `iterations` is `maximumIterations`
    /// and no check met the rule.
    public struct Result: Sendable {
        /// The fitted approximation.
        public let approximation: GaussianApproximation
        /// The final ELBO estimate (fresh draws, 5 × `samplesPerCheck`).
        public let elbo: Estimate
        /// Iterations run.
        public let iterations: Int
        /// Why the fit stopped.
        public let stopReason: StopReason
        /// The ELBO estimate at every check, in order.
        public let history: [Estimate]

        /// Whether the ELBO stopped changing beyond its noise before the iteration cap.
        public var converged: Bool { stopReason == .converged }
    }

    /// Runs the fit from `initial`.
    /// - Throws: `MonteCarloError` for invalid settings, a model/approximation mismatch, or a
    ///   non-finite gradient (the error names the iteration).
    public func run<Model: ProbabilisticModel>(model: Model, initial: GaussianApproximation,
                                               seed: UInt64) throws(MonteCarloError) -> Result {
        guard samplesPerStep >= 2, checkInterval >= 1, samplesPerCheck >= 2, maximumIterations >= 1, window >= 2 else {
            throw .invalidArgument("VariationalFit needs samplesPerStep ≥ 2, checkInterval ≥ 1, samplesPerCheck ≥ 2, maximumIterations ≥ 1 and window ≥ 2.")
        }
        guard learningRate > 0, learningRate.isFinite, tolerance > 0 else {
            throw .invalidParameter(name: "learningRate", value: learningRate, requirement: "finite and positive, with a positive tolerance")
        }
        guard model.dimension == initial.dimension else {
            throw .dimensionMismatch(what: "initial approximation", expected: model.dimension, actual: initial.dimension)
        }
        let streams = RandomStreams(seed: seed)
        var q = initial
        var parameters = Self.unconstrained(q)
        var firstMoment = [Double](repeating: 0, count: parameters.count)
        var secondMoment = firstMoment
        let (beta1, beta2, epsilon) = (0.9, 0.999, 1e-8)
        var history: [Estimate] = []
        var iteration = 0
        var stopReason = StopReason.iterationLimit
        while iteration < maximumIterations {
            var generator = streams.stream(iteration)
            let elbo = EvidenceLowerBound(model: model, approximation: q)
            let g = try elbo.gradient(samples: samplesPerStep, seed: generator.next(), estimator: gradient).values
            let chain = Self.chainRule(g, q)
            if let bad = chain.firstIndex(where: { !$0.isFinite }) {
                throw .nonFinite(quantity: "ELBO gradient component \(bad) at iteration", index: iteration)
            }
            iteration += 1
            let t = Double(iteration)
            for i in parameters.indices {
                firstMoment[i] = beta1 * firstMoment[i] + (1 - beta1) * chain[i]
                secondMoment[i] = beta2 * secondMoment[i] + (1 - beta2) * chain[i] * chain[i]
                let corrected = firstMoment[i] / (1 - pow(beta1, t))
                let scale = (secondMoment[i] / (1 - pow(beta2, t))).squareRoot()
                parameters[i] += learningRate * corrected / (scale + epsilon)  // ascent
            }
            q = try Self.approximation(from: parameters, like: q)
            if iteration % checkInterval == 0 {
                let check = try EvidenceLowerBound(model: model, approximation: q)
                    .estimate(samples: samplesPerCheck, seed: generator.next())
                if history.count >= window - 1 {
                    let earlier = history[history.count - (window - 1)]
                    // ≤, so that a fit at the exact optimum (zero-variance ELBO, zero change) stops.
                    if abs(check.value - earlier.value) <= tolerance * (check.variance + earlier.variance).squareRoot() {
                        history.append(check)
                        stopReason = .converged
                        break
                    }
                }
                history.append(check)
            }
        }
        var generator = streams.stream(maximumIterations + 1)
        let final = try EvidenceLowerBound(model: model, approximation: q).estimate(samples: samplesPerCheck * 5, seed: generator.next())
        return Result(approximation: q, elbo: final, iterations: iteration, stopReason: stopReason, history: history)
    }

    /// (m, log C_jj, C_ij for i > j) in GaussianApproximation parameter order.
    static func unconstrained(_ q: GaussianApproximation) -> [Double] {
        q.mean + q.scaleParameterPositions.map { $0.row == $0.column ? log(q.scale[$0.row, $0.column]) : q.scale[$0.row, $0.column] }
    }

    /// Gradient with respect to the unconstrained parameters: ∂/∂log C_jj = C_jj ∂/∂C_jj.
    static func chainRule(_ g: [Double], _ q: GaussianApproximation) -> [Double] {
        var result = g
        for (k, position) in q.scaleParameterPositions.enumerated() where position.row == position.column {
            result[q.dimension + k] *= q.scale[position.row, position.column]
        }
        return result
    }

    static func approximation(from parameters: [Double], like q: GaussianApproximation) throws(MonteCarloError) -> GaussianApproximation {
        let d = q.dimension
        var scale = Matrix(rows: d, columns: d)
        for (k, position) in q.scaleParameterPositions.enumerated() {
            let value = parameters[d + k]
            scale[position.row, position.column] = position.row == position.column ? exp(value) : value
        }
        return try GaussianApproximation(mean: Array(parameters[..<d]), scale: scale, structure: q.structure)
    }
}
