import LinearAlgebra
import MonteCarloCore
import VarianceReduction

/// Zero-variance control variates (Assaraf & Caffarel 1999; Mira, Solgi & Imparato 2013):
/// polynomial controls built from the score, fitted by least squares with cross-fitting.
///
/// For a polynomial P, the second-order Langevin Stein operator L P = ΔP + u·∇P (u = ∇ log π)
/// has E_π[L P] = 0 when π's tails decay faster than any polynomial. The controls are L applied
/// to the monomials of total degree 1 … Q:
/// - degree 1: uⱼ (from xⱼ), j = 1 … d;
/// - degree 2 adds 2 + 2xⱼuⱼ (from xⱼ²) and xⱼuᵢ + xᵢuⱼ (from xᵢxⱼ, i < j);
///
/// C(d + Q, d) − 1 controls in all. Under a Gaussian π, L maps the polynomials of degree ≤ Q
/// onto the mean-zero polynomials of degree ≤ Q, so every polynomial integrand of degree ≤ Q is
/// integrated exactly: zero variance up to rounding.
///
/// ```swift
/// let zv = ZeroVarianceControlVariates(degree: 2)
/// let estimate = try zv.estimate(sample: sample, values: values)
/// ```
///
/// These are regression control variates with mean-zero controls: every fit goes through
/// `RegressionControlVariateFit` and the folds are `CrossFitFolds`.
///
/// **Statistical properties.** K-fold cross-fitting (K = `CrossFitFolds.defaultCount` = 2 by
/// default): draw i is in fold i mod K; on fold k the residuals eᵢ = fᵢ − β̂₋ₖᵀg(xᵢ) are averaged,
/// with β̂₋ₖ the least-squares slopes (of f on [1, g]) fitted on the other folds. Each
/// control has mean zero for any fixed β, so the estimate Σₖ (nₖ/n) ēₖ is unbiased for i.i.d.
/// draws. `variance` is Σₖ (nₖ/n)² s²ₖ/nₖ (s²ₖ the residual sample variance in fold k;
/// raised to the between-fold estimate when a χ²_{K−1} test at 0.001 finds the fold means
/// inconsistent) plus, for least squares at a fixed degree, the covariance of the fold means
/// through the fits; normal interval. Each s²ₖ/nₖ is exact in expectation for its fold's mean
/// given that fold's β̂ (the fits' own noise included), but the fold means are correlated
/// through the fits — draw i is averaged in its fold and trains the other folds' β̂ — when the
/// residual's spread depends on the controls (heteroscedastic residuals): to first order
/// Cov(ēₖ, ēⱼ) = T/(mₖmⱼ) for k ≠ j, mₖ = n − nₖ, T = tr(S⁻¹MS⁻¹M), S = Cov(g) and
/// M = E[ε(g − Eg)(g − Eg)ᵀ]. The term Σ_{k≠j} (nₖ/n)(nⱼ/n) T̂/(mₖmⱼ) (figure
/// `foldCovarianceTerm`; the held-out variance alone is figure `heldOutVariance`) estimates T
/// by a U-statistic over the draws (the plug-in tr(S⁻¹M̂S⁻¹M̂) is biased up by M̂'s noise: 2.5
/// to 5 times the term at n = 100–200 below); when S does not factor, the term is left out
/// and a warning says so. Its mean matches the closed form 8/n² on f = x²
/// under N(0, 1) with degree 1 (−1.6% at n = 1600, −6% at n = 400; `FoldCovarianceTests`).
/// Measured on f = sin(x₁ + x₂/2) + cos x₂ under the correlated 2-D Gaussian (n = 200, K = 2,
/// R = 10 000), degree 2 (p = 5): reported/empirical variance 0.962 without the term, 0.985
/// with it (another seed: 0.996), coverage of the 95% interval 93.8% (it was 93.0% in
/// notebook 05 before the term; the rest of the shortfall is the standard error's own noise
/// and skew: RMS z 1.04 with a calibrated mean variance); degree 1: 1.02, 94.7%. At n = 100
/// the term is still short (0.94 → 0.97) and at n = 400 it is not needed (1.00 → 1.02), as a
/// first-order term of relative size O(p/n) can be. With a penalty or degree selection the
/// slopes' influence is not that of least squares and the term is not added (the held-out
/// variance alone, with the shortfall above). A delete-a-group jackknife that refits the
/// folds (as on chains, below) sees the covariance but overshoots it (Efron & Stein 1981):
/// 1.40 times the empirical variance there (G = 10 groups), and 1.7 times the *sample mean's*
/// variance for degree 2 on the 200 projection directions in d = 3 of the sliced-Wasserstein
/// tests, where the held-out variance shows a gain (the overshoot grows with p/m); it is
/// therefore not used on independent draws. When the controls explain f to
/// within rounding, s²ₖ is raised to a rounding floor, the mean of δᵢ² with
/// δᵢ = 4(p + 2)ε(|fᵢ| + Σⱼ|β̂ⱼgᵢⱼ|), and a warning says the error bar is an upper bound.
/// ESS is σ²_f / `variance` (σ²_f the sample variance of f over all draws). The coefficients
/// reported in the diagnostics come from a least-squares fit on all draws (intercept first).
///
/// **Regularization and degree selection** (South, Oates, Mira & Drovandi 2023). With
/// ``penalty`` `.ridge`, `.lasso` or `.automatic`, or with ``selectsDegree``, each training set
/// (the K − 1 folds that fit the coefficients of a held-out fold) is split again into
/// ``innerFoldCount`` = 5 inner folds (interleaved; contiguous runs on chains), and
/// `PenalizedControlVariateFit` chooses the penalty (least squares, ridge, lasso) and its weight
/// — and, with ``selectsDegree``, the degree among 1 … ``degree`` — with the smallest pooled
/// inner held-out residual variance; the choice is refitted on the whole training set. Controls
/// are standardized and the intercept is not penalized. Everything the held-out fold's
/// coefficients depend on comes from the other folds, so the estimate stays unbiased for i.i.d.
/// draws and `variance` is computed exactly as above. Ridge and lasso need only
/// 2 · ``innerFoldCount`` training draws, whatever the number of controls; least squares needs
/// p + 2 (at a fixed degree, and in every inner training set when it is a candidate: where it
/// cannot be fitted, `.automatic` skips it and degree selection under `.none` passes over that
/// degree) and loses a factor of about (m − 2)/(m − p − 2) of its gain with m training draws, so
/// prefer `.automatic` when p exceeds about a tenth of the training draws (degree 2 in
/// d = 20 gives p = 230). Default `.none`, the classical estimator. The coefficients in the
/// diagnostics come from the same selection on all draws; figures `selectedDegree`,
/// `penaltyWeight` (λ on the standardized scale, 0 for least squares), `nonzeroCoefficients`,
/// and `fold<k>Degree`, `fold<k>PenaltyWeight` per fold. Cost: O(n p²) for the co-moments
/// (BLAS), O(p³) per inner fit for ridge's eigen decomposition, and the lasso path by
/// coordinate descent, per training set and once on all draws.
///
/// **On Markov chains** (``SteinSample/dependence`` = `.chains`): fold k is the k-th of K
/// contiguous blocks of every chain, so a held-out draw's neighbours (nearly the same point)
/// are not in its fit, except at block edges; the estimate stays consistent for an ergodic
/// chain (each fold's fitted control still has mean zero under π), and `variance` is the
/// long-run variance of the held-out residual series in draw order (the sample's
/// `LongRunVarianceMethod`, pooled about the grand mean, so folds whose fits disagree widen it)
/// over n, with that estimator's degrees of freedom. The between-fold χ² inflation is not
/// applied. Because the coefficients' noise is not negligible on a chain (a fold's β̂ comes from
/// about n/(Kτ) effectively independent draws), `variance` is the larger of that and a
/// delete-a-block jackknife over max(K, 5) contiguous blocks per chain that refits every fold
/// (figures `heldOutVariance`, `jackknifeVariance`; Student-t with G − 1 degrees of freedom when
/// the jackknife wins; with a penalty or degree selection the refits keep each fold's chosen
/// degree, penalty and weight, so the jackknife does not see the noise of the choice itself). ESS stays σ²_f / `variance`: the number of *independent* draws that
/// would match.
///
/// - Complexity: O(n p²) time and O(n p) memory for p = C(d + Q, d) − 1 controls.
public struct ZeroVarianceControlVariates: Sendable, Hashable, Codable {
    /// Total polynomial degree Q: 1 or 2 (the highest candidate when ``selectsDegree``).
    public var degree: Int
    /// Cross-fitting folds K ≥ 2.
    public var folds: Int
    /// The penalty on the polynomial coefficients: `.none` (least squares, the default), `.ridge`,
    /// `.lasso`, or `.automatic` (whichever of the three cross-validates best inside each
    /// training set).
    public var penalty: PenalizedControlVariateFit.Penalty
    /// Whether each training set chooses the degree among 1 … ``degree`` by inner cross-validation.
    public var selectsDegree: Bool

