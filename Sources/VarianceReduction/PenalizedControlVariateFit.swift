import Foundation
import MonteCarloCore

/// Ridge or lasso control-variate coefficients from co-moments, the penalty and its weight
/// chosen by K-fold cross-validation: the companion of ``RegressionControlVariateFit`` for many
/// controls relative to the draws (South, Oates, Mira & Drovandi 2023).
///
/// Give the co-moments of (f, g₁ … g_p) on K ≥ 2 disjoint groups of draws (the inner
/// cross-validation folds). For every candidate — least squares through
/// ``RegressionControlVariateFit`` (when every training set has p + 2 draws and no collinear
/// control), ridge on a fixed grid of weights, lasso on a grid scaled to the data — the
/// coefficients are fitted on K − 1 groups and scored on the held-out one; the candidate with the
/// smallest pooled held-out residual variance is refitted on all groups.
///
/// ```swift
/// let fit = try PenalizedControlVariateFit(groups: innerFolds, penalty: .automatic)
/// fit.penalty            // .lasso, say
/// fit.coefficients       // β, one per control
/// ```
///
/// **The penalized problem.** Controls are standardized on each training set
/// (zⱼ = (gⱼ − ḡⱼ)/sⱼ, sⱼ² their mean square deviation) and so is f (by s_f); with R the
/// controls' correlation matrix and r their correlations with f, the standardized slopes b solve
/// min ½bᵀRb − rᵀb + λ·P(b), P(b) = ½‖b‖² (ridge) or ‖b‖₁ (lasso). The intercept is not
/// penalized (centring removes it), and βⱼ = bⱼ s_f/sⱼ. Ridge is solved through the eigen
/// decomposition of R for λ ∈ {10⁻⁶, 10^−5.5, …, 10²}; lasso by cyclic coordinate descent
/// with warm starts (Friedman, Hastie & Tibshirani 2010) on 15 log-spaced λ from
/// λ_max = maxⱼ|rⱼ| (on all groups) down to 10⁻²λ_max (glmnet's ratio when p > n), the path
/// stopping once the lasso keeps as many controls as the training set has draws less 2. λ = 0
/// is on neither grid: plain least squares is the `.none` candidate.
///
/// **Selection criterion.** The pooled held-out residual variance
/// Σ_k Σ_{i∈k}(rᵢ − r̄_k)² / Σ_k (n_k − 1) with rᵢ = fᵢ − βᵀgᵢ — the per-draw variance of the
/// control-variate estimate the coefficients would give, which is what the choice should
/// minimize (ZVCV scores the held-out squared prediction error, which also charges the
/// intercept's noise).
///
/// **Statistical properties.** Penalized coefficients are shrunk towards 0 (biased as estimates
/// of β* = Var(g)⁻¹Cov(g, f)), in exchange for less variance when p is not small against the
/// training draws. Used as control-variate coefficients that are fitted on draws independent of
/// those they are averaged over (a cross-fitting fold), they leave the estimate unbiased: any
/// fixed β gives mean-zero controls. The cross-validated variance is optimistic for the chosen
/// candidate (it won a minimum) and is a selection score, not an error bar.
///
/// - Complexity: O(K p³) for the ridge eigen decompositions and O(K·(p² + candidates·p²)) for
///   the scores; the lasso path costs O(p) per coordinate visit plus O(p) per changed
///   coefficient.
public struct PenalizedControlVariateFit: Sendable {
    /// The penalty on the control coefficients.
    public enum Penalty: String, Sendable, Hashable, Codable, CaseIterable {
        /// Ordinary least squares (no penalty).
        case none
        /// ½λ‖b‖² on the standardized coefficients.
        case ridge
        /// λ‖b‖₁ on the standardized coefficients.
        case lasso
        /// Whichever of least squares, ridge and lasso cross-validates best.
        case automatic
    }

    /// The penalty chosen: `.none`, `.ridge` or `.lasso` (never `.automatic`).
    public let penalty: Penalty
    /// Its weight λ on the standardized scale (0 for `.none`).
    public let weight: Double
    /// β, one coefficient per control (0 for a constant control or one the lasso left out).
    public let coefficients: [Double]
    /// f̄ − βᵀḡ over all groups.
    public let intercept: Double
    /// The pooled held-out residual variance of the chosen candidate.
    public let crossValidatedVariance: Double
    /// The number of candidates scored.
    public let candidateCount: Int

