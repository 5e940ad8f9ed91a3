import Foundation
import LinearAlgebra
import MonteCarloCore

/// Control functionals (Oates, Girolami & Chopin 2017): E_π[f] from draws, scores and integrand
/// values, using the Langevin Stein kernel k0 so that the fitted control has mean zero under π.
///
/// Model f ≈ β + ψ with ψ in the reproducing-kernel Hilbert space of k0, whose functions all
/// integrate to zero under π. With K = K0 + λI (λ a small ridge nugget, raised by adaptive
/// jitter if the Cholesky factorization fails):
///
///     β̂ = 1ᵀK⁻¹f / 1ᵀK⁻¹1,   a = K⁻¹(f − β̂1),   ψ̂(x) = Σⱼ aⱼ k0(x, xⱼ).
///
/// ```swift
/// let estimator = SteinControlFunctional(kernel: .gaussian(lengthScale: .medianHeuristic),
///                                        form: .crossFitted(folds: 5))
/// let estimate = try estimator.estimate(points: draws, scores: scores, values: values)
/// print(estimate)      // 1.0003 ± 0.0021 (n = 250, ESS = 6100)
/// ```
///
/// **Semi-exact control functionals** (South, Karvonen, Nemeth, Girolami & Oates 2022): with
/// ``polynomialDegree`` Q = 1 or 2 the model becomes f ≈ Φβ + ψ with Φ = [1, g₁ … g_p], the
/// zero-variance controls of ``ZeroVarianceControlVariates`` of degree ≤ Q, and
/// β̂ = (ΦᵀK⁻¹Φ)⁻¹ΦᵀK⁻¹f; the estimate β̂₀ (weighted form) or the held-out residuals
/// f − Σⱼ β̂ⱼgⱼ − ψ̂ (split and cross-fitted forms) integrate every polynomial of degree ≤ Q
/// exactly under a Gaussian π, and integrands that grow polynomially in the tails (where
/// the Stein-kernel functions decay) are handled by the polynomial part. Every training set
/// needs more than C(d + Q, d) draws.
///
/// **Statistical properties.** The three ``Form``s differ in what is fitted on which draws:
/// - ``Form/crossFitted(folds:)`` (default, K = 5): draw i is in fold i mod K; fold k is
///   averaged as the residuals eᵢ = fᵢ − ψ̂₋ₖ(xᵢ), with ψ̂₋ₖ (and, under tuning, its
///   hyper-parameters) fitted on the other folds only. Since E_π[ψ̂₋ₖ] = 0 for whatever
///   coefficients were fitted, each fold's mean is unbiased for i.i.d. draws, and so is the
///   estimate Σₖ (nₖ/n) ēₖ. `variance` and the interval are described below.
/// - ``Form/sampleSplit(fitFraction:)``: an evenly spaced fraction of the draws fits ψ̂, the
///   rest are averaged; unbiased for i.i.d. draws; `variance` and the interval below.
/// - ``Form/weighted(varianceFolds:)``: the full-data estimator μ̂ = β̂ = wᵀf,
///   w = K⁻¹1/1ᵀK⁻¹1 (Σwᵢ = 1). Usually the most accurate (super-root-n convergence for smooth
///   f), but β̂ is fitted on the draws it averages: it has a bias, not estimated, declared in
///   the diagnostics. Its `variance` is that of the cross-fitted estimator with
///   `varianceFolds` folds at the selected hyper-parameters (jackknife included), every fold
///   and jackknife fit at the full-data fit's total diagonal shift (nugget × the mean diagonal
///   of K0 over all draws, plus any jitter), so that all of them come exactly (to rounding)
///   from the one factorization of the full-data matrix (`LeaveOutKernelFits`): measured
///   very conservative for the weighted estimate — over 300 replications on the three problems
///   below its 95% intervals covered 100% (d = 4), 97.0% (1-D, Q = 2) and 98.0% (2-D), with
///   empirical/reported variance 0.06–0.16. The kernel Stein discrepancy √(wᵀK0w) is reported.
///
/// **The variance** of the split and cross-fitted estimates is the larger of two estimates,
/// both reported in the figures, the first plus the unseen-tail term when the residuals are
/// heavy-tailed and the uncontrolled residual grows in the tails:
/// - `heldOutVariance` = Σₖ (nₖ/n)² s²ₖ/nₖ, s²ₖ the sample variance of the held-out residuals
///   of fold k (s²/n_eval for the split form): the error of the fold means *given* the fitted
///   controls;
/// - `jackknifeVariance` = (G − 1)/G · Σ_g (θ̂₋g − θ̄)², the delete-a-group jackknife over G
///   groups of draws (the K folds when K ≥ 3, otherwise i mod 5; i mod 5 for the split form):
///   θ̂₋g is the whole estimator — fits included, at the hyper-parameters already selected —
///   recomputed without group g. It is conservative in expectation (Efron & Stein 1981);
/// - `unseenTailVariance` (`UnseenTailTerm`), added to `heldOutVariance` when the held-out
///   residuals' Pareto k̂ (figure `residualTailShape`) is at least ½ and the largest squared
///   residual without the kernel part, f − Φβ̂, among the 5 outermost draws is at least 9 times
///   its mean square over the held-out draws: twice the mean of those 5 squared residuals over
///   n² (the mean square of the integral over one random spacing, E/n with E ~ Exp(1), beyond
///   the outermost draws) — a stand-in for the error beyond the draws, which the other two
///   cannot see. 0 otherwise.
///
/// **The interval** on independent draws is Student-t when the error bar rests on few degrees
/// of freedom, normal otherwise: G − 1 = 4 (the delete-a-group jackknife's) when the jackknife
/// variance is the larger; when the unseen-tail term is added to the held-out variance, the
/// Welch–Satterthwaite ν = (V_h + V_tail)²/(V_h²/(n − K) + V_tail²), the term counting as one
/// degree of freedom (one random spacing), floored at 3 (the fewest whole degrees of freedom
/// with a finite t variance). The tail term's error is one-sided and skewed — a sample that
/// lacks the rare tail draws errs low *and* reports a small error bar — and no resampling of
/// the draws sees it; the t quantile is the price (2.78 for t₄, 3.18 for t₃, against 1.96).
/// Measured at R = 600 (`TailCalibrationTests`, full scale): x₂² under i.i.d. banana draws
/// (n = 200) 86.8% → 92.7% (93.5%, 93.2% on two other seed sets), x₁² 91.7% → 97.0%, with
/// the term and t intervals (with the former switch to the sample mean; without it, 94.2% and
/// 97.5% on the same R = 600 seeds, mean error +0.03 and +0.05 SE, and in notebook 05 at
/// R = 1000 94.9% and 97.3%, reported/empirical variance 1.66 and 1.85, mean error −0.00 and
/// −0.02 SE); conservative elsewhere: the median 95% half-width 2.2–3.2 times
/// the 95% quantile of the absolute error on the other tail-error problems, 1.4–1.9 on smooth
/// ones (details in the doc of `UnseenTailTerm`).
///
/// Why the held-out variance alone is not enough (measured with an independent numpy
/// implementation): when the fit is super-efficient, the residual f − ĉ is tiny where training
/// draws are and large only where they are not — beyond the training draws in 1-D, where
/// 60–100% of the residual's π-variance lay on the 1-D South problem (n = 250, Q = 2) — and
/// an evaluation fold seldom contains such a draw; moreover every draw trains the fits of the
/// other folds, so fold means are positively correlated. The held-out error bars then covered
/// the truth in 44–67% of 100–150 replications on the 1-D South problem (|z| up to ~10 with
/// this implementation's former error bar), 83–89% on a correlated 2-D Gaussian (n = 200) and
/// 91–95% on the d = 4 South problem (n = 250), for split, 2-, 5- and 10-fold forms. The
/// jackknife refits, so the randomness of the fitted functions enters the variance. Measured
/// with this implementation over 300 replications each (`LargeSampleCalibrationTests`, full
/// scale; Binomial acceptance region 90.3–98.7%), the 95% intervals covered the truth in
/// 96.3% (split) and 97.7% (5-fold cross-fitted) of replications on the d = 4 South problem
/// (n = 250), 95.0% and 94.7% on the 1-D South problem with Q = 2 (n = 250), and 97.0% and
/// 97.0% on the correlated 2-D Gaussian with f = sin(x₁ + x₂/2) + cos(x₂) (n = 200). The
/// price: conservative error bars — the empirical variance of the estimates was 0.33–0.61
/// times the mean reported variance (intervals about 1.3–1.7 times wider than needed) — and
/// more fits (K(K − 1) fits of n(K − 2)/K draws for cross-fitting; five fits of
/// 0.8·n·fitFraction draws for the split form). The point estimates are unchanged.
/// The part of the error that comes from the region beyond all n draws (mass ≈ 2/n in 1-D) is
/// shared by every fold and every jackknife replicate, so neither estimate sees it: before the
/// unseen-tail term, Gaussian CF on f = sin x₁ under the correlated 2-D Gaussian of the
/// `mcest cv` tests (n = 200, one fixed seed) missed by 5.9 of its standard errors, and over
/// 100 replications (`steinvvbench`, section 4) the 1-D South problem *without* a polynomial
/// part (n = 250, median k̂ 1.24) covered 79%, i.i.d. draws of the `mcmc-stein` banana
/// (n = 1000, k̂ ≈ 3.6) 85–91%. With the term (`UnseenTailTerm`; 200 replications each,
/// `TailCalibrationTests`, before → after, the term then at r²/n² with normal intervals):
/// 81.0% → 95.0% on the 1-D South problem without a polynomial part (n = 250), 93.5% → 100% on
/// sin x₁ (n = 200; the `mcest cv` fixed seed is now within 5 standard errors), 89.0% → 90.0%
/// and 87.5% → 89.5% on x₂² and x₁² under i.i.d. banana draws (n = 200; at R = 600 86.8% and
/// 91.7%, below the acceptance region — closed by the factor 2 and the t intervals above). The
/// price: the reported variance is 1.1–4 times the empirical one there (empirical/reported
/// 0.24–0.84 at R = 600 with the factor 2). The gate on the growth of f − Φβ̂ keeps the term
/// off smooth, bounded integrands whose residuals are heavy-tailed only because the fit is
/// super-efficient (the first version of the term, gated on k̂ alone and stacked on the
/// jackknife, cut the reported variance-reduction factor on the correlated 2-D Gaussian from 411
/// to 25, realised 189; now 399 over the same 12 replications of `TailCalibrationTests`);
/// measured figures are in the doc of `UnseenTailTerm`. A heavy-tail warning is still
/// raised from k̂ ≥ 0.7.
///
/// ESS is σ²_f / `variance`, σ²_f the sample variance of f over all n draws; the
/// variance-reduction factor is ESS / n.
///
/// **On Markov chains** (``SteinSample/dependence`` = `.chains`; <doc:MarkovChainErrorBars>):
/// fold k is the k-th of K contiguous blocks of every chain, and the draws within
/// ``SteinSample/foldGap`` = ⌈τ̂⌉ steps of an evaluation block are left out of the fit that
/// predicts it (a draw's chain neighbours are nearly the same point, exactly the same after a
/// rejection, and an interpolating fit would otherwise reproduce the held-out draws). The
/// estimate stays consistent for an ergodic chain (every fitted control has mean zero under π);
/// its bias from a start out of stationarity is O(1/n). `variance` is the larger of the
/// long-run variance of the held-out residual series in draw order (the sample's
/// `LongRunVarianceMethod`, pooled about the grand mean) over n and the delete-a-block
/// jackknife, whose groups are contiguous blocks within each chain (Künsch 1989); Student-t
/// with the winner's degrees of freedom (the long-run variance estimator's, or G − 1). The
/// between-fold χ² inflation is not applied. Measured over 200 replications
/// (`ChainCalibrationTests`, AR(1) chains with ρ = 0.8 and MALA chains on a Gaussian, n = 400):
/// coverage 97–99% for control functionals, conservative (empirical / reported variance
/// 0.31–0.46), and 90–99% for the semi-exact form (90% with a root-mean-square z of 1.6 on the
/// MALA chains of 100 draws). On slowly mixing chains of a non-Gaussian target the error bars
/// were too narrow: 59.5–82% on the `mcmc-stein` banana (4 chains of 250, τ ≈ 12–31), with
/// typical errors 1.2–2.1 standard errors; error in regions the chains have not yet visited is
/// shared by every fold and jackknife replicate. (Measured before the unseen-tail term, which
/// is added on chains too — their residuals had k̂ ≈ 4–5 — and not re-measured since.)
///
/// **Hyper-parameters.** The length-scale is ``KernelSpecification/lengthScale`` (median
/// heuristic by default). With ``Tuning/crossValidated(folds:lengthScaleMultipliers:nuggets:)``
/// each fit chooses, by K′-fold cross-validation *within its own training draws*, among the
/// length-scales (base × multiplier; the multiplier 1 is always included), the nuggets, and the
/// plain sample mean (ψ̂ = 0), minimizing the pooled within-fold variance of the held-out
/// residuals. When no kernel candidate beats the sample mean the fit falls back to it, and the
/// diagnostics say so in a warning: the estimator is then never much worse than plain Monte
/// Carlo (for example on discontinuous f, where kernel interpolants can be orders of magnitude
/// worse). Tuning inside each training set keeps the cross-fitted estimate unbiased.
///
/// **Guards.** The split and cross-fitted estimates are never swapped for the plain sample mean
/// on the strength of the two estimated variances: when the control functional's estimated
/// variance exceeds the sample mean's (σ²_f/n, or the long-run one on chains), the control
/// functional is still reported with that variance, and a warning says that the sample mean's
/// error bar is the smaller one (figure `sampleMeanVariance`, always given). A switch made on the same draws is a choice between two
/// unbiased estimators by statistics that are correlated with their errors, and it biases the
/// result: where the residuals are skewed, a sample without the rare, large tail draws has a
/// small control-functional variance *and* an estimate below the truth, and one with them
/// the reverse, so the switch keeps the low estimates and swaps out the high ones. Measured in
/// notebook 05 (`--replications 4000`, i.i.d. `BananaDistribution` draws, n = 200, 5 folds):
/// the former switch fired on 34% of the replications for f = x₂² and 13% for x₁², and moved
/// the mean estimate by −0.12 and −0.11 reported standard errors (t = −8.4 and −8.3) with
/// coverage 93.6% and 96.7%; the control functional without the switch has mean error −0.01
/// SE on both (t = −0.7, −0.9) and covers 94.8% and 97.3%, reported/empirical variance 1.62
/// and 1.85. (The per-fit choice of the sample mean under
/// ``Tuning/crossValidated(folds:lengthScaleMultipliers:nuggets:)`` is made inside each training
/// set and keeps the estimate unbiased.) The weighted form, whose bias is declared anyway, still
/// falls back to the sample mean (variance σ²_f/n, method `sample-mean (… fell back)`, a
/// warning) in that case, so that a broken interpolant does not leave it worse than plain Monte
/// Carlo. In the weighted
/// form, a weighted value more than 3 cross-fitted standard errors from the cross-fitted value
/// is replaced by the cross-fitted value, with a warning (a broken interpolant, e.g. a
/// discontinuous f, otherwise gives a weighted value far off with an error bar that does not
/// show it).
///
/// Diagnostics: figures `lengthScale` (of the full-data or first fit), `relativeJitter`
/// (largest total diagonal shift over fits, relative to the mean diagonal of K0),
/// `reciprocalConditionNumber` (smallest over fits, LAPACK `dpocon`), `folds`, and
/// `sampleMeanFallbacks` (how many fits chose the sample mean).
///
/// - Complexity: each fit on m draws costs O(m²d) for K0 and O(m³/3) for the Cholesky
///   factorization, and O(m²) memory; cross-fitting does K fits of size n(K−1)/K plus the
///   jackknife's K(K − 1) fits of size n(K − 2)/K (the weighted form instead inverts the
///   full-data matrix once, O(n³), and factors one block of n/K draws per fold and one Schur
///   complement of n/K draws per pair of folds: about 3.6 factorizations of order n for K = 5);
///   tuning multiplies the K selections by
///   K′·(candidates) + 1 (the jackknife reuses the selected hyper-parameters). Exact kernel
///   methods are meant for n up to a few thousand.
public struct SteinControlFunctional: FixedSampleEstimator, Hashable, Codable {
    /// Which draws fit the control and which are averaged.
    public enum Form: Sendable, Hashable, Codable {
        /// μ̂ = 1ᵀK⁻¹f / 1ᵀK⁻¹1 on all draws (biased, declared); variance from K-fold cross-fitting.
        case weighted(varianceFolds: Int = 5)
        /// Fit on a fraction of the draws, average residuals on the rest (unbiased).
        case sampleSplit(fitFraction: Double = 0.5)
        /// K-fold cross-fitting (unbiased), K ≥ 2.
        case crossFitted(folds: Int = 5)
    }

