import Foundation
import LinearAlgebra
import MonteCarloCore

/// A critic that is linear in its parameters, T(x, y) = wᵀφ(x, y), on quadratic (and optionally
/// random Fourier) features, fitted by maximising a concave variational objective with Newton's
/// method.
///
/// The three objectives are concave in the scores, hence in w, so the fit is a convex problem with
/// a unique optimum (up to the ridge penalty):
/// - ``Objective/nwj``: E_P T − E_Q e^{T − 1}; optimum T = 1 + log r. Evaluate with
///   ``VariationalBound/nwj`` (or DV, which is shift-invariant).
/// - ``Objective/jensenShannon``: −E_P softplus(−T) − E_Q softplus(T) (logistic regression of joint
///   vs product pairs); optimum T = log r. Evaluate with ``VariationalBound/jensenShannon(_:)``
///   (NWJ at S + 1, or DV).
/// - ``Objective/infoNCE``: mean_i [T(xᵢ, yᵢ) − log Σ_s e^{T(xᵢ, y_s)}] over the positive and K
///   negatives of each xᵢ; optimum T = log r + c(x). Evaluate with ``VariationalBound/infoNCE``.
///
/// For correlated Gaussians log r is exactly a quadratic form in (x, y), so ``QuadraticTerms/full``
/// features contain the optimal critic of every objective and the fit converges to it as the
/// training sample grows (``QuadraticTerms/paired`` suffices when only coordinate pairs (xₖ, yₖ)
/// are dependent, as in the SMILE benchmark).
///
/// ```swift
/// let critic = try LinearCritic.fit(x: trainX, y: trainY, objective: .nwj)
/// let scores = try critic.scoreMatrix(x: evalX, y: evalY)          // fresh evaluation pairs
/// let estimate = try VariationalBound.nwj.estimate(from: scores)
/// ```
///
/// **Training and evaluation data must be separate**: a bound evaluated on the pairs the critic was
/// fitted to is biased upward (overfitting), and its variance formula does not hold. Use
/// ``CriticSplit`` to split one sample by a fixed rule.
///
/// **Statistical properties.** The critic itself is not an estimate; the MI estimate is the
/// ``VariationalBound`` evaluated on a score matrix of fresh pairs, with the variance that bound
/// documents (delta method on one batch, or batch-to-batch spread with
/// ``VariationalBoundAccumulator``). That variance is conditional on the fitted critic: it does
/// not include the randomness of the training sample (refit on independent training samples to
/// see it). Bias: for a fixed critic, NWJ and NWJ(S + 1) are unbiased for a value ≤ I and InfoNCE
/// has expectation ≤ I; the shortfall is the critic's distance from the optimum, which for a
/// well-specified feature map (Gaussians with quadratic terms) shrinks like O(p/n) with the
/// training pairs n. DV and SMILE add their finite-B biases.
///
/// **Fitting.** Coordinates are standardised with the training means and standard deviations
/// (stored, and applied to every later evaluation). The product-of-marginals pairs are the nK
/// pairs (xᵢ, y₍ᵢ₊ₛ₎ mod n), s = 1…K, K = min(`negativesPerPair`, n − 1): with i.i.d. training
/// pairs each is a draw from p(x)p(y), and no positive pair is reused as a negative. Newton steps
/// solve (C + λD)Δ = g with LAPACK's Cholesky factorisation, where g is the gradient of the
/// penalised objective, C the negated Hessian (a weighted Gram matrix of the features, formed
/// with BLAS `dsyrk`), λ the ridge penalty and D the identity without the intercept (with it for
/// InfoNCE, whose objective is flat along the intercept). Each step is damped by backtracking
/// until the Armijo condition holds (the objective must stay finite); iteration stops when the
/// Newton decrement ½gᵀΔ falls below `tolerance`.
public struct LinearCritic: Sendable {
    /// The concave objective the critic maximises.
    public enum Objective: String, Sendable, Hashable, Codable, CaseIterable {
        /// Nguyen–Wainwright–Jordan: E_P T − E_Q e^{T−1}.
        case nwj
        /// InfoNCE over the positive and the K negatives of each x.
        case infoNCE
        /// Jensen–Shannon (logistic loss): −E_P softplus(−T) − E_Q softplus(T).
        case jensenShannon
    }

    /// Which second-degree monomials of the standardised coordinates are features.
    public enum QuadraticTerms: String, Sendable, Hashable, Codable {
        /// No quadratic terms (linear features only; with Fourier features, say).
        case none
        /// xₖ², yₖ² and xₖyₖ for each k (needs d_x = d_y): 3d terms.
        case paired
        /// Every xₖxₗ (k ≤ l), yₖyₗ (k ≤ l) and xₖyₗ: d_x(d_x+1)/2 + d_y(d_y+1)/2 + d_x d_y terms.
        case full
    }