    /// The ridge weights: 10⁻⁶ … 10² in half decades.
    static let ridgeWeights: [Double] = (0...16).map { pow(10, -6 + 0.5 * Double($0)) }
    /// The number of lasso weights and the ratio of the smallest to λ_max.
    static let lassoWeightCount = 15
    static let lassoRatio = 1e-2

    /// Chooses the penalty and its weight by cross-validation over `groups` and refits on all of them.
    /// - Parameters:
    ///   - groups: K ≥ 2 co-moment states of (f, g₁ … g_p), one per disjoint group of draws.
    ///   - penalty: the penalties to consider (`.automatic`: all three).
    ///   - controlNames: names for the least-squares candidate's errors.
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` for fewer than 2
    ///   groups; `MonteCarloError/insufficientSamples(needed:available:reason:)` when a group has
    ///   fewer than 2 draws, or when `penalty` is `.none` and a training set has fewer than
    ///   p + 2; `MonteCarloError/singularControlCovariance(detail:)` when `penalty` is `.none`
    ///   and the controls are collinear on a training set; `MonteCarloError/invalidArgument(_:)`
    ///   for non-finite moments.
    public init(groups: [CovarianceMoments], penalty: Penalty, controlNames: [String]? = nil) throws(MonteCarloError) {
        guard groups.count >= 2 else {
            throw .invalidParameter(name: "groups", value: Double(groups.count), requirement: "at least 2 cross-validation folds")
        }
        let d = groups[0].dimension
        for group in groups {
            guard group.dimension == d else { throw .incompatibleStates("dimension \(d) vs \(group.dimension)") }
            guard group.count >= 2 else {
                throw .insufficientSamples(needed: 2 * groups.count, available: groups.reduce(0) { $0 + $1.count },
                                           reason: "(at least 2 per cross-validation fold)")
            }
            guard group.mean.allSatisfy(\.isFinite), group.comoments.allSatisfy(\.isFinite) else {
                throw .invalidArgument("The co-moments of the integrand and the controls are not finite: rescale the values.")
            }
        }
        var all = groups[0]
        for group in groups.dropFirst() { try all.merge(group) }
        let lassoWeights = Self.lassoWeights(all)
        var candidates: [Candidate] = []
        if penalty == .none || penalty == .automatic { candidates.append(Candidate(penalty: .none, weight: 0)) }
        if penalty == .ridge || penalty == .automatic { candidates += Self.ridgeWeights.map { Candidate(penalty: .ridge, weight: $0) } }
        if penalty == .lasso || penalty == .automatic { candidates += lassoWeights.map { Candidate(penalty: .lasso, weight: $0) } }

        var scores = [Double](repeating: 0, count: candidates.count)
        var degreesOfFreedom = 0
        var leastSquaresError: MonteCarloError? = nil
        for held in groups.indices {
            var training: CovarianceMoments? = nil
            for (index, group) in groups.enumerated() where index != held {
                if training == nil { training = group } else { try training?.merge(group) }
            }
            guard let training else { continue }
            degreesOfFreedom += groups[held].count - 1
            let (slopes, error) = try Self.coefficients(training, candidates: candidates, controlNames: controlNames)
            if let error { leastSquaresError = error }
            for (c, beta) in slopes.enumerated() {
                scores[c] += beta.map { Self.residualSumOfSquares(groups[held], beta: $0) } ?? .infinity
            }
        }
        var best = 0
        for c in scores.indices where scores[c] < scores[best] { best = c }
        if penalty == .none, let leastSquaresError { throw leastSquaresError }
        guard scores[best].isFinite else {
            throw leastSquaresError ?? .invalidArgument("No penalized control-variate fit gave a finite held-out variance.")
        }
        let chosen = candidates[best]
        let beta = try Self.coefficients(all, penalty: chosen.penalty, weight: chosen.weight, controlNames: controlNames)
        self.penalty = chosen.penalty
        weight = chosen.weight
        coefficients = beta
        var fitted = 0.0
        for j in beta.indices { fitted += beta[j] * all.mean[j + 1] }
        intercept = all.mean[0] - fitted
        crossValidatedVariance = scores[best] / Double(degreesOfFreedom)
        candidateCount = candidates.count
    }

    /// β for a given penalty and weight, fitted on `moments` of (f, g₁ … g_p) — for refits at a
    /// choice made earlier (e.g. a jackknife).
    /// - Throws: the errors of ``RegressionControlVariateFit`` for `.none`;
    ///   `MonteCarloError/invalidParameter(name:value:requirement:)` for `.automatic` or a
    ///   negative weight.
    public static func coefficients(_ moments: CovarianceMoments, penalty: Penalty, weight: Double,
                                    controlNames: [String]? = nil) throws(MonteCarloError) -> [Double] {
        guard penalty != .automatic, weight >= 0, weight.isFinite else {
            throw .invalidParameter(name: "weight", value: weight, requirement: "a fixed penalty with a finite weight ≥ 0")
        }
        let (slopes, error) = try coefficients(moments, candidates: [Candidate(penalty: penalty, weight: weight)],
                                               controlNames: controlNames)
        if let error { throw error }
        return slopes[0] ?? [Double](repeating: 0, count: moments.dimension - 1)
    }

    // MARK: - Fitting

    /// One penalty at one weight.
    struct Candidate {
        var penalty: Penalty
        var weight: Double
    }

    /// The lasso grid: λ_max·(10⁻²)^{t/14}, t = 0 … 14, with λ_max = maxⱼ |corr(gⱼ, f)|.
    static func lassoWeights(_ moments: CovarianceMoments) -> [Double] {
        let standardized = Standardized(moments)
        let top = standardized.correlations.reduce(0) { max($0, abs($1)) }
        guard top > 0 else { return [] }
        return (0..<lassoWeightCount).map { top * pow(lassoRatio, Double($0) / Double(lassoWeightCount - 1)) }
    }

    /// β for every candidate on one training set (nil: infeasible there), and the least-squares
    /// candidate's error when it was infeasible. The lasso path stops (nil for the smaller
    /// weights) once it keeps as many controls as there are training draws less 2, where the
    /// penalized problem no longer has a unique solution.
    static func coefficients(_ moments: CovarianceMoments, candidates: [Candidate],
                             controlNames: [String]?) throws(MonteCarloError) -> ([[Double]?], MonteCarloError?) {
        let p = moments.dimension - 1
        let standardized = Standardized(moments)
        var result: [[Double]?] = []
        var leastSquaresError: MonteCarloError? = nil
        var ridge: RidgePath? = nil
        var lasso = [Double](repeating: 0, count: standardized.kept.count)
        var lassoSaturated = false
        for candidate in candidates {
            switch candidate.penalty {
            case .none, .automatic:
                guard moments.count >= p + 2 else {
                    leastSquaresError = .insufficientSamples(
                        needed: p + 2, available: moments.count,
                        reason: "to fit \(p) control coefficients and an intercept by least squares")
                    result.append(nil)
                    continue
                }
                do {
                    let fit = try RegressionControlVariateFit(moments: moments, controlNames: controlNames, collinearity: .fail)
                    result.append(fit.coefficients)
                } catch {
                    leastSquaresError = error
                    result.append(nil)
                }
            case .ridge:
                if ridge == nil { ridge = try RidgePath(standardized) }
                result.append(standardized.original(ridge!.solution(weight: candidate.weight), controls: p))
            case .lasso:
                guard !lassoSaturated else {
                    result.append(nil)
                    continue
                }
                standardized.coordinateDescent(&lasso, weight: candidate.weight)
                result.append(standardized.original(lasso, controls: p))
                lassoSaturated = lasso.filter { $0 != 0 }.count >= moments.count - 2
            }
        }
        return (result, leastSquaresError)
    }

    /// Σ over the group of (rᵢ − r̄)², rᵢ = fᵢ − βᵀgᵢ, from its co-moments: M_ff − 2βᵀM_gf + βᵀM_ggβ.
    static func residualSumOfSquares(_ group: CovarianceMoments, beta: [Double]) -> Double {
        let d = group.dimension
        var nonzero: [Int] = []
        for u in beta.indices where beta[u] != 0 { nonzero.append(u) }
        return group.comoments.withUnsafeBufferPointer { m in
            beta.withUnsafeBufferPointer { beta in
                nonzero.withUnsafeBufferPointer { nonzero in
                    var s = m[0]
                    var a = 0
                    while a < nonzero.count {
                        let u = nonzero[a]
                        var (row, b) = (0.0, 0)
                        let base = (u + 1) * d + 1
                        while b < nonzero.count {
                            row += m[base + nonzero[b]] * beta[nonzero[b]]
                            b += 1
                        }
                        s += beta[u] * (row - 2 * m[u + 1])
                        a += 1
                    }
                    return max(s, 0)
                }
            }
        }
    }
}