    /// How hyper-parameters are chosen.
    public enum Tuning: Sendable, Hashable, Codable {
        /// Use the specified length-scale and ``SteinControlFunctional/nugget`` as they are.
        case none
        /// K′-fold cross-validation over base length-scale × multipliers, nuggets, and the sample mean.
        case crossValidated(folds: Int = 5, lengthScaleMultipliers: [Double] = Tuning.defaultMultipliers,
                            nuggets: [Double] = Tuning.defaultNuggets)

        /// Relative ridge nuggets 10⁻⁸ (near interpolation: super-root-n rates for smooth f) and
        /// 10⁻³ (bounded coefficients: robust for rough f, where near-interpolants produce
        /// heavy-tailed controls whose variance the held-out draws underestimate).
        public static let defaultNuggets: [Double] = [1e-8, 1e-3]

        /// 10^(k/4), k = −2 … 4: from 0.32 to 10 times the base length-scale.
        public static let defaultMultipliers: [Double] = (-2...4).map { Double.pow10(Double($0) / 4) }
    }

    /// The base kernel and its length-scale rule.
    public var kernel: KernelSpecification
    /// Which draws fit and which are averaged.
    public var form: Form
    /// Hyper-parameter selection.
    public var tuning: Tuning
    /// The ridge λ (relative to the mean diagonal of K0) when not tuned; 10⁻⁸ by default.
    public var nugget: Double
    /// Q: 0 for control functionals; 1 or 2 for semi-exact control functionals (South et al.
    /// 2022), which add the zero-variance polynomial controls of degree ≤ Q to the model.
    public var polynomialDegree: Int

