import Foundation
import LinearAlgebra
import MonteCarloCore
import VarianceReduction

/// Vector-valued control variates (Sun, Barp & Briol 2023, ICML): the expectations
/// E_π[f₁] … E_π[f_T] of several related integrands estimated jointly, with a matrix-valued
/// Stein kernel that lets the fit of each integrand borrow strength from the others.
///
/// Two settings, both under one target π (every draw's score is ∇ log π):
/// - T integrands on **one sample** (``estimate(sample:values:)->VectorEstimate``, what `mcest cv --method vv`
///   does): the estimates are correlated, and the returned covariance has off-diagonal terms;
/// - T integrands on **their own samples** (``estimate(tasks:)``, the "multiple datasets, one
///   target" setting of the paper): each task's fit also uses the other tasks' draws, which is
///   where joint estimation gains most (measured with `steinvvbench` on the paper's pair of
///   South functions, m = 50 draws each, 100 replications: mean squared errors 1.70× and 2.12×
///   lower than separate control functionals in the weighted form, 1.48× and 1.94× in the
///   cross-fitted form; paired z = 2.5 and 2.6, heavy-tailed differences from fallbacks to the
///   sample mean — the cross-fitted figures with the former switch to the sample mean, see
///   Guard below; the test suite's comparison uses 240 replications).
///
/// ```swift
/// let vv = VectorValuedControlVariates()                          // B estimated, 5-fold cross-fitted
/// let joint = try vv.estimate(tasks: [.init(sample: s1, values: f1), .init(sample: s2, values: f2)])
/// print(joint)                       // one line per integrand; joint.covariance is 2 × 2
/// ```
///
/// **Model.** f_t = c_t + ψ_t, where (ψ₁ … ψ_T) has the separable matrix-valued kernel
/// B_ts·k0(x, y), k0 the Langevin Stein kernel of ``kernel``, so each ψ_t has mean zero under π
/// and c_t = E_π[f_t]. B is the task covariance (see ``TaskCovariance``; each integrand is first
/// divided by its training standard deviation, so B acts on correlations). The constants are the
/// generalized-least-squares fit ĉ = (EᵀG⁻¹E)⁻¹EᵀG⁻¹y with G the kernel matrix of all
/// observations plus the ridge nugget (see `VectorValuedFit`). With B = I (``TaskCovariance/independent``)
/// this is exactly T separate control functionals. On one shared sample and without a nugget,
/// joint and separate fits interpolate the same values and coincide for any invertible B: there
/// the gain comes only from the nugget acting differently on the rotated integrands, and is small;
/// the value of `estimate(sample:values:)` is mostly the joint covariance.
///
/// **Statistical properties.** As for ``SteinControlFunctional``:
/// - ``Form/crossFitted(folds:)`` (default): draw a of every task is in fold a mod K; fold k's
///   residuals f_t − ψ̂_t are averaged with ψ̂ (and B, when estimated) fitted on the other folds of
///   all tasks. E_π[ψ̂_t] = 0 for any fitted coefficients, so the estimate is **unbiased** for
///   i.i.d. draws. `covariance` is Σₖ (nₖ/n)² Cₖ/nₖ with Cₖ the sample covariance of the residual
///   vectors in fold k (shared sample; covariances between folds through the fits are ignored).
///   For tasks on their own independent samples the residuals of different tasks are independent
///   given the fits, and the covariance is reported diagonal. Each diagonal entry gets the scalar
///   estimator's safeguards (rounding floor; between-fold χ² inflation) and is then raised to the
///   delete-a-group jackknife variance of its component when that is larger (every fit refitted
///   without the group with the B it selected; figure `jackknifeRaisedComponents`), as
///   ``SteinControlFunctional`` does: held-out residual covariances ignore the dependence between
///   fold means through the shared fits and were measured too narrow (91% coverage of 95%
///   intervals on one sample). When a task's held-out residuals have Pareto k̂ ≥ ½ and its
///   f_t − ĉ_t grows in the tails, the entry is at least its held-out variance plus the
///   unseen-tail term of `UnseenTailTerm` (twice the mean (f_t − ĉ_t)² over the task's 5 outermost
///   draws over n_t², ĉ_t from the fit that held the draw out; figure `unseenTailComponents`
///   counts the tasks): the error beyond the draws, which neither the held-out covariance nor
///   the jackknife sees (before it, `mcest cv --method vv` was held to the plain error bar on
///   sin x₁). Off-diagonal entries are rescaled
///   with the diagonal, so the correlations are the held-out ones and the matrix stays positive
///   semi-definite. Where a component's unseen-tail term was added (independent draws),
///   Student-t intervals as ``SteinControlFunctional``'s: G − 1 degrees of freedom when the
///   jackknife variance is the reported one, else Welch–Satterthwaite's for the held-out
///   variance plus the term; normal otherwise (the jackknife alone is conservative there). The
///   estimate carries the smallest of its components' degrees of freedom.
/// - ``Form/sampleSplit(fitFraction:)``: one fit on an evenly spaced fraction of every task's
///   draws, the rest averaged; unbiased, covariance C/n_eval, raised to the jackknife (5 groups)
///   in the same way.
/// - On Markov chains (each task's ``SteinSample/dependence``): folds, split and jackknife
///   groups are contiguous blocks within each chain, each fit leaves out the
///   ``SteinSample/foldGap`` draws next to its evaluation block, every diagonal entry is the
///   long-run variance of that task's held-out residual series (then raised to the jackknife),
///   and the off-diagonal entries are the held-out lag-0 correlations rescaled with the
///   diagonal: an approximation that ignores cross-lag covariances between tasks (exact
///   marginal error bars, approximate joint ones). Measured (`ChainCalibrationTests`, AR(1),
///   ρ = 0.8, 4 chains of 100, 200 replications): coverage 96.5% and 97.0% for the two
///   components, conservative (empirical / reported variance 0.50 and 0.37; the same with and
///   without the former switch to the sample mean, which never fired there).
/// - ``Form/weighted(varianceFolds:)``: the values are the full-data constants ĉ_t (the
///   estimate of the paper's code): a bias, not estimated, is declared; the covariance is the
///   cross-fitted one. A component more than 3 cross-fitted standard errors from its
///   cross-fitted value is replaced by it, with a warning.
///
/// Measured calibration (d = 4 South function and a partner, n = 100 per task): with the
/// held-out covariance alone, the cross-fitted form on one sample was slightly too narrow over
/// 1000 replications (coverage 91.3%, empirical/reported variance 1.11), like the scalar
/// cross-fitted control functional on the same problem (91.0%, 1.22); with the jackknife the
/// error bars are conservative: coverage 97.4% (one sample) and 97.8–98.2% (two samples),
/// reported variance about 2.2 times the empirical one
/// (`MONTECARLO_CALIBRATION=full swift test --filter VectorValuedTests/calibration`).
///
/// On a skewed tail-error problem the cross-fitted form is unbiased, and its intervals need
/// the Student-t quantiles: i.i.d. `BananaDistribution` draws (n = 200), f₁ = x₂² and f₂ = x₁² on
/// one sample, R = 2000 (`VectorValuedSampleMeanSwitchTests`, full scale): mean error +0.002 and
/// +0.004 reported standard errors (t = +0.13 and +0.26), reported variance 1.56 and 1.82 times
/// the empirical one, coverage 94.1% and 97.2% with the t intervals (88.5% and 92.2% with normal
/// ones, which this type used before; the plain sample mean's normal intervals on the same
/// draws: 91.8% and 95.0%). The errors are skewed and the standard errors are small on exactly
/// the samples whose estimates are low (the rare, large x₂² draws are missing), as for
/// ``SteinControlFunctional`` on the same problem (94.2% and 97.5% at R = 600).
///
/// **Guard.** The split and cross-fitted estimates are never swapped for the plain sample mean
/// on the strength of the estimated variances: when component t's estimated variance exceeds
/// its sample mean's (σ²_t/n_t, or the long-run one on chains), its own estimate is still
/// reported with that variance, and `componentWarnings[t]` says that the sample mean's error
/// bar is the smaller one (figure `sampleMeanVariance[t]`, given for every t; figures are
/// shared by all components, hence the index). A switch made on the same draws is a choice
/// between two unbiased estimators by statistics that are correlated with their errors, and it
/// biases the result: where the residuals are skewed, a sample without the rare, large tail
/// draws has a small estimated variance *and* an estimate below the truth, and one with them
/// the reverse, so the switch keeps the low estimates and swaps out the high ones. Measured on
/// the banana problem above (R = 2000): the former switch fired on 36.6% of the replications
/// for x₂² and 14.5% for x₁², and moved the mean estimates by −0.099 and −0.084 reported
/// standard errors (t = −4.88 and −4.64), coverage 87.4% and 91.6% (normal intervals); without
/// it +0.002 and +0.004 (t = +0.13, +0.26). The mean of z = error/SE is no test of
/// this bias here: it is −0.52 and −0.32 without the switch, and −0.20 and −0.06 for the plain
/// sample mean, since the errors and their standard errors are correlated. The weighted form,
/// whose bias is declared anyway, still falls back in that case: the component's residuals are
/// replaced by the raw values (so the covariance stays joint), its value is the sample mean, a
/// warning says so, and figure `sampleMeanFallbacks` counts those components (0 in the other
/// forms). Warnings about one integrand are in `componentWarnings[t]` (t from 0;
/// `component(t)` includes them). ESS of component t is σ²_t / variance_t, σ²_t the sample
/// variance of f_t over its draws; `sampleCount` is the number of draws (n on one sample,
/// Σ m_t on several).
///
/// - Complexity: on one sample, each fit costs T Cholesky factorizations of order n_fit
///   (O(T n³/3)); on T samples one of order Σ m_t (O((Σ m_t)³/3)). An estimated B multiplies the
///   number of fits by 1 + K′ × (shrinkage values).
public struct VectorValuedControlVariates: Sendable, Hashable, Codable {
    /// One task of the several-samples setting: its draws from π and f_t at them.
    public struct Task: Sendable, Hashable, Codable {
        /// The draws and the scores ∇ log π there.
        public var sample: SteinSample
        /// f_t at the draws.
        public var values: [Double]

