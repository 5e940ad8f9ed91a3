import Foundation
import MonteCarloCore

/// A critic of one of four families, fitted on training pairs for a given ``VariationalBound``,
/// that scores evaluation batches ready for that bound.
///
/// Families (``Family``):
/// - ``Family/gaussian``: the plug-in Gaussian critic log p(y|x) − log p(y) on the raw
///   coordinates (``GaussianCritic/fitted(x:y:)``): optimal for Gaussian data, no training.
/// - ``Family/quadratic``: a ``LinearCritic`` with full quadratic features, fitted by Newton's
///   method, on marginal normal scores (``MarginalNormalScores``).
/// - ``Family/randomFourier``: the same plus M random Fourier features (a smooth kernel critic).
/// - ``Family/mlp``: a separable ``MLPCritic`` trained by Adam on marginal normal scores.
///
/// The trained families see each coordinate through the normal-score map fitted on the same
/// training pairs, so heavy-tailed margins cannot blow up e^T; the map is invertible on the
/// training range, so it costs no information there.
///
/// Training objective and score offset per bound: InfoNCE-trained (``LinearCritic/Objective/infoNCE``)
/// for ``VariationalBound/infoNCE``; otherwise trained on the Jensen–Shannon (logistic) objective,
/// whose optimum is log r and whose loss stays bounded on outlying pairs, and scored at T + 1 for
/// ``VariationalBound/nwj`` (tight at 1 + log r) and at T for DV, SMILE and the JS evaluations.
/// The Gaussian critic is scored the same way (T + 1 for NWJ).
///
/// ```swift
/// let critic = try TrainedCritic.fit(.quadratic, x: trainX, y: trainY, for: .nwj)
/// let scores = try critic.scoreMatrix(x: evalX, y: evalY)
/// let estimate = try VariationalBound.nwj.estimate(from: scores)
/// ```
///
/// **Statistical properties.** Not an estimator: a fixed function once fitted. Bounds evaluated
/// with it on pairs not used for fitting have the bias and variance their own documentation
/// states, conditional on the critic; how far below I they land depends on how well the family
/// can represent log r (exactly, for Gaussian data and the Gaussian or quadratic families).
public struct TrainedCritic: Sendable {
    /// A critic family.
    public enum Family: String, Sendable, Hashable, Codable, CaseIterable {
        /// Plug-in Gaussian log-ratio on the raw coordinates.
        case gaussian
        /// Full quadratic features on normal scores, Newton fit.
        case quadratic
        /// Quadratic plus random Fourier features on normal scores, Newton fit.
        case randomFourier = "rff"
        /// Separable MLP on normal scores, Adam.
        case mlp
    }

    /// Settings of the trained families.
    public struct Settings: Sendable, Hashable, Codable {
        /// M, the random Fourier features of ``Family/randomFourier`` (reduced so that the
        /// training pairs are at least twice the parameters).
        public var randomFourierCount: Int
        /// ℓ, their length scale on normal scores (frequencies ω ~ N(0, I/ℓ²)).
        public var randomFourierBandwidth: Double
        /// The ridge penalty of the Newton fits.
        public var ridge: Double
        /// The largest number of negatives per training pair of the Newton fits.
        public var negativesPerPair: Int
        /// The Newton fits use K = max(1, min(`negativesPerPair`, `negativePairBudget`/n))
        /// negatives per pair, so their cost stops growing with n.
        public var negativePairBudget: Int
        /// The MLP's shape.
        public var mlpArchitecture: MLPCritic.Architecture
        /// The MLP's Adam learning rate.
        public var mlpLearningRate: Double
        /// The MLP's minibatch size.
        public var mlpBatchSize: Int
        /// The MLP's Adam steps.
        public var mlpSteps: Int
        /// Seed of the Fourier frequencies and of the MLP's initialisation and minibatches.
        public var seed: UInt64

        public init(randomFourierCount: Int = 200, randomFourierBandwidth: Double = 1, ridge: Double = 1e-3,
                    negativesPerPair: Int = 16, negativePairBudget: Int = 16_000,
                    mlpArchitecture: MLPCritic.Architecture = .init(hiddenWidth: 32, hiddenLayers: 1,
                                                                    embeddingDimension: 8),
                    mlpLearningRate: Double = 2e-3, mlpBatchSize: Int = 128, mlpSteps: Int = 600, seed: UInt64 = 0) {
            self.randomFourierCount = randomFourierCount
            self.randomFourierBandwidth = randomFourierBandwidth
            self.ridge = ridge
            self.negativesPerPair = negativesPerPair
            self.negativePairBudget = negativePairBudget
            self.mlpArchitecture = mlpArchitecture
            self.mlpLearningRate = mlpLearningRate
            self.mlpBatchSize = mlpBatchSize
            self.mlpSteps = mlpSteps
            self.seed = seed
        }
    }

    enum Model: Sendable {
        case gaussian(GaussianCritic)
        case linear(LinearCritic)
        case mlp(MLPCritic)
    }

    /// The family.
    public let family: Family
    /// The bound the critic was fitted for (its scores are offset for it).
    public let bound: VariationalBound
    /// The constant added to T in ``scoreMatrix(x:y:)`` (1 for NWJ, else 0).
    public let offset: Double
    /// Training pairs used.
    public let trainingPairs: Int
    let model: Model
    let xScores: MarginalNormalScores?
    let yScores: MarginalNormalScores?