    /// Creates the estimator.
    /// - Parameters:
    ///   - kernel: base kernel family and length-scale rule; Gaussian with the median heuristic by default.
    ///   - form: which draws fit and which are averaged; 5-fold cross-fitting by default.
    ///   - tuning: hyper-parameter selection; none by default (use `.crossValidated()` for the
    ///     guarded, tuned estimator).
    ///   - nugget: ridge λ relative to the mean diagonal of K0 when not tuned.
    ///   - polynomialDegree: 0 for control functionals, 1 or 2 for semi-exact control functionals.
    public init(kernel: KernelSpecification = .gaussian(), form: Form = .crossFitted(),
                tuning: Tuning = .none, nugget: Double = 1e-8, polynomialDegree: Int = 0) {
        self.kernel = kernel
        self.form = form
        self.tuning = tuning
        self.nugget = nugget
        self.polynomialDegree = polynomialDegree
    }

    // MARK: - Entry points

    /// Estimates E_π[f] from a sample and the integrand values fᵢ = f(xᵢ).
    ///
    /// - Throws: `MonteCarloError/dimensionMismatch(what:expected:actual:)` when `values` does
    ///   not have one entry per draw; `MonteCarloError/nonFinite(quantity:index:)` for a NaN or
    ///   infinite value; `MonteCarloError/invalidParameter(name:value:requirement:)` for bad
    ///   folds, fractions, nuggets, multipliers or length-scales;
    ///   `MonteCarloError/insufficientSamples(needed:available:reason:)` when a fold or fit
    ///   would have too few draws; `MonteCarloError/notPositiveDefinite(jitterTried:)` when a
    ///   kernel matrix does not factor even with the largest jitter (untuned only: under tuning
    ///   such candidates are skipped).
    /// ``SteinSample/repeatsWarning(firstCopies:)`` as a list.
    static func repeatsWarningList(_ copies: [Int]?) -> [String] {
        SteinSample.repeatsWarning(firstCopies: copies).map { [$0] } ?? []
    }