        /// Creates a task.
        public init(sample: SteinSample, values: [Double]) {
            self.sample = sample
            self.values = values
        }
    }

    /// Which draws fit the controls and which are averaged.
    public enum Form: Sendable, Hashable, Codable {
        /// K-fold cross-fitting (unbiased), K ≥ 2.
        case crossFitted(folds: Int = 5)
        /// Fit on a fraction of every task's draws, average residuals on the rest (unbiased).
        case sampleSplit(fitFraction: Double = 0.5)
        /// The full-data constants ĉ_t (biased, declared); covariance from K-fold cross-fitting.
        case weighted(varianceFolds: Int = 5)
    }

    /// The task covariance B of the matrix-valued kernel B·k0.
    public enum TaskCovariance: Sendable, Hashable, Codable {
        /// B = I: separate control functionals (a baseline).
        case independent
        /// A fixed symmetric positive semi-definite T × T matrix, row-major, acting on the
        /// integrands divided by their standard deviations (so a correlation matrix is natural).
        case fixed([Double])
        /// B(γ) = (1 − γ)I + γR̂, with R̂ the correlation matrix of pilot separate fits ψ̂_t at all
        /// training draws, and γ chosen among `shrinkage` (0, separate fits, is always a candidate)
        /// by `folds`-fold cross-validation inside each training set (the held-out squared
        /// residuals, each task's divided by its variance, summed over tasks).
        case estimated(shrinkage: [Double] = [0.5, 0.9, 1], folds: Int = 3)
    }