    /// The feature map φ(x, y): an intercept, the linear terms of x and y, the chosen quadratic
    /// terms, and M random Fourier features √(2/M) cos(ωᵀ(x, y) + b) with ω ~ N(0, I/ℓ²) and
    /// b ~ U[0, 2π) drawn from `seed` (Rahimi & Recht 2007), all on standardised coordinates.
    public struct Features: Sendable, Hashable, Codable {
        /// The quadratic monomials included.
        public var quadratic: QuadraticTerms
        /// M, the number of random Fourier features (0 for none).
        public var randomFourierCount: Int
        /// ℓ, the length scale of the Gaussian kernel the Fourier features approximate.
        public var randomFourierBandwidth: Double
        /// The seed of the random frequencies and phases.
        public var seed: UInt64

        /// - Parameters:
        ///   - quadratic: The quadratic monomials (full by default).
        ///   - randomFourierCount: M ≥ 0.
        ///   - randomFourierBandwidth: ℓ > 0.
        ///   - seed: Seed of the frequencies.
        public init(quadratic: QuadraticTerms = .full, randomFourierCount: Int = 0,
                    randomFourierBandwidth: Double = 1, seed: UInt64 = 0) {
            self.quadratic = quadratic
            self.randomFourierCount = randomFourierCount
            self.randomFourierBandwidth = randomFourierBandwidth
            self.seed = seed
        }
    }

    /// Settings of the Newton fit.
    public struct Options: Sendable, Hashable, Codable {
        /// λ ≥ 0, the ridge penalty (λ/2)‖w‖² subtracted from the objective (the intercept is not
        /// penalised, except for InfoNCE).
        public var ridge: Double
        /// K ≥ 1, the number of negative pairs per training pair (capped at n − 1).
        public var negativesPerPair: Int
        /// The iteration limit.
        public var maximumIterations: Int
        /// The Newton-decrement threshold ½gᵀ(C + λD)⁻¹g for convergence, > 0.
        public var tolerance: Double

        public init(ridge: Double = 1e-4, negativesPerPair: Int = 16, maximumIterations: Int = 100,
                    tolerance: Double = 1e-10) {
            self.ridge = ridge
            self.negativesPerPair = negativesPerPair
            self.maximumIterations = maximumIterations
            self.tolerance = tolerance
        }
    }

    /// How the fit went.
    public struct FitSummary: Sendable, Hashable, Codable {
        /// Newton iterations taken.
        public let iterations: Int
        /// The (unpenalised) objective on the training pairs at the fitted w. For InfoNCE it
        /// includes log(K + 1), so it is comparable with an MI value (and ≤ log(K + 1)).
        public let trainingObjective: Double
        /// The final Newton decrement.
        public let newtonDecrement: Double
        /// The largest diagonal jitter the Cholesky factorisations needed (0 normally).
        public let largestJitter: Double
        /// n, the training pairs.
        public let trainingPairs: Int
        /// nK, the negative pairs used.
        public let negativePairs: Int
    }

    /// The objective the critic was fitted to.
    public let objective: Objective
    /// The feature map.
    public let features: Features
    /// d_x.
    public let xDimension: Int
    /// d_y.
    public let yDimension: Int
    /// The fitted w, in the order of the feature map (intercept, x, y, x-quadratic, y-quadratic,
    /// cross, Fourier).
    public let coefficients: [Double]
    /// How the fit went.
    public let summary: FitSummary

    let layout: LinearCriticFeatureMap

    /// The number of parameters p of a feature map for given dimensions (p = 1 + d_x + d_y + …).
    public static func parameterCount(features: Features, xDimension: Int, yDimension: Int) -> Int {
        LinearCriticFeatureMap.count(features, xDimension, yDimension)
    }