    public func estimate(sample: SteinSample, values: [Double]) throws(MonteCarloError) -> Estimate {
        try sample.validate(values: values)
        try validateSettings()
        let n = sample.count
        let baseLength = try kernel.baseLengthScale(on: sample)
        let (p, controls) = try ZeroVarianceControlVariates.polynomialPart(degree: polynomialDegree, for: sample)
        let data = FitData(sample: sample, values: values, controls: controls, polynomialCount: p)
        var log = FitLog()
        var accumulator = ResidualAccumulator()
        var declaredBias: String? = nil
        var value: Double
        var extraFigures: [String: Double] = [:]
        var jackknife = 0.0
        let method: String
        var tail = UnseenTailTerm.Residuals(outermost: UnseenTailTerm.outermostDraws(of: sample))
        let copies = sample.firstCopies

        switch form {
        case .crossFitted(let folds):
            method = "\(methodPrefix)-cross-fitted"
            try requireCount(n, atLeast: 2 * folds, "(2 per fold) for \(folds)-fold cross-fitting")
            let groups: [[Int]] = if let copies { try sample.foldsKeepingCopiesTogether(folds, firstCopies: copies) }
                else { try sample.folds(folds) }
            var candidates: [Candidate] = []
            for (k, evaluation) in groups.enumerated() {
                let training = sample.training(excluding: evaluation, from: groups.enumerated().filter { $0.offset != k }.flatMap(\.element))
                let candidate = try select(data, training: training, baseLength: baseLength)
                candidates.append(candidate)
                let fit = try Surrogate(candidate, data: data, training: training, log: &log)
                let (e, rounding) = fit.residuals(data, at: evaluation)
                accumulator.addGroup(residuals: e, roundingErrors: rounding, indices: evaluation)
                tail.record(evaluation: evaluation) { fit.uncontrolledResidual(data, at: $0) }
            }
            jackknife = try crossFittedJackknifeVariance(data, folds: groups, candidates: candidates)
            value = 0
        case .sampleSplit(let fraction):
            method = "\(methodPrefix)-split"
            let (fitSet, evaluation) = try Self.split(sample, fitFraction: fraction)
            try requireCount(fitSet.count, atLeast: 2, "in the fitting part of the split")
            try requireCount(evaluation.count, atLeast: 2, "in the evaluation part of the split")
            let candidate = try select(data, training: fitSet, baseLength: baseLength)
            let fit = try Surrogate(candidate, data: data, training: fitSet, log: &log)
            let (e, rounding) = fit.residuals(data, at: evaluation)
            accumulator.addGroup(residuals: e, roundingErrors: rounding, indices: evaluation)
            tail.record(evaluation: evaluation, outermostAmong: Array(0..<n)) { fit.uncontrolledResidual(data, at: $0) }
            jackknife = try splitJackknifeVariance(data, fitSet: fitSet, evaluation: evaluation, candidate: candidate)
            value = 0
        case .weighted(let folds):
            method = "\(methodPrefix)-weighted"
            try requireCount(n, atLeast: 2 * folds, "(2 per fold) for the \(folds)-fold variance estimate")
            let all = Array(0..<n)
            let candidate = try select(data, training: all, baseLength: baseLength)
            let groups = try sample.folds(folds)
            // The full-data fit, whose factorization also gives every fold's fit (the candidate is fixed).
            var shared: LeaveOutKernelFits? = nil
            if let kernel = candidate.kernel {
                shared = try LeaveOutKernelFits(kernel: kernel, sample: sample, values: values, controls: data.controls,
                                                polynomialCount: p, nugget: candidate.nugget, blocks: groups)
            }
            // The variance: cross-fitting at the selected candidate.
            for (k, evaluation) in groups.enumerated() {
                let training = sample.training(excluding: evaluation, from: groups.enumerated().filter { $0.offset != k }.flatMap(\.element))
                let fit = try Surrogate(candidate, data: data, training: training, sharing: shared, log: &log)
                let (e, rounding) = fit.residuals(data, at: evaluation)
                accumulator.addGroup(residuals: e, roundingErrors: rounding, indices: evaluation)
                tail.record(evaluation: evaluation) { fit.uncontrolledResidual(data, at: $0) }
            }
            jackknife = try crossFittedJackknifeVariance(data, folds: groups, candidates: Array(repeating: candidate, count: groups.count),
                                                         sharing: shared)
            if let shared {
                log.fits += 1
                log.record(shared.full, first: true)
                value = shared.full.constant
                extraFigures["kernelSteinDiscrepancy"] = shared.full.kernelSteinDiscrepancy
                declaredBias = "unknown, not estimated: the weights are fitted on the draws they average (the variance is that of the cross-fitted estimator)"
            } else {
                _ = try Surrogate(candidate, data: data, training: all, log: &log, recordFirst: true)
                value = values.reduce(0, +) / Double(n)
            }
        }

        let combined = try accumulator.combine(dependence: sample.dependence)
        // The error bar: the larger of the held-out residual variance (without the between-fold
        // inflation, which the jackknife supersedes) plus the unseen-tail term (when the held-out
        // residuals are heavy-tailed and f − Φβ̂ grows in the tails), and the delete-a-group
        // jackknife variance.
        let heldOut = combined.withinVariance
        let shape = accumulator.residualTailShape
        let tailVariance = tail.variance(shape: shape, count: n)
        var variance = max(heldOut + tailVariance, jackknife)
        // A t interval with the jackknife's G − 1 degrees of freedom when the jackknife is the
        // larger; otherwise, chains: the long-run variance estimator's; independent draws: the
        // Welch–Satterthwaite degrees of freedom of the held-out variance plus the unseen-tail
        // term when the term was added (one degree of freedom for the term), else normal.
        var degreesOfFreedom: Double? = nil
        if heldOut + tailVariance < jackknife {
            degreesOfFreedom = Double(Self.jackknifeGroupCount(for: form) - 1)
        } else if sample.dependence.isChain {
            degreesOfFreedom = combined.degreesOfFreedom
        } else if tailVariance > 0 {
            degreesOfFreedom = UnseenTailTerm.degreesOfFreedom(
                heldOut: heldOut, heldOutDegreesOfFreedom: Double(accumulator.count - accumulator.groupCount), tail: tailVariance)
        }
        var warnings = Self.repeatsWarningList(copies)
        if case .weighted = form {
            // Guard: the unbiased cross-fitted estimate is at hand; a weighted value more than
            // 3 of its standard errors away signals an interpolant that broke down (rough f).
            if declaredBias != nil, abs(value - combined.value) > 3 * variance.squareRoot() {
                warnings.append("The weighted estimate \(value) differs from the cross-fitted estimate \(combined.value) by more than 3 standard errors (the kernel interpolant is unreliable, e.g. for a rough f); the unbiased cross-fitted estimate is reported instead.")
                value = combined.value
                declaredBias = nil
            }
        } else {
            value = combined.value
        }
        let perDraw = sampleVariance(values)
        let plain = try sample.dependence.varianceOfMean(values)
        var fellBack = log.fallbacks == log.fits
        if case .weighted = form, !fellBack, !(variance <= plain.varianceOfMean) {
            // The weighted form (biased, declared) keeps the switch.
            warnings.append("The control functional's estimated variance \(variance) exceeds the sample mean's \(plain.varianceOfMean); the plain sample mean is reported instead.")
            value = plain.mean
            variance = plain.varianceOfMean
            degreesOfFreedom = plain.degreesOfFreedom
            declaredBias = nil
            fellBack = true
        } else if !fellBack, !(variance <= plain.varianceOfMean) {
            // The split and cross-fitted forms are not swapped for the sample mean: a switch
            // decided on the same draws biases them (see the type's Guards paragraph).
            warnings.append("The control functional's estimated variance \(variance) exceeds the sample mean's \(plain.varianceOfMean) (figure sampleMeanVariance): on these draws the plain sample mean would have the smaller error bar. The control functional is still reported, since switching on the same draws would bias the estimate; consider the sample mean, a polynomial part (polynomialDegree: 2) or tuning: .crossValidated().")
        }
        let ess = Estimate.effectiveSampleSize(perDrawVariance: perDraw, estimatorVariance: variance, evaluations: n)
        if combined.atFloor && !fellBack { warnings.append(ResidualAccumulator.roundingWarning) }
        if log.fallbacks > 0 {
            warnings.append("Cross-validation found no gain over the sample mean in \(log.fallbacks) of \(log.fits) fits; those fits use the plain sample mean (no control).")
        }
        var figures = extraFigures
        figures["sampleMeanVariance"] = plain.varianceOfMean
        figures["heldOutVariance"] = heldOut
        if let shape {
            figures["residualTailShape"] = shape
            figures["unseenTailVariance"] = tailVariance
            if shape >= ParetoTailDiagnostic.unreliableShape {
                warnings.append(ResidualAccumulator.heavyTailWarning(shape: shape))
            }
        }
        figures["jackknifeVariance"] = jackknife
        figures["sampleMeanFallbacks"] = Double(log.fallbacks)
        figures["baseLengthScale"] = baseLength
        if let first = log.firstLengthScale { figures["lengthScale"] = first }
        if log.kernelFits > 0 {
            figures["relativeJitter"] = log.largestRelativeJitter
            figures["reciprocalConditionNumber"] = log.smallestReciprocalCondition
        }
        switch form {
        case .crossFitted(let k), .weighted(let k): figures["folds"] = Double(k)
        case .sampleSplit: break
        }
        if sample.dependence.isChain {
            figures["plainMeanLongRunVariance"] = plain.longRunVariance
            let convergence = convergenceCheck(values, on: sample)
            figures.merge(convergence.figures) { $1 }
            warnings = convergence.warnings + warnings
        }
        return Estimate(
            value: value, variance: variance, sampleCount: n, effectiveSampleSize: ess,
            degreesOfFreedom: degreesOfFreedom,
            diagnostics: Diagnostics(
                method: fellBack ? "sample-mean (\(method) fell back)" : method,
                varianceReductionFactor: ess / Double(n), declaredBias: fellBack ? nil : declaredBias,
                figures: figures, warnings: warnings))
    }