    /// The base kernel and its length-scale rule (median heuristic on all pooled draws by default).
    public var kernel: KernelSpecification
    /// Which draws fit and which are averaged.
    public var form: Form
    /// The task covariance B.
    public var taskCovariance: TaskCovariance
    /// The ridge nugget λ relative to the mean diagonal of the kernel matrix; positive.
    public var nugget: Double

    /// Creates the estimator.
    /// - Parameters:
    ///   - kernel: base kernel and length-scale rule; Gaussian, median heuristic by default.
    ///   - form: 5-fold cross-fitting by default.
    ///   - taskCovariance: estimated by cross-validation by default.
    ///   - nugget: relative ridge, 10⁻⁶ by default (B may be singular; the nugget keeps G definite).
    public init(kernel: KernelSpecification = .gaussian(), form: Form = .crossFitted(),
                taskCovariance: TaskCovariance = .estimated(), nugget: Double = 1e-6) {
        self.kernel = kernel
        self.form = form
        self.taskCovariance = taskCovariance
        self.nugget = nugget
    }

    // MARK: - Entry points

    /// Estimates E_π[f_t] for T integrands evaluated on one sample: `values[t][i]` = f_t(xᵢ).
    /// - Throws: `MonteCarloError/insufficientSamples(needed:available:reason:)` for no integrand
    ///   or too few draws per fold; `MonteCarloError/dimensionMismatch(what:expected:actual:)` /
    ///   `MonteCarloError/nonFinite(quantity:index:)` for a values array of the wrong length or
    ///   with a NaN; `MonteCarloError/invalidParameter(name:value:requirement:)` for bad
    ///   settings (including a `fixed` B of the wrong size, asymmetric, or not positive
    ///   semi-definite); `MonteCarloError/notPositiveDefinite(jitterTried:)` when a kernel
    ///   matrix does not factor.
    public func estimate(sample: SteinSample, values: [[Double]]) throws(MonteCarloError) -> VectorEstimate {
        guard !values.isEmpty else { throw .insufficientSamples(needed: 1, available: 0, reason: "integrands to estimate") }
        for v in values { try sample.validate(values: v) }
        let all = Array(0..<sample.count)
        let data = TaskData(pooled: sample, pointIndices: Array(repeating: all, count: values.count), values: values,
                            sharedDraws: true, dependences: Array(repeating: sample.dependence, count: values.count),
                            gaps: Array(repeating: sample.foldGap, count: values.count))
        return try run(data)
    }

    /// Estimates E_π[f_t] for T integrands, task t evaluated on its own sample from π.
    /// - Throws: as ``estimate(sample:values:)->VectorEstimate``; also
    ///   `MonteCarloError/dimensionMismatch(what:expected:actual:)` when the samples differ in
    ///   dimension.
    public func estimate(tasks: [Task]) throws(MonteCarloError) -> VectorEstimate {
        guard let first = tasks.first else { throw .insufficientSamples(needed: 1, available: 0, reason: "tasks to estimate") }
        let d = first.sample.dimension
        var points: [Double] = [], scores: [Double] = [], indices: [[Int]] = []
        for (t, task) in tasks.enumerated() {
            guard task.sample.dimension == d else {
                throw .dimensionMismatch(what: "dimension of the draws of task \(t)", expected: d, actual: task.sample.dimension)
            }
            try task.sample.validate(values: task.values)
            let offset = points.count / d
            indices.append(Array(offset..<(offset + task.sample.count)))
            points.append(contentsOf: task.sample.points)
            scores.append(contentsOf: task.sample.scores)
        }
        let pooled = try SteinSample(count: points.count / d, dimension: d, points: points, scores: scores)
        return try run(TaskData(pooled: pooled, pointIndices: indices, values: tasks.map(\.values), sharedDraws: false,
                                dependences: tasks.map(\.sample.dependence), gaps: tasks.map(\.sample.foldGap)))
    }

    // MARK: - Estimation

    /// Per task, per group: residuals (or raw values after a fallback) and rounding bounds.
    struct Groups {
        var residuals: [[[Double]]]   // [task][group][draw]
        var rounding: [[[Double]]]
        var raw: [[[Double]]]
        var indices: [[[Int]]]        // [task][group][draw]: the task's draw index
    }

    /// Fold membership of every draw of every task: i mod K for independent draws, K contiguous
    /// blocks within each chain for chains.
    static func membership(_ data: TaskData, folds: Int) throws(MonteCarloError) -> [[Int]] {
        var result: [[Int]] = []
        for t in 0..<data.taskCount {
            var member = [Int](repeating: 0, count: data.values[t].count)
            let groups = try CrossFitFolds(folds).groups(drawCount: member.count, dependence: data.dependences[t])
            for (k, fold) in groups.enumerated() {
                for i in fold { member[i] = k }
            }
            result.append(member)
        }
        return result
    }

