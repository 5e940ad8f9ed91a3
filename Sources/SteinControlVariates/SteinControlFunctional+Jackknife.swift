import MonteCarloCore

/// The delete-a-group jackknife variance of the split and cross-fitted control-functional
/// estimates.
///
/// Why it is needed (measured with an independent numpy re-implementation on the test
/// problems; see the doc comment of ``SteinControlFunctional``): the held-out residual variance
/// describes only the error of a fold mean *given* the fitted control. When the kernel fit is
/// super-efficient, two effects that it ignores dominate the error:
/// - the control's residual f − ĉ is tiny where the training draws are, and large only where
///   they are not (beyond the training draws' range in 1-D: in 12 replications of the 1-D South
///   problem at n = 250 with Q = 2, 60–100% of the residual's π-variance came from the region
///   beyond the largest |x| of the training draws, about 1% of the mass). An evaluation fold of
///   50 draws rarely contains such a draw, so its residual variance is usually 10–1000 times too
///   small, and the fold mean is off by the unsampled part, with the same sign in every fold;
/// - each draw is evaluated in one fold and trains the fits of all others, so fold means are
///   positively correlated (mean squared error / mean held-out variance 1.1–1.5 even in d = 4).
///
/// The jackknife recomputes the whole estimator — fits included — without each of G groups of
/// draws, so both the randomness of the fitted functions and the rare draws that move them enter
/// the variance: V_J = (G − 1)/G · Σ_g (θ̂₋g − θ̄)². It is conservative in expectation
/// (Efron & Stein 1981, "The jackknife estimate of variance", Ann. Statist. 9: 586–596): the
/// jackknife overestimates the variance of a symmetric statistic of i.i.d. draws.
extension SteinControlFunctional {
    /// The number of jackknife groups for a form: the folds themselves when there are at
    /// least 3 (deleting fold g leaves a (K−1)-fold cross-fit), otherwise 5 groups i mod 5.
    static func jackknifeGroupCount(for form: Form) -> Int {
        switch form {
        case .crossFitted(let k), .weighted(let k): return k >= 3 ? k : 5
        case .sampleSplit: return 5
        }
    }

    /// V_J for the cross-fitted estimate over `folds`, each fold k refitted with `candidates[k]`
    /// on its training draws minus the deleted group (hyper-parameters are not re-selected);
    /// from the full-data factorization `shared` when given (one candidate for all folds), where
    /// deleting group g for fold k and group k for fold g leave the same training draws (one fit).
    func crossFittedJackknifeVariance(_ data: FitData, folds: [[Int]], candidates: [Candidate],
                                      sharing shared: LeaveOutKernelFits? = nil) throws(MonteCarloError) -> Double {
        let groupCount = Self.jackknifeGroupCount(for: form)
        let group = try Self.jackknifeMembership(data.sample, groups: groupCount)
        var estimates: [Double] = []
        var sharedFits: [[Int]: Surrogate] = [:]
        for g in 0..<groupCount {
            let keep = { (i: Int) in group[i] != g }
            let reduced = folds.map { $0.filter(keep) }
            var sum = 0.0, count = 0
            var log = FitLog()
            for (k, evaluation) in reduced.enumerated() where !evaluation.isEmpty {
                let training = data.sample.training(excluding: evaluation, from: reduced.enumerated().filter { $0.offset != k }.flatMap(\.element))
                guard !training.isEmpty else { continue }
                let fit: Surrogate
                if let shared {
                    if let known = sharedFits[training] {
                        fit = known
                    } else {
                        fit = try Surrogate(candidates[k], data: data, training: training, sharing: shared, log: &log,
                                            estimatesCondition: false, heldOutOnly: true)
                        sharedFits[training] = fit
                    }
                } else {
                    fit = try Surrogate(candidates[k], data: data, training: training, log: &log, estimatesCondition: false)
                }
                sum += fit.residualValues(data, at: evaluation).reduce(0, +)
                count += evaluation.count
            }
            try requireCount(count, atLeast: 1, "left after deleting a jackknife group")
            estimates.append(sum / Double(count))
        }
        return Self.jackknifeVariance(estimates)
    }

    /// V_J for the split estimate: fit on `fitSet` minus group g, average on `evaluation` minus group g.
    func splitJackknifeVariance(_ data: FitData, fitSet: [Int], evaluation: [Int], candidate: Candidate) throws(MonteCarloError) -> Double {
        let groupCount = Self.jackknifeGroupCount(for: form)
        let group = try Self.jackknifeMembership(data.sample, groups: groupCount)
        var estimates: [Double] = []
        for g in 0..<groupCount {
            let training = fitSet.filter { group[$0] != g }
            let held = evaluation.filter { group[$0] != g }
            try requireCount(training.count, atLeast: 2, "in the fitting part of the split after deleting a jackknife group")
            try requireCount(held.count, atLeast: 1, "in the evaluation part of the split after deleting a jackknife group")
            var log = FitLog()
            let fit = try Surrogate(candidate, data: data, training: training, log: &log, estimatesCondition: false)
            let e = fit.residuals(data, at: held).residuals
            estimates.append(e.reduce(0, +) / Double(e.count))
        }
        return Self.jackknifeVariance(estimates)
    }

    /// The jackknife group of every draw: i mod G for independent draws; for chains, G
    /// contiguous blocks within each chain (a delete-a-block jackknife, Künsch 1989), so a
    /// deleted group takes its draws' neighbours with it.
    static func jackknifeMembership(_ sample: SteinSample, groups: Int) throws(MonteCarloError) -> [Int] {
        var membership = [Int](repeating: 0, count: sample.count)
        for (g, indices) in try sample.folds(groups).enumerated() {
            for i in indices { membership[i] = g }
        }
        return membership
    }

    /// (G − 1)/G · Σ_g (θ̂₋g − θ̄)², by two passes.
    static func jackknifeVariance(_ estimates: [Double]) -> Double {
        let g = Double(estimates.count)
        guard estimates.count >= 2 else { return 0 }
        let mean = estimates.reduce(0, +) / g
        return (g - 1) / g * estimates.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
    }
}