    /// A one-line description of the fitted critic (family, features, objective, offset).
    public var summary: String {
        let shift = offset != 0 ? " + \(Int(offset))" : ""
        let objective = bound == .infoNCE ? "InfoNCE" : "Jensen–Shannon (logistic)"
        switch model {
        case .gaussian:
            return "gaussian: plug-in Gaussian T(x, y) = log p(y|x) − log p(y)\(shift), raw coordinates"
        case .linear(let critic):
            let p = critic.coefficients.count
            let fourier = critic.features.randomFourierCount
            return "\(family.rawValue): \(p) features (full quadratic"
                + (fourier > 0 ? String(format: " + %d random Fourier, length scale %.3g", fourier,
                                        critic.features.randomFourierBandwidth) : "")
                + ") on marginal normal scores, \(objective) objective, Newton (\(critic.summary.iterations) "
                + "iterations)\(shift.isEmpty ? "" : ", scored at T\(shift)")"
        case .mlp(let critic):
            let a = critic.architecture
            return "mlp: separable g(x)ᵀh(y), \(a.hiddenLayers)×\(a.hiddenWidth) \(a.activation.rawValue), "
                + "embedding \(a.embeddingDimension), on marginal normal scores, \(objective) objective, "
                + "\(critic.stepsTaken) Adam steps\(shift.isEmpty ? "" : ", scored at T\(shift)")"
        }
    }

    /// Fits a critic of `family` on training pairs for `bound`.
    ///
    /// - Throws: `MonteCarloError` from the family's fit (too few pairs, no convergence,
    ///   divergence, bad input), of the Gaussian fit and of the normal-score map.
    /// - Complexity: gaussian O(n d²); quadratic and rff O(nK p²) per Newton iteration; mlp
    ///   O(steps · B · width · d + steps · B² E).
    public static func fit(_ family: Family, x: [[Double]], y: [[Double]], for bound: VariationalBound,
                           settings: Settings = Settings()) throws(MonteCarloError) -> TrainedCritic {
        let offset = bound == .nwj ? 1.0 : 0.0
        if family == .gaussian {
            let critic: GaussianCritic
            do { critic = try GaussianCritic.fitted(x: x, y: y) } catch { throw error }
            return TrainedCritic(family: family, bound: bound, offset: offset, trainingPairs: x.count,
                                 model: .gaussian(critic), xScores: nil, yScores: nil)
        }
        let data = try CriticTrainingData(x: x, y: y)
        let xScores: MarginalNormalScores, yScores: MarginalNormalScores
        do {
            xScores = try MarginalNormalScores(fitting: data.x)
            yScores = try MarginalNormalScores(fitting: data.y)
        } catch { throw error }
        let u = xScores.transform(data.x), v = yScores.transform(data.y)
        let model: Model
        switch family {
        case .gaussian:
            preconditionFailure("handled above")
        case .quadratic, .randomFourier:
            let quadraticCount = LinearCritic.parameterCount(features: .init(quadratic: .full),
                                                             xDimension: data.xDimension, yDimension: data.yDimension)
            let fourier = family == .quadratic ? 0 : max(0, min(settings.randomFourierCount, data.count / 2 - quadraticCount))
            let features = LinearCritic.Features(
                quadratic: .full, randomFourierCount: fourier,
                randomFourierBandwidth: settings.randomFourierBandwidth, seed: settings.seed)
            let negatives = max(1, min(settings.negativesPerPair, settings.negativePairBudget / data.count))
            model = .linear(try LinearCritic.fit(
                x: u, y: v, objective: bound == .infoNCE ? .infoNCE : .jensenShannon, features: features,
                options: .init(ridge: settings.ridge, negativesPerPair: negatives)))
        case .mlp:
            let objective: MLPCritic.Objective = bound == .infoNCE ? .infoNCE : .jensenShannon(.donskerVaradhan)
            model = .mlp(try MLPCritic.fit(
                x: u, y: v, objective: objective, architecture: settings.mlpArchitecture,
                optimizer: .init(learningRate: settings.mlpLearningRate),
                batchSize: min(settings.mlpBatchSize, data.count), steps: settings.mlpSteps, seed: settings.seed))
        }
        return TrainedCritic(family: family, bound: bound, offset: offset, trainingPairs: data.count, model: model,
                             xScores: xScores, yScores: yScores)
    }

    /// S[i, j] = T(xᵢ, yⱼ) + ``offset`` for an evaluation batch (pairs not used in fitting).
    /// - Throws: `MonteCarloError/dimensionMismatch(what:expected:actual:)` and
    ///   `MonteCarloError/nonFinite(quantity:index:)` for bad draws or scores.
    /// - Complexity: O(B²) critic evaluations (one BLAS product for the linear and MLP families).
    public func scoreMatrix(x: [[Double]], y: [[Double]]) throws(MonteCarloError) -> ScoreMatrix {
        switch model {
        case .gaussian(let critic):
            return try critic.scoreMatrix(x: x, y: y, offset: offset)
        case .linear(let critic):
            let (u, v) = try normalScores(x, y, dx: critic.xDimension, dy: critic.yDimension)
            return try critic.scoreMatrix(x: u, y: v, offset: offset)
        case .mlp(let critic):
            let (u, v) = try normalScores(x, y, dx: critic.xDimension, dy: critic.yDimension)
            return try critic.scoreMatrix(x: u, y: v, offset: offset)
        }
    }

    func normalScores(_ x: [[Double]], _ y: [[Double]], dx: Int, dy: Int) throws(MonteCarloError)
        -> ([[Double]], [[Double]]) {
        try CriticTrainingData.check(x, dimension: dx, name: "x")
        try CriticTrainingData.check(y, dimension: dy, name: "y")
        return (xScores!.transform(x), yScores!.transform(y))
    }
}