    func run(_ data: TaskData) throws(MonteCarloError) -> VectorEstimate {
        try validateSettings(taskCount: data.taskCount)
        let tasks = data.taskCount
        let counts = data.values.map(\.count)
        let baseLength = try kernel.baseLengthScale(on: data.pooled)
        let stein = try kernel.steinKernel(lengthScale: baseLength)
        var log = VectorFitLog()
        var groups = Groups(residuals: Array(repeating: [], count: tasks), rounding: Array(repeating: [], count: tasks),
                            raw: Array(repeating: [], count: tasks), indices: Array(repeating: [], count: tasks))
        var weightedValues: [Double]? = nil
        let methodName: String
        // Every held-out fit: its training and evaluation draws per task, and its B (for the jackknife).
        var fits: [(training: [[Int]], evaluation: [[Int]], taskCovariance: [Double])] = []
        // Per task, its outermost draws (task indices) and f − ĉ there from the fits that held them out.
        let outermost = (0..<tasks).map { t in
            let pooledIndices = UnseenTailTerm.outermostDraws(points: data.pooled.points, dimension: data.pooled.dimension,
                                                              among: data.pointIndices[t])
            return pooledIndices.compactMap { data.pointIndices[t].firstIndex(of: $0) }
        }
        var tails = outermost.map { UnseenTailTerm.Residuals(outermost: $0) }

        func addGroup(_ fit: VectorValuedFit, evaluation: [[Int]]) {
            for t in 0..<tasks {
                tails[t].record(evaluation: evaluation[t]) { data.values[t][$0] - fit.constants[t] }
            }
            if data.sharedDraws {
                let (psi, rounding) = fit.predictions(data, at: evaluation[0])
                let m = evaluation[0].count
                for t in 0..<tasks {
                    let f = evaluation[0].map { data.values[t][$0] }
                    groups.indices[t].append(evaluation[0])
                    groups.raw[t].append(f)
                    groups.residuals[t].append((0..<m).map { f[$0] - psi.storage[$0 + t * m] })
                    groups.rounding[t].append((0..<m).map { rounding.storage[$0 + t * m] + 4 * Double.ulpOfOne * abs(f[$0]) })
                }
            } else {
                for t in 0..<tasks {
                    let (psi, rounding) = fit.predictions(data, at: evaluation[t].map { data.pointIndices[t][$0] })
                    let m = evaluation[t].count
                    let f = evaluation[t].map { data.values[t][$0] }
                    groups.indices[t].append(evaluation[t])
                    groups.raw[t].append(f)
                    groups.residuals[t].append((0..<m).map { f[$0] - psi.storage[$0 + t * m] })
                    groups.rounding[t].append((0..<m).map { rounding.storage[$0 + t * m] + 4 * Double.ulpOfOne * abs(f[$0]) })
                }
            }
        }

        func crossFit(_ folds: Int) throws(MonteCarloError) {
            for t in 0..<tasks {
                try requireCount(counts[t], atLeast: 2 * folds, "(2 per fold) for \(folds)-fold cross-fitting of task \(t)")
            }
            let member = try Self.membership(data, folds: folds)
            for k in 0..<folds {
                let evaluation = member.map { fold in fold.indices.filter { fold[$0] == k } }
                let training = member.enumerated().map { t, fold in
                    data.training(task: t, excluding: evaluation[t], from: fold.indices.filter { fold[$0] != k })
                }
                let b = try selectTaskCovariance(data, training: training, kernel: stein, log: &log)
                let fit = try VectorValuedFit(data, training: training, kernel: stein, taskCovariance: b, nugget: nugget)
                log.record(fit)
                addGroup(fit, evaluation: evaluation)
                fits.append((training, evaluation, b))
            }
        }

        switch form {
        case .crossFitted(let folds):
            methodName = "vector-valued-control-variates-cross-fitted"
            try crossFit(folds)
        case .sampleSplit(let fraction):
            methodName = "vector-valued-control-variates-split"
            var training: [[Int]] = [], evaluation: [[Int]] = []
            for (t, m) in counts.enumerated() {
                let (fitSet, rest) = try SteinControlFunctional.split(count: m, dependence: data.dependences[t], gap: data.gaps[t],
                                                                 fitFraction: fraction)
                try requireCount(fitSet.count, atLeast: 2, "in the fitting part of the split")
                try requireCount(rest.count, atLeast: 2, "in the evaluation part of the split")
                training.append(fitSet)
                evaluation.append(rest)
            }
            let b = try selectTaskCovariance(data, training: training, kernel: stein, log: &log)
            let fit = try VectorValuedFit(data, training: training, kernel: stein, taskCovariance: b, nugget: nugget)
            log.record(fit)
            addGroup(fit, evaluation: evaluation)
            for t in 0..<tasks {
                tails[t] = UnseenTailTerm.Residuals(outermost: outermost[t])
                tails[t].record(evaluation: evaluation[t], outermostAmong: Array(0..<counts[t])) { data.values[t][$0] - fit.constants[t] }
            }
            fits.append((training, evaluation, b))
        case .weighted(let folds):
            methodName = "vector-valued-control-variates-weighted"
            try crossFit(folds)
            let full = try fitSelected(data, training: counts.map { Array(0..<$0) }, kernel: stein, log: &log)
            weightedValues = full.constants
        }

        var combined = try combine(groups, data: data)
        // The unseen-tail term (see UnseenTailTerm) of every task whose held-out residuals are
        // heavy-tailed and whose f − ĉ grows in the tails, added to the held-out variance; the
        // jackknife is the alternative (the larger of the two is kept, not their sum).
        var tailVariance = [Double](repeating: 0, count: tasks)
        for t in 0..<tasks {
            var accumulator = ResidualAccumulator()
            for residuals in groups.residuals[t] { accumulator.addGroup(residuals: residuals, roundingErrors: []) }
            tailVariance[t] = tails[t].variance(shape: accumulator.residualTailShape, count: counts[t])
        }
        let heldOutWithTail = (0..<tasks).map { combined.covariance[$0 * tasks + $0] + tailVariance[$0] }
        let jackknife = try jackknifeVariances(data, fits: fits, kernel: stein)
        let raised = Self.raise(&combined.covariance, to: jackknife, skipping: [])
        _ = Self.raise(&combined.covariance, to: heldOutWithTail, skipping: [])
        var componentWarnings = [[String]](repeating: [], count: tasks)
        var declaredBias: String? = nil
        var values = combined.values
        // Guard: components whose estimated variance exceeds their sample mean's. Only the
        // weighted form (biased, declared) falls back to the sample mean; the split and
        // cross-fitted forms keep their estimate and warn, since a switch decided on the same
        // draws biases them (see the type's Guard paragraph).
        let perDraw = data.values.map(sampleVariance)
        var plainVariance: [Double] = []
        for t in 0..<tasks { plainVariance.append(try data.dependences[t].varianceOfMean(data.values[t]).varianceOfMean) }
        let worse = (0..<tasks).filter { !(combined.covariance[$0 * tasks + $0] <= plainVariance[$0]) }
        let fallbacks: [Int]
        if case .weighted = form { fallbacks = worse } else { fallbacks = [] }
        for t in worse where !fallbacks.contains(t) {
            componentWarnings[t].append("The control's estimated variance \(combined.covariance[t * tasks + t]) exceeds the sample mean's \(plainVariance[t]) (figure sampleMeanVariance[\(t)]): on these draws the plain sample mean would have the smaller error bar. The vector-valued estimate is still reported, since switching on the same draws would bias it; consider the sample mean for this integrand.")
        }
        if !fallbacks.isEmpty {
            for t in fallbacks { groups.residuals[t] = groups.raw[t]; groups.rounding[t] = groups.raw[t].map { $0.map { _ in 0 } } }
            combined = try combine(groups, data: data)
            _ = Self.raise(&combined.covariance, to: jackknife, skipping: Set(fallbacks))
            _ = Self.raise(&combined.covariance, to: heldOutWithTail, skipping: Set(fallbacks))
            values = combined.values
            for t in fallbacks {
                componentWarnings[t].append("The control's estimated variance exceeds the sample mean's; the plain sample mean is reported instead.")
            }
        }
        if var weighted = weightedValues {
            var replaced: [Int] = []
            for t in 0..<tasks where !fallbacks.contains(t) {
                if abs(weighted[t] - combined.values[t]) > 3 * combined.covariance[t * tasks + t].squareRoot() {
                    weighted[t] = combined.values[t]
                    replaced.append(t)
                }
            }
            for t in fallbacks { weighted[t] = combined.values[t] }
            values = weighted
            for t in replaced {
                componentWarnings[t].append("The weighted estimate differs from the cross-fitted one by more than 3 standard errors; the unbiased cross-fitted value is reported instead.")
            }
            if replaced.count + fallbacks.count < tasks {
                declaredBias = "unknown, not estimated: the constants ĉ_t are fitted on the draws they summarize (the covariance is that of the cross-fitted estimator)"
            }
        }
        for t in combined.atFloor where !fallbacks.contains(t) { componentWarnings[t].append(ResidualAccumulator.roundingWarning) }
        for t in combined.inflated where !fallbacks.contains(t) { componentWarnings[t].append(ResidualAccumulator.inflationWarning) }
        let ess = (0..<tasks).map {
            Estimate.effectiveSampleSize(perDrawVariance: perDraw[$0], estimatorVariance: combined.covariance[$0 * tasks + $0],
                                         evaluations: counts[$0])
        }
        var figures: [String: Double] = [
            "baseLengthScale": baseLength, "lengthScale": baseLength, "tasks": Double(tasks),
            "sampleMeanFallbacks": Double(fallbacks.count),
            "jackknifeRaisedComponents": Double(raised.subtracting(fallbacks).count),
            "unseenTailComponents": Double((0..<tasks).filter { tailVariance[$0] > 0 && !fallbacks.contains($0) }.count),
            "relativeJitter": log.largestRelativeJitter, "reciprocalConditionNumber": log.smallestReciprocalCondition,
        ]
        for t in 0..<tasks { figures["sampleMeanVariance[\(t)]"] = plainVariance[t] }
        if !log.shrinkage.isEmpty { figures["taskCorrelationShrinkage"] = log.shrinkage.reduce(0, +) / Double(log.shrinkage.count) }
        switch form {
        case .crossFitted(let k), .weighted(let k): figures["folds"] = Double(k)
        case .sampleSplit: break
        }
        let meanFactor = (0..<tasks).reduce(0) { $0 + ess[$1] / Double(counts[$1]) } / Double(tasks)
        var evaluated: [Int] = [], groupCounts: [Int] = []
        for t in 0..<tasks {
            evaluated.append(groups.residuals[t].reduce(0) { $0 + $1.count })
            groupCounts.append(groups.residuals[t].count)
        }
        let nu = degreesOfFreedom(jackknife: jackknife, heldOutWithTail: heldOutWithTail, tail: tailVariance, evaluated: evaluated,
                                  groups: groupCounts, dependences: data.dependences, skipping: fallbacks)
        return VectorEstimate(
            values: values, covariance: combined.covariance, sampleCount: data.pooled.count, effectiveSampleSizes: ess,
            degreesOfFreedom: nu,
            diagnostics: Diagnostics(method: methodName, varianceReductionFactor: meanFactor, declaredBias: declaredBias,
                                     figures: figures),
            componentWarnings: componentWarnings)
    }