    var methodPrefix: String {
        polynomialDegree == 0 ? "stein-control-functional" : "semi-exact-control-functional-Q\(polynomialDegree)"
    }

    // MARK: - Fitting

    /// Everything a fit reads: draws, values, and the polynomial controls (n × p, row-major).
    struct FitData {
        let sample: SteinSample
        let values: [Double]
        let controls: [Double]
        let polynomialCount: Int
    }

    /// A fitted control: the kernel surrogate, or none (the sample mean).
    enum Surrogate {
        case sampleMean
        case kernel(KernelFit)

        /// Fits `candidate` on `training`. `estimatesCondition` false skips the condition
        /// estimate of the kernel matrix: for refits whose figures are not reported (the
        /// jackknife's); it does not change the fit.
        init(_ candidate: Candidate, data: FitData, training: [Int],
             log: inout FitLog, recordFirst: Bool = false, estimatesCondition: Bool = true) throws(MonteCarloError) {
            log.fits += 1
            guard let kernel = candidate.kernel else {
                log.fallbacks += 1
                self = .sampleMean
                return
            }
            let fit = try KernelFit(kernel: kernel, sample: data.sample, values: data.values, controls: data.controls,
                                    polynomialCount: data.polynomialCount, training: training, nugget: candidate.nugget,
                                    estimatesCondition: estimatesCondition)
            log.record(fit, first: recordFirst)
            self = .kernel(fit)
        }