    /// Fits the critic on training pairs.
    ///
    /// - Parameters:
    ///   - x: n training draws of X (separate from any evaluation batch).
    ///   - y: The n paired draws of Y.
    ///   - objective: The concave objective.
    ///   - features: The feature map (full quadratic by default).
    ///   - options: Newton settings.
    /// - Throws: `MonteCarloError`: an input case for unequal counts, ragged or empty
    ///   vectors, a NaN/∞ coordinate, a constant coordinate, `.paired` with d_x ≠ d_y or an option
    ///   out of range; `MonteCarloError/insufficientSamples(needed:available:reason:)` if
    ///   n < 2p; `MonteCarloError/notConverged(algorithm:iterations:detail:)` at the iteration
    ///   limit or when no damped step improves a non-converged objective;
    ///   `MonteCarloError/notPositiveDefinite(jitterTried:)` if the Newton system cannot be factored;
    ///   `MonteCarloError/diverged(algorithm:step:detail:)` if the objective or the Newton step is not
    ///   finite at an iterate (the line search only accepts finite objectives, so this signals
    ///   overflow in the features themselves).
    /// - Complexity: O(nK p²) per iteration (the weighted Gram matrix), plus O(p³).
    public static func fit(
        x: [[Double]], y: [[Double]], objective: Objective, features: Features = Features(),
        options: Options = Options()
    ) throws(MonteCarloError) -> LinearCritic {
        let data = try CriticTrainingData(x: x, y: y)
        guard options.ridge >= 0, options.ridge.isFinite else {
            throw .invalidParameter(name: "ridge", value: options.ridge, requirement: "finite and ≥ 0")
        }
        guard options.negativesPerPair >= 1 else {
            throw .invalidParameter(name: "negativesPerPair", value: Double(options.negativesPerPair),
                                                  requirement: "at least 1")
        }
        guard options.maximumIterations >= 1 else {
            throw .invalidParameter(name: "maximumIterations", value: Double(options.maximumIterations),
                                                  requirement: "at least 1")
        }
        guard options.tolerance > 0, options.tolerance.isFinite else {
            throw .invalidParameter(name: "tolerance", value: options.tolerance,
                                                  requirement: "positive and finite")
        }
        let layout = try LinearCriticFeatureMap(features, data: data)
        let n = data.count, p = layout.count
        guard n >= 2 * p else { throw .insufficientSamples(needed: 2 * p, available: n, reason: "to fit a critic with \(p) parameters") }
        let k = min(options.negativesPerPair, n - 1)

        // Feature matrices (column-major): joint pairs Φ_P (n × p), negatives Φ_Q (nK × p), row i·K + s − 1
        // holding (xᵢ, y₍ᵢ₊ₛ₎ mod n).
        var joint = Matrix(rows: n, columns: p)
        var product = Matrix(rows: n * k, columns: p)
        var row = [Double](repeating: 0, count: p)
        for i in 0..<n {
            layout.fill(&row, x: data.x, xRow: i, y: data.y, yRow: i)
            for c in 0..<p { joint.storage[i + c * n] = row[c] }
            for s in 1...k {
                let r = i * k + s - 1
                layout.fill(&row, x: data.x, xRow: i, y: data.y, yRow: (i + s) % n)
                for c in 0..<p { product.storage[r + c * n * k] = row[c] }
            }
        }
        var penaltyMask = [Double](repeating: 1, count: p)
        if objective != .infoNCE { penaltyMask[0] = 0 }
        let problem = CriticNewtonProblem(objective: objective, joint: joint, product: product, negatives: k,
                                    ridge: options.ridge, penaltyMask: penaltyMask)
        let result = try problem.maximize(maximumIterations: options.maximumIterations, tolerance: options.tolerance)
        var trainingObjective = problem.evaluate(result.weights, curvature: false)?.objective ?? .nan
        if objective == .infoNCE { trainingObjective += log(Double(k + 1)) }
        return LinearCritic(
            objective: objective, features: features, xDimension: data.xDimension, yDimension: data.yDimension,
            coefficients: result.weights,
            summary: FitSummary(iterations: result.iterations, trainingObjective: trainingObjective,
                                newtonDecrement: result.decrement, largestJitter: result.jitter,
                                trainingPairs: n, negativePairs: n * k),
            layout: layout)
    }

    /// T(x, y) for one pair.
    /// - Precondition: `x.count == xDimension`, `y.count == yDimension` (traps otherwise).
    public func score(x: [Double], y: [Double]) -> Double {
        precondition(x.count == xDimension && y.count == yDimension, "LinearCritic.score: wrong dimensions")
        var row = [Double](repeating: 0, count: coefficients.count)
        layout.fill(&row, x: [x], xRow: 0, y: [y], yRow: 0)
        var t = 0.0
        for c in row.indices { t += row[c] * coefficients[c] }
        return t
    }

    /// S[i, j] = T(xᵢ, yⱼ) + offset for an evaluation batch (use offset 1 to evaluate a JS- or
    /// InfoNCE-style critic, whose optimum is log r, with NWJ).
    ///
    /// - Throws: `MonteCarloError/dimensionMismatch(what:expected:actual:)` for unequal counts or
    ///   wrong vector lengths; `MonteCarloError/nonFinite(quantity:index:)` for a non-finite
    ///   coordinate or score; the errors of ``ScoreMatrix/init(batchSize:values:)``.
    /// - Complexity: O(B²r) with r = d_y (or d) + 2M through one BLAS product, plus O(B p).
    public func scoreMatrix(x: [[Double]], y: [[Double]], offset: Double = 0) throws(MonteCarloError) -> ScoreMatrix {
        guard x.count == y.count else {
            throw .dimensionMismatch(what: "number of y draws (one per x draw)", expected: x.count, actual: y.count)
        }
        try CriticTrainingData.check(x, dimension: xDimension, name: "x")
        try CriticTrainingData.check(y, dimension: yDimension, name: "y")
        let values = layout.scoreMatrix(coefficients, x: x, y: y, offset: offset)
        return try ScoreMatrix(batchSize: x.count, values: values)
    }
}