    /// Per-task value and variance with the scalar safeguards; off-diagonal covariances (shared
    /// draws) from the per-group residual covariances, rescaled with the diagonal.
    func combine(_ groups: Groups, data: TaskData) throws(MonteCarloError) -> (values: [Double], covariance: [Double], atFloor: [Int], inflated: [Int]) {
        let shared = data.sharedDraws
        let tasks = groups.residuals.count
        var values = [Double](repeating: 0, count: tasks)
        var covariance = [Double](repeating: 0, count: tasks * tasks)
        var atFloor: [Int] = [], inflated: [Int] = []
        var rawVariance = [Double](repeating: 0, count: tasks)
        for t in 0..<tasks {
            var accumulator = ResidualAccumulator()
            for (g, residuals) in groups.residuals[t].enumerated() {
                accumulator.addGroup(residuals: residuals, roundingErrors: groups.rounding[t][g], indices: groups.indices[t][g])
            }
            let result = try accumulator.combine(dependence: data.dependences[t])
            values[t] = result.value
            covariance[t * tasks + t] = result.variance
            if result.atFloor { atFloor.append(t) }
            if result.inflated { inflated.append(t) }
            rawVariance[t] = groupCovariance(groups.residuals[t], groups.residuals[t])
        }
        if shared {
            for t in 0..<tasks {
                for s in 0..<t {
                    let raw = groupCovariance(groups.residuals[t], groups.residuals[s])
                    let scale = rawVariance[t] > 0 && rawVariance[s] > 0
                        ? (covariance[t * tasks + t] / rawVariance[t] * covariance[s * tasks + s] / rawVariance[s]).squareRoot() : 0
                    covariance[t * tasks + s] = raw * scale
                    covariance[s * tasks + t] = raw * scale
                }
            }
        }
        return (values, covariance, atFloor, inflated)
    }