        /// Fits `candidate` on `training` from `shared` (``LeaveOutKernelFits``, the full-data
        /// factorization at this candidate) when given: every such fit uses the full-data fit's
        /// total diagonal shift, and a refit at that shift stands in when the left-out block does
        /// not factor. Without `shared`, as ``init(_:data:training:log:recordFirst:estimatesCondition:)``.
        /// `heldOutOnly`: the fit is used for its held-out residuals only (``residualValues(_:at:)``),
        /// so a derived fit skips its kernel coefficients.
        init(_ candidate: Candidate, data: FitData, training: [Int], sharing shared: LeaveOutKernelFits?,
             log: inout FitLog, estimatesCondition: Bool = true, heldOutOnly: Bool = false) throws(MonteCarloError) {
            guard let shared, let kernel = candidate.kernel else {
                try self.init(candidate, data: data, training: training, log: &log, estimatesCondition: estimatesCondition)
                return
            }
            log.fits += 1
            var fit: KernelFit
            if let derived = shared.fit(training: training, computesCoefficients: !heldOutOnly) {
                fit = derived
            } else {
                fit = try KernelFit(kernel: kernel, sample: data.sample, values: data.values, controls: data.controls,
                                    polynomialCount: data.polynomialCount, training: training, nugget: candidate.nugget,
                                    diagonalShift: shared.full.jitter, estimatesCondition: estimatesCondition)
            }
            log.record(fit, first: false)
            self = .kernel(fit)
        }