    private enum CodingKeys: String, CodingKey { case degree, folds, penalty, selectsDegree }

    /// Decodes the settings; `penalty` and `selectsDegree` default to `.none` and `false` when
    /// absent (settings encoded before they existed).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        degree = try container.decode(Int.self, forKey: .degree)
        folds = try container.decode(Int.self, forKey: .folds)
        penalty = try container.decodeIfPresent(PenalizedControlVariateFit.Penalty.self, forKey: .penalty) ?? .none
        selectsDegree = try container.decodeIfPresent(Bool.self, forKey: .selectsDegree) ?? false
    }

    /// Creates the estimator (settings are checked when estimating).
    /// - Parameters:
    ///   - degree: the total degree Q of the polynomials, 1 or 2; with `selectsDegree`, the highest.
    ///   - folds: cross-fitting folds K ≥ 2.
    ///   - penalty: `.none` (default) keeps the classical least-squares estimator; choose
    ///     `.automatic` (or `.ridge`, `.lasso`) when the C(d + Q, d) − 1 controls are more than
    ///     about a tenth of the training draws, where least squares loses most of its gain or is
    ///     refused.
    ///   - selectsDegree: choose the degree (1 … `degree`) inside each training set.
    public init(degree: Int = 2, folds: Int = CrossFitFolds.defaultCount,
                penalty: PenalizedControlVariateFit.Penalty = .none, selectsDegree: Bool = false) {
        self.degree = degree
        self.folds = folds
        self.penalty = penalty
        self.selectsDegree = selectsDegree
    }

    /// The number of controls for dimension d: C(d + Q, d) − 1.
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` for a degree other
    ///   than 1 or 2 (the only ones built).
    public func controlCount(dimension d: Int) throws(MonteCarloError) -> Int {
        try validateDegree()
        return Self.controlCount(dimension: d, degree: degree)
    }

    /// Throws unless ``degree`` is 1 or 2.
    func validateDegree() throws(MonteCarloError) {
        guard degree == 1 || degree == 2 else {
            throw .invalidParameter(name: "degree", value: Double(degree), requirement: "1 or 2")
        }
    }

    /// The semi-exact polynomial part of degree q at every draw: p, the number of controls of
    /// degree ≤ q, and the n × p controls (row-major); q = 0 gives none.
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` for q other than 0, 1 or 2.
    static func polynomialPart(degree q: Int, for sample: SteinSample) throws(MonteCarloError) -> (count: Int, controls: [Double]) {
        guard q != 0 else { return (0, []) }
        let polynomial = ZeroVarianceControlVariates(degree: q)
        return (try polynomial.controlCount(dimension: sample.dimension), try polynomial.controls(for: sample))
    }

    /// The controls at every draw, row-major (n × p).
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` for a degree other
    ///   than 1 or 2.
    ///
    /// - Complexity: O(n p).
    public func controls(for sample: SteinSample) throws(MonteCarloError) -> [Double] {
        let (n, d) = (sample.count, sample.dimension)
        let p = try controlCount(dimension: d)
        var result = [Double](repeating: 0, count: n * p)
        sample.points.withUnsafeBufferPointer { x in
            sample.scores.withUnsafeBufferPointer { u in
                result.withUnsafeMutableBufferPointer { g in
                    for i in 0..<n {
                        let (row, base) = (i * p, i * d)
                        for j in 0..<d { g[row + j] = u[base + j] }
                        guard degree >= 2 else { continue }
                        for j in 0..<d { g[row + d + j] = 2 + 2 * x[base + j] * u[base + j] }
                        var c = row + 2 * d
                        for a in 0..<d {
                            for b in (a + 1)..<max(a + 1, d) {
                                g[c] = x[base + b] * u[base + a] + x[base + a] * u[base + b]
                                c += 1
                            }
                        }
                    }
                }
            }
        }
        return result
    }

    /// Estimates E_π[f] from a sample and the values fᵢ = f(xᵢ).
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` for a degree other
    ///   than 1 or 2 or fewer than 2 folds; `MonteCarloError/dimensionMismatch(what:expected:actual:)`
    ///   and `MonteCarloError/nonFinite(quantity:index:)` for bad values;
    ///   `MonteCarloError/insufficientSamples(needed:available:reason:)` when a training set has
    ///   fewer than p + 2 draws (least squares at a fixed degree) or fewer than
    ///   2 · ``innerFoldCount`` (with a penalty or degree selection), or a fold fewer than 2;
    ///   `MonteCarloError/singularControlCovariance(detail:)` when least squares meets collinear
    ///   controls on a training set (with `.automatic`, least squares is then skipped).
    public func estimate(sample: SteinSample, values: [Double]) throws(MonteCarloError) -> Estimate {
        try validateDegree()
        let crossFitFolds = try CrossFitFolds(folds)
        try sample.validate(values: values)
        let n = sample.count
        let p = try controlCount(dimension: sample.dimension)
        try requireCount(n, atLeast: 2 * folds, "(2 per fold) for \(folds)-fold cross-fitting")
        let smallestTraining = n - (n + folds - 1) / folds
        let trainingNeeded = isRegularized ? 2 * Self.innerFoldCount : p + 2
        guard smallestTraining >= trainingNeeded else {
            throw .insufficientSamples(
                needed: (trainingNeeded * folds + folds - 2) / (folds - 1), available: n,
                reason: isRegularized
                    ? "so that every training set splits into \(Self.innerFoldCount) cross-validation folds of 2 draws"
                    : "so that every fit of \(p) control coefficients and an intercept has p + 2 draws (or use a penalty: .ridge, .lasso or .automatic)")
        }
        let g = try controls(for: sample)
        var accumulator = ResidualAccumulator()
        let groups = try crossFitFolds.groups(drawCount: n, dependence: sample.dependence)
        var choices: [FoldChoice] = []
        // Each draw's held-out residual minus its fold's mean (for the covariance of the fold
        // means through the fits).
        var centeredResiduals = [Double](repeating: 0, count: n)
        for (k, evaluation) in groups.enumerated() {
            let training = sample.training(excluding: evaluation, from: groups.enumerated().filter { $0.offset != k }.flatMap(\.element))
            let beta: [Double]
            if isRegularized {
                let choice = try select(rows: training, controls: g, p: p, values: values, dependence: sample.dependence,
                                        dimension: sample.dimension)
                choices.append(choice)
                beta = choice.coefficients
            } else {
                beta = try fit(controls: g, p: p, values: values, rows: training)
            }
            var residuals = [Double](repeating: 0, count: evaluation.count)
            var rounding = residuals
            let scale = 4 * Double(p + 2) * Double.ulpOfOne
            for (a, i) in evaluation.enumerated() {
                var fitted = 0.0, magnitude = 0.0
                for j in 0..<p {
                    let term = beta[j + 1] * g[i * p + j]
                    fitted += term
                    magnitude += abs(term)
                }
                residuals[a] = values[i] - fitted
                rounding[a] = scale * (abs(values[i]) + magnitude)
            }
            accumulator.addGroup(residuals: residuals, roundingErrors: rounding, indices: evaluation)
            let foldMean = residuals.reduce(0, +) / Double(residuals.count)
            for (a, i) in evaluation.enumerated() { centeredResiduals[i] = residuals[a] - foldMean }
        }
        let combined = try accumulator.combine(dependence: sample.dependence)
        var figures = ["folds": Double(folds), "controls": Double(p)]
        let fullCoefficients: [Double]
        var method = "zero-variance-degree-\(degree)-cross-fitted"
        if isRegularized {
            let full = try select(rows: Array(0..<n), controls: g, p: p, values: values, dependence: sample.dependence,
                                  dimension: sample.dimension)
            fullCoefficients = full.coefficients
            method = "zero-variance-degree-\(full.degree)-\(full.penalty == .none ? "least-squares" : full.penalty.rawValue)-cross-fitted"
            figures["selectedDegree"] = Double(full.degree)
            figures["penaltyWeight"] = full.weight
            figures["nonzeroCoefficients"] = Double(full.coefficients.dropFirst().filter { $0 != 0 }.count)
            for (k, choice) in choices.enumerated() {
                figures["fold\(k)Degree"] = Double(choice.degree)
                figures["fold\(k)PenaltyWeight"] = choice.weight
            }
        } else {
            fullCoefficients = try fit(controls: g, p: p, values: values, rows: Array(0..<n))
        }
        let perDraw = sampleVariance(values)
        var variance = combined.variance
        var degreesOfFreedom = combined.degreesOfFreedom
        var termWarnings: [String] = []
        if !sample.dependence.isChain && !isRegularized {
            // The fold means' covariance through the least-squares fits (see the type's
            // statistical properties), which the held-out variance misses.
            figures["heldOutVariance"] = combined.variance
            if let covariance = Self.foldCovarianceTerm(controls: g, p: p, centeredResiduals: centeredResiduals,
                                                        foldSizes: groups.map(\.count)) {
                figures["foldCovarianceTerm"] = covariance
                variance += covariance
            } else {
                termWarnings.append("The controls' covariance over all draws does not factor, so the covariance of the fold means through the fits is not in the variance: the error bar may be a few percent too small.")
            }
        }
        if sample.dependence.isChain {
            // On chains the coefficients' own noise is not second order: a fold's β̂ comes from
            // about n/(Kτ) effectively independent draws and multiplies a block mean of the
            // controls of the same order, so the held-out residual variance alone was measured
            // 15–30% too small (AR(1), ρ = 0.8, n = 1000, p = 5). A delete-a-block jackknife
            // that refits every fold sees it.
            let jackknife = try blockJackknifeVariance(sample: sample, controls: g, p: p, values: values, folds: groups,
                                                       choices: isRegularized ? choices : nil)
            figures["heldOutVariance"] = combined.variance
            figures["jackknifeVariance"] = jackknife.variance
            if jackknife.variance > variance {
                variance = jackknife.variance
                degreesOfFreedom = Double(jackknife.groups - 1)
            }
        }
        let ess = Estimate.effectiveSampleSize(perDrawVariance: perDraw, estimatorVariance: variance, evaluations: n)
        let convergence = convergenceCheck(values, on: sample)
        figures.merge(convergence.figures) { $1 }
        return Estimate(
            value: combined.value, variance: variance, sampleCount: n, effectiveSampleSize: ess,
            degreesOfFreedom: degreesOfFreedom,
            diagnostics: Diagnostics(
                method: method, coefficients: fullCoefficients,
                varianceReductionFactor: ess / Double(n),
                figures: figures,
                warnings: convergence.warnings + termWarnings + (combined.atFloor ? [ResidualAccumulator.roundingWarning] : [])
                    + (combined.inflated ? [ResidualAccumulator.inflationWarning] : [])))
    }

    /// The delete-a-block jackknife of the cross-fitted estimate on chains: G = max(K, 5)
    /// contiguous blocks within each chain (Künsch 1989); without block g every fold is refitted
    /// on its training draws outside g and averaged over its evaluation draws outside g;
    /// V_J = (G − 1)/G · Σ_g (θ̂₋g − θ̄)².
    /// With `choices` (the penalized path) each refit keeps its fold's degree, penalty and weight.
    func blockJackknifeVariance(sample: SteinSample, controls g: [Double], p: Int, values: [Double],
                                folds: [[Int]], choices: [FoldChoice]? = nil) throws(MonteCarloError) -> (variance: Double, groups: Int) {
        let groupCount = max(folds.count, 5)
        var group = [Int](repeating: 0, count: sample.count)
        for (index, block) in try sample.folds(groupCount).enumerated() {
            for i in block { group[i] = index }
        }
        var estimates: [Double] = []
        for deleted in 0..<groupCount {
            let reduced = folds.map { $0.filter { group[$0] != deleted } }
            var sum = 0.0, count = 0
            for (k, evaluation) in reduced.enumerated() where !evaluation.isEmpty {
                let training = sample.training(excluding: evaluation,
                                               from: reduced.enumerated().filter { $0.offset != k }.flatMap(\.element))
                let beta: [Double]
                if let choices {
                    beta = try refit(choices[k], rows: training, controls: g, p: p, values: values, dimension: sample.dimension)
                } else {
                    guard training.count >= p + 2 else {
                        throw .insufficientSamples(needed: p + 2, available: training.count,
                                                   reason: "to refit \(p) zero-variance controls after deleting a jackknife block")
                    }
                    beta = try fit(controls: g, p: p, values: values, rows: training)
                }
                for i in evaluation {
                    var fitted = 0.0
                    for j in 0..<p { fitted += beta[j + 1] * g[i * p + j] }
                    sum += values[i] - fitted
                }
                count += evaluation.count
            }
            estimates.append(sum / Double(max(count, 1)))
        }
        return (SteinControlFunctional.jackknifeVariance(estimates), groupCount)
    }

    /// Σ_{k ≠ j} (n_k/n)(n_j/n) Cov(ē_k, ē_j) for least-squares cross-fitting on independent
    /// draws, to first order: T/(m_k m_j) per pair, m_k = n − n_k the draws that fit fold k's
    /// slopes and T = tr(S⁻¹MS⁻¹M), S = Cov(g) and M = E[ε (g − Eg)(g − Eg)ᵀ] (ε the residual
    /// at the population slopes). Fold k's mean holds −ḡ_kᵀδ₋ₖ (δ₋ₖ the error of its slopes,
    /// about S⁻¹ times the mean of g·ε over its training draws, fold j's among them), and
    /// E[ḡ_k · (g ε)ᵢ] = M/n_k for i in fold k, so the pair (k, j) meets twice through M. S and M
    /// are estimated on all draws, M with the held-out residuals minus their fold's mean.
    /// M = 0 when ε is mean-independent of the controls (homoscedastic residuals), and the term
    /// vanishes.
    /// - Returns: The term (0 when it is not positive), or `nil` when S does not factor.
    static func foldCovarianceTerm(controls g: [Double], p: Int, centeredResiduals r: [Double],
                                   foldSizes: [Int]) -> Double? {
        let n = r.count
        guard p > 0, n > 1 else { return 0 }
        var mean = [Double](repeating: 0, count: p)
        for i in 0..<n { for a in 0..<p { mean[a] += g[i * p + a] / Double(n) } }
        // gᵢ − ḡ as the columns of a p × n matrix: for S and M̂, then whitened by S.
        var deviations = Matrix(rows: p, columns: n)
        for i in 0..<n { for a in 0..<p { deviations[a, i] = g[i * p + a] - mean[a] } }
        var covariance = Matrix(rows: p, columns: p), moment = Matrix(rows: p, columns: p)
        for i in 0..<n {
            for b in 0..<p {
                for a in b..<p {
                    let product = deviations[a, i] * deviations[b, i]
                    covariance[a, b] += product / Double(n - 1)
                    moment[a, b] += r[i] * product / Double(n)
                }
            }
        }
        for b in 0..<p {
            for a in b..<p {
                covariance[b, a] = covariance[a, b]
                moment[b, a] = moment[a, b]
            }
        }
        guard let factor = try? covariance.choleskyFactorization(maximumJitter: 1e-10) else { return nil }
        let product = factor.solve(moment)
        var plugIn = 0.0
        for a in 0..<p { for b in 0..<p { plugIn += product[a, b] * product[b, a] } }
        // tr(S⁻¹M̂S⁻¹M̂) = ‖W‖² for W the mean of Xᵢ = rᵢwᵢwᵢᵀ (wᵢ = S^{−1/2}(gᵢ − ḡ)) is biased
        // up by the noise of M̂; the U-statistic Σ_{i≠j}⟨Xᵢ, Xⱼ⟩/(n(n − 1)) is not:
        // (n²‖W‖² − Σ rᵢ² qᵢ²)/(n(n − 1)) with qᵢ = ‖wᵢ‖² = (gᵢ − ḡ)ᵀS⁻¹(gᵢ − ḡ).
        let whitened = factor.solve(deviations)
        var diagonal = 0.0
        for i in 0..<n {
            var q = 0.0
            for a in 0..<p { q += deviations[a, i] * whitened[a, i] }
            diagonal += r[i] * r[i] * q * q
        }
        let trace = (Double(n) * Double(n) * plugIn - diagonal) / (Double(n) * Double(n - 1))
        var weights: [Double] = []
        for size in foldSizes { weights.append(Double(size) / (Double(n) * Double(n - size))) }
        let total = weights.reduce(0, +)
        let pairs = total * total - weights.reduce(0) { $0 + $1 * $1 }
        return max(0, trace * pairs)
    }

    /// Least squares of f on [1, g] over `rows` by the regression engine (a collinear control is
    /// a typed error naming it): intercept first.
    func fit(controls g: [Double], p: Int, values: [Double], rows: [Int]) throws(MonteCarloError) -> [Double] {
        var moments = CovarianceMoments(validatedDimension: p + 1)
        var row = [Double](repeating: 0, count: p + 1)
        for i in rows {
            row[0] = values[i]
            for j in 0..<p {
                row[j + 1] = g[i * p + j]
                guard row[j + 1].isFinite else { throw .nonFinite(quantity: "zero-variance control", index: i) }
            }
            moments.add(row)
        }
        let fit = try RegressionControlVariateFit(moments: moments, controlNames: controlNames(p: p), collinearity: .fail)
        return [fit.intercept()] + fit.coefficients
    }

    /// "zero-variance control j" for the p controls.
    private func controlNames(p: Int) -> [String] { (0..<p).map { "zero-variance control \($0)" } }
}