    /// Σₖ (nₖ/N)² Ĉov_k(a, b)/nₖ over groups of paired residuals.
    func groupCovariance(_ a: [[Double]], _ b: [[Double]]) -> Double {
        let total = Double(a.reduce(0) { $0 + $1.count })
        var sum = 0.0
        for (x, y) in zip(a, b) where x.count >= 2 {
            let n = Double(x.count)
            let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
            var c = 0.0
            for i in x.indices { c += (x[i] - mx) * (y[i] - my) }
            c /= n - 1
            sum += (n / total) * (n / total) * c / n
        }
        return sum
    }

    // MARK: - Jackknife

    /// Delete-a-group jackknife variances of every task's held-out estimate: the estimate is
    /// recomputed without the draws i ≡ g (mod G) of every task, each fit refitted on its training
    /// draws minus the group with the B it selected (not re-selected), and
    /// V_J,t = (G − 1)/G · Σ_g (θ̂₋g,t − θ̄_t)² (see ``SteinControlFunctional``: conservative in
    /// expectation, Efron & Stein 1981). G is the number of folds when there are at least 3,
    /// otherwise 5.
    func jackknifeVariances(_ data: TaskData, fits: [(training: [[Int]], evaluation: [[Int]], taskCovariance: [Double])],
                            kernel stein: LangevinSteinKernel) throws(MonteCarloError) -> [Double] {
        let tasks = data.taskCount
        let groupCount = jackknifeGroupCount
        var estimates = [[Double]](repeating: [], count: tasks)
        let member = try Self.membership(data, folds: groupCount)
        for g in 0..<groupCount {
            var sums = [Double](repeating: 0, count: tasks), counts = [Int](repeating: 0, count: tasks)
            for fit in fits {
                let training = fit.training.enumerated().map { t, list in list.filter { member[t][$0] != g } }
                let evaluation = fit.evaluation.enumerated().map { t, list in list.filter { member[t][$0] != g } }
                guard evaluation.contains(where: { !$0.isEmpty }) else { continue }
                for t in 0..<tasks {
                    try requireCount(training[t].count, atLeast: 2, "in a training set after deleting a jackknife group (task \(t))")
                }
                let refit = try VectorValuedFit(data, training: training, kernel: stein, taskCovariance: fit.taskCovariance,
                                                nugget: nugget)
                if data.sharedDraws {
                    let m = evaluation[0].count
                    let psi = refit.predictions(data, at: evaluation[0], rounding: false).values
                    for t in 0..<tasks {
                        for (a, i) in evaluation[0].enumerated() { sums[t] += data.values[t][i] - psi.storage[a + t * m] }
                        counts[t] += m
                    }
                } else {
                    for t in 0..<tasks where !evaluation[t].isEmpty {
                        let m = evaluation[t].count
                        let psi = refit.predictions(data, at: evaluation[t].map { data.pointIndices[t][$0] }, rounding: false).values
                        for (a, i) in evaluation[t].enumerated() { sums[t] += data.values[t][i] - psi.storage[a + t * m] }
                        counts[t] += m
                    }
                }
            }
            for t in 0..<tasks {
                try requireCount(counts[t], atLeast: 1, "left after deleting a jackknife group (task \(t))")
                estimates[t].append(sums[t] / Double(counts[t]))
            }
        }
        return estimates.map(SteinControlFunctional.jackknifeVariance)
    }