        /// f(xᵢ) − Φ(xᵢ)β̂ for a kernel fit; nil for the sample mean (no control to decay).
        func uncontrolledResidual(_ data: FitData, at i: Int) -> Double? {
            guard case .kernel(let fit) = self else { return nil }
            return fit.uncontrolledResidual(values: data.values, controls: data.controls, at: i)
        }

        /// The residuals without their rounding bounds.
        func residualValues(_ data: FitData, at indices: [Int]) -> [Double] {
            switch self {
            case .sampleMean: return indices.map { data.values[$0] }
            case .kernel(let fit): return fit.residualValues(sample: data.sample, values: data.values, controls: data.controls, at: indices)
            }
        }

        func residuals(_ data: FitData, at indices: [Int]) -> (residuals: [Double], rounding: [Double]) {
            switch self {
            case .sampleMean:
                let e = indices.map { data.values[$0] }
                return (e, e.map { 0 * $0 })
            case .kernel(let fit):
                return fit.residuals(sample: data.sample, values: data.values, controls: data.controls, at: indices)
            }
        }
    }

    /// A hyper-parameter candidate; `kernel == nil` is the sample mean.
    struct Candidate {
        var kernel: LangevinSteinKernel?
        var nugget: Double
    }

    /// What the fits did, for the diagnostics.
    struct FitLog {
        var fits = 0
        var fallbacks = 0
        var kernelFits = 0
        var firstLengthScale: Double?
        var largestRelativeJitter = 0.0
        var smallestReciprocalCondition = Double.infinity

        mutating func record(_ fit: KernelFit, first: Bool) {
            kernelFits += 1
            if first || firstLengthScale == nil { firstLengthScale = fit.kernel.base.lengthScale }
            largestRelativeJitter = max(largestRelativeJitter, fit.relativeJitter)
            smallestReciprocalCondition = min(smallestReciprocalCondition, fit.reciprocalConditionNumber)
        }
    }

    /// Selects a candidate on `training` (tuning) and fits it there.
    func fitSelected(_ data: FitData, training: [Int], baseLength: Double,
                     log: inout FitLog) throws(MonteCarloError) -> Surrogate {
        let candidate = try select(data, training: training, baseLength: baseLength)
        return try Surrogate(candidate, data: data, training: training, log: &log)
    }

    /// The untuned candidate, or the cross-validated choice among length-scales, nuggets and the
    /// sample mean, using only the draws in `training`.
    func select(_ data: FitData, training: [Int], baseLength: Double) throws(MonteCarloError) -> Candidate {
        let values = data.values
        switch tuning {
        case .none:
            return Candidate(kernel: try kernel.steinKernel(lengthScale: baseLength),
                             nugget: nugget)
        case let .crossValidated(folds, multipliers, nuggets):
            try requireCount(training.count, atLeast: 2 * folds, "(2 per fold) in every training set for \(folds)-fold tuning")
            let inner = data.sample.innerFolds(of: training, folds: folds)
            // The sample mean: within-fold variance of f itself.
            var baseline = ResidualAccumulator()
            for evaluation in inner {
                baseline.addGroup(residuals: evaluation.map { values[$0] }, roundingErrors: [])
            }
            var best = Candidate(kernel: nil, nugget: 0)
            var bestScore = baseline.withinGroupMeanSquare
            var scales = multipliers
            if !scales.contains(1) { scales.insert(1, at: 0) }
            for multiplier in scales {
                let kernel = try kernel.steinKernel(lengthScale: baseLength * multiplier)
                for lambda in nuggets {
                    var accumulator = ResidualAccumulator()
                    var failed = false
                    for (k, evaluation) in inner.enumerated() {
                        let innerTraining = data.sample.training(excluding: evaluation, from: inner.enumerated().filter { $0.offset != k }.flatMap(\.element))
                        guard let fit = try? KernelFit(kernel: kernel, sample: data.sample, values: values, controls: data.controls,
                                                       polynomialCount: data.polynomialCount, training: innerTraining,
                                                       nugget: lambda, estimatesCondition: false) else {
                            failed = true
                            break
                        }
                        let (e, _) = fit.residuals(sample: data.sample, values: values, controls: data.controls, at: evaluation)
                        accumulator.addGroup(residuals: e, roundingErrors: [])
                    }
                    guard !failed else { continue }
                    let score = accumulator.withinGroupMeanSquare
                    if score.isFinite, score < bestScore {
                        bestScore = score
                        best = Candidate(kernel: kernel, nugget: lambda)
                    }
                }
            }
            return best
        }
    }

    /// The draws that fit and the draws that are averaged in the split form: an evenly spaced
    /// fraction for independent draws; for chains, the first fraction of every chain fits and
    /// the rest of it is averaged, and the fitting draws within `gap` (``SteinSample/foldGap``)
    /// steps of the evaluation part are left out.
    static func split(_ sample: SteinSample, fitFraction fraction: Double) throws(MonteCarloError) -> (fit: [Int], evaluation: [Int]) {
        try split(count: sample.count, dependence: sample.dependence, gap: sample.foldGap, fitFraction: fraction)
    }

    /// As ``split(_:fitFraction:)`` for `n` draws with the given dependence.
    static func split(count n: Int, dependence: SampleDependence, gap: Int,
                      fitFraction fraction: Double) throws(MonteCarloError) -> (fit: [Int], evaluation: [Int]) {
        if dependence.isChain {
            var fit: [Int] = [], evaluation: [Int] = []
            for range in try dependence.chainRanges(count: n) {
                let cut = range.lowerBound + Int((Double(range.count) * fraction).rounded())
                fit.append(contentsOf: range.lowerBound..<cut)
                evaluation.append(contentsOf: cut..<range.upperBound)
            }
            return (SteinSample.training(excluding: evaluation, from: fit, count: n, dependence: dependence, gap: gap), evaluation)
        }
        let fitCount = Int((Double(n) * fraction).rounded())
        let fitSet = (0..<fitCount).map { $0 * n / max(fitCount, 1) }
        var isFit = [Bool](repeating: false, count: n)
        for i in fitSet { isFit[i] = true }
        return (fitSet, (0..<n).filter { !isFit[$0] })
    }

    // MARK: - Validation

    func validateSettings() throws(MonteCarloError) {
        switch form {
        case .crossFitted(let k), .weighted(let k):
            guard k >= 2 else { throw .invalidParameter(name: "folds", value: Double(k), requirement: "at least 2") }
        case .sampleSplit(let fraction):
            guard fraction > 0, fraction < 1 else {
                throw .invalidParameter(name: "fitFraction", value: fraction, requirement: "in the open interval (0, 1)")
            }
        }
        guard (0...2).contains(polynomialDegree) else {
            throw .invalidParameter(name: "polynomialDegree", value: Double(polynomialDegree), requirement: "0, 1 or 2")
        }
        guard nugget.isFinite, nugget >= 0 else {
            throw .invalidParameter(name: "nugget", value: nugget, requirement: "finite and non-negative")
        }
        if case let .crossValidated(folds, multipliers, nuggets) = tuning {
            guard folds >= 2 else { throw .invalidParameter(name: "tuning folds", value: Double(folds), requirement: "at least 2") }
            for m in multipliers where !(m.isFinite && m > 0) {
                throw .invalidParameter(name: "lengthScaleMultipliers", value: m, requirement: "finite and positive")
            }
            guard !nuggets.isEmpty else { throw .invalidArgument("Tuning needs at least one nugget value.") }
            for λ in nuggets where !(λ.isFinite && λ >= 0) {
                throw .invalidParameter(name: "nuggets", value: λ, requirement: "finite and non-negative")
            }
        }
        _ = try kernel.steinKernel(lengthScale: 1)
    }
}

/// Throws `MonteCarloError/insufficientSamples(needed:available:reason:)` when `available < needed`.
func requireCount(_ available: Int, atLeast needed: Int, _ reason: String) throws(MonteCarloError) {
    guard available >= needed else {
        throw .insufficientSamples(needed: needed, available: available, reason: reason)
    }
}

extension Double {
    static func pow10(_ x: Double) -> Double { Foundation.pow(10, x) }
}