    /// G, the jackknife's number of groups: the number of folds when there are at least 3,
    /// otherwise 5.
    var jackknifeGroupCount: Int {
        switch form {
        case .crossFitted(let k), .weighted(let k): k >= 3 ? k : 5
        case .sampleSplit: 5
        }
    }

    /// The degrees of freedom of the intervals: for a component on independent draws whose
    /// unseen-tail term was added (heavy-tailed held-out residuals, f − ĉ growing in the tails;
    /// `UnseenTailTerm`), G − 1 when its jackknife variance is the reported one, else the
    /// Welch–Satterthwaite degrees of freedom of the held-out variance plus the term, as
    /// ``SteinControlFunctional`` chooses them; normal otherwise, since without a heavy tail the
    /// jackknife is conservative enough alone (with t₄ intervals there the 4-d South problem of
    /// `VectorValuedTests` covered 99.6–99.8%). One estimate has one value: the smallest over
    /// the components (`nil`, normal, when none needs one).
    func degreesOfFreedom(jackknife: [Double], heldOutWithTail: [Double], tail: [Double], evaluated: [Int], groups: [Int],
                          dependences: [SampleDependence], skipping: [Int]) -> Double? {
        var smallest: Double? = nil
        for t in jackknife.indices where !skipping.contains(t) {
            let nu: Double
            if tail[t] == 0 || dependences[t].isChain {
                continue
            } else if jackknife[t] > heldOutWithTail[t] {
                nu = Double(jackknifeGroupCount - 1)
            } else {
                nu = UnseenTailTerm.degreesOfFreedom(heldOut: heldOutWithTail[t] - tail[t],
                                                     heldOutDegreesOfFreedom: Double(evaluated[t] - groups[t]), tail: tail[t])
            }
            smallest = min(smallest ?? nu, nu)
        }
        return smallest
    }

    /// Raises each diagonal entry not in `skipping` to its jackknife variance when that is larger,
    /// rescaling the off-diagonal entries with the diagonal (so the correlations, and positive
    /// semi-definiteness, are kept); returns the components raised.
    static func raise(_ covariance: inout [Double], to jackknife: [Double], skipping: Set<Int>) -> Set<Int> {
        let tasks = jackknife.count
        var factors = [Double](repeating: 1, count: tasks)
        var raised: Set<Int> = []
        for t in 0..<tasks where !skipping.contains(t) {
            let v = covariance[t * tasks + t]
            if jackknife[t] > v, v > 0 {
                factors[t] = (jackknife[t] / v).squareRoot()
                raised.insert(t)
            } else if jackknife[t] > v {
                covariance[t * tasks + t] = jackknife[t]
                raised.insert(t)
            }
        }
        for s in 0..<tasks {
            for t in 0..<tasks where factors[s] != 1 || factors[t] != 1 {
                covariance[s * tasks + t] *= factors[s] * factors[t]
            }
        }
        return raised
    }

    // MARK: - Fitting

    /// What the fits did, for the diagnostics.
    struct VectorFitLog {
        var largestRelativeJitter = 0.0
        var smallestReciprocalCondition = Double.infinity
        var shrinkage: [Double] = []

        mutating func record(_ fit: VectorValuedFit) {
            largestRelativeJitter = max(largestRelativeJitter, fit.relativeJitter)
            smallestReciprocalCondition = min(smallestReciprocalCondition, fit.reciprocalConditionNumber)
        }
    }

    /// Chooses B on `training` (when estimated) and fits there.
    func fitSelected(_ data: TaskData, training: [[Int]], kernel stein: LangevinSteinKernel,
                     log: inout VectorFitLog) throws(MonteCarloError) -> VectorValuedFit {
        let b = try selectTaskCovariance(data, training: training, kernel: stein, log: &log)
        let fit = try VectorValuedFit(data, training: training, kernel: stein, taskCovariance: b, nugget: nugget)
        log.record(fit)
        return fit
    }

    /// The task covariance B for a fit on `training`: fixed, or chosen by cross-validation inside it.
    func selectTaskCovariance(_ data: TaskData, training: [[Int]], kernel stein: LangevinSteinKernel,
                              log: inout VectorFitLog) throws(MonteCarloError) -> [Double] {
        let tasks = data.taskCount
        let b: [Double]
        switch taskCovariance {
        case .independent:
            b = Self.identity(tasks)
        case .fixed(let matrix):
            b = matrix
        case let .estimated(shrinkage, folds):
            let correlation = try pilotCorrelation(data, training: training, kernel: stein)
            for t in 0..<tasks {
                try requireCount(training[t].count, atLeast: 2 * folds, "(2 per fold) in every training set for \(folds)-fold tuning of the task covariance")
            }
            var bestScore = Double.infinity, best = Self.identity(tasks), bestGamma = 0.0
            for gamma in [0] + shrinkage.filter({ $0 != 0 }) {
                let candidate = (0..<(tasks * tasks)).map { (1 - gamma) * ($0 % (tasks + 1) == 0 ? 1 : 0) + gamma * correlation[$0] }
                var score = 0.0
                var failed = false
                // Inner folds of every task: every K-th training draw, or K contiguous runs for chains.
                let innerFolds = training.enumerated().map { t, list in
                    SteinSample.innerFolds(of: list, folds: folds, chains: data.dependences[t].isChain)
                }
                for k in 0..<folds {
                    let held = innerFolds.map { $0[k] }
                    let inner = innerFolds.enumerated().map { t, groups in
                        data.training(task: t, excluding: held[t],
                                      from: groups.enumerated().filter { $0.offset != k }.flatMap(\.element).sorted())
                    }
                    guard let fit = try? VectorValuedFit(data, training: inner, kernel: stein, taskCovariance: candidate,
                                                         nugget: nugget) else {
                        failed = true
                        break
                    }
                    score += heldOutScore(fit, data, held: held, training: training)
                }
                if !failed, score.isFinite, score < bestScore {
                    bestScore = score
                    best = candidate
                    bestGamma = gamma
                }
            }
            log.shrinkage.append(bestGamma)
            b = best
        }
        return b
    }

    /// Σ_t Σ_{held-out a} (f_t − ψ̂_t − mean)² / σ²_t(training): the tuning criterion.
    func heldOutScore(_ fit: VectorValuedFit, _ data: TaskData, held: [[Int]], training: [[Int]]) -> Double {
        let tasks = data.taskCount
        let scales = VectorValuedFit.scales(data, training: training)
        var score = 0.0
        if data.sharedDraws {
            let (psi, _) = fit.predictions(data, at: held[0], rounding: false)
            let m = held[0].count
            for t in 0..<tasks {
                let e = (0..<m).map { data.values[t][held[0][$0]] - psi.storage[$0 + t * m] }
                score += sumOfSquaredDeviations(e) / (scales[t] * scales[t])
            }
        } else {
            for t in 0..<tasks {
                let (psi, _) = fit.predictions(data, at: held[t].map { data.pointIndices[t][$0] }, rounding: false)
                let e = held[t].indices.map { data.values[t][held[t][$0]] - psi.storage[$0 + t * held[t].count] }
                score += sumOfSquaredDeviations(e) / (scales[t] * scales[t])
            }
        }
        return score
    }

    func sumOfSquaredDeviations(_ e: [Double]) -> Double {
        guard !e.isEmpty else { return 0 }
        let mean = e.reduce(0, +) / Double(e.count)
        return e.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
    }

    /// R̂: the correlation matrix of separate (B = I) fits ψ̂_t at every training draw of every task.
    func pilotCorrelation(_ data: TaskData, training: [[Int]], kernel stein: LangevinSteinKernel) throws(MonteCarloError) -> [Double] {
        let tasks = data.taskCount
        let pilot = try VectorValuedFit(data, training: training, kernel: stein, taskCovariance: Self.identity(tasks),
                                        nugget: nugget)
        let (psi, _) = pilot.predictions(data, at: pilot.unique, rounding: false)
        let m = pilot.unique.count
        var columns: [[Double]] = (0..<tasks).map { t in Array(psi.storage[(t * m)..<((t + 1) * m)]) }
        var norms = [Double](repeating: 0, count: tasks)
        for t in 0..<tasks {
            let mean = columns[t].reduce(0, +) / Double(m)
            columns[t] = columns[t].map { $0 - mean }
            norms[t] = columns[t].reduce(0) { $0 + $1 * $1 }.squareRoot()
        }
        var r = Self.identity(tasks)
        for t in 0..<tasks {
            for s in 0..<t where norms[t] > 0 && norms[s] > 0 {
                var dot = 0.0
                for a in 0..<m { dot += columns[t][a] * columns[s][a] }
                let c = max(-1, min(1, dot / (norms[t] * norms[s])))
                r[t * tasks + s] = c
                r[s * tasks + t] = c
            }
        }
        return r
    }

    static func identity(_ n: Int) -> [Double] {
        (0..<(n * n)).map { $0 % (n + 1) == 0 ? 1 : 0 }
    }

    // MARK: - Validation

    func validateSettings(taskCount tasks: Int) throws(MonteCarloError) {
        switch form {
        case .crossFitted(let k), .weighted(let k):
            guard k >= 2 else { throw .invalidParameter(name: "folds", value: Double(k), requirement: "at least 2") }
        case .sampleSplit(let fraction):
            guard fraction > 0, fraction < 1 else {
                throw .invalidParameter(name: "fitFraction", value: fraction, requirement: "in the open interval (0, 1)")
            }
        }
        guard nugget.isFinite, nugget > 0 else {
            throw .invalidParameter(name: "nugget", value: nugget, requirement: "finite and positive")
        }
        switch taskCovariance {
        case .independent:
            break
        case .fixed(let b):
            guard b.count == tasks * tasks else {
                throw .dimensionMismatch(what: "task covariance entries (T × T)", expected: tasks * tasks, actual: b.count)
            }
            for t in 0..<tasks {
                for s in 0..<tasks where !(b[t * tasks + s].isFinite && b[t * tasks + s] == b[s * tasks + t]) {
                    throw .invalidParameter(name: "taskCovariance[\(t), \(s)]", value: b[t * tasks + s],
                                            requirement: "finite and symmetric")
                }
            }
            let eigenvalues: [Double]
            do {
                eigenvalues = try Matrix(rows: tasks, columns: tasks, columnMajor: b).symmetricEigendecomposition().eigenvalues
            } catch {
                throw MonteCarloError(error, quantity: "task covariance")
            }
            let largest = eigenvalues.max() ?? 0
            guard largest > 0, eigenvalues.allSatisfy({ $0 >= -1e-12 * largest }) else {
                throw .invalidParameter(name: "taskCovariance smallest eigenvalue", value: eigenvalues.min() ?? 0,
                                        requirement: "non-negative (positive semi-definite, not zero)")
            }
        case let .estimated(shrinkage, folds):
            guard folds >= 2 else { throw .invalidParameter(name: "tuning folds", value: Double(folds), requirement: "at least 2") }
            for gamma in shrinkage where !(gamma >= 0 && gamma <= 1) {
                throw .invalidParameter(name: "shrinkage", value: gamma, requirement: "in [0, 1]")
            }
        }
    }
}
