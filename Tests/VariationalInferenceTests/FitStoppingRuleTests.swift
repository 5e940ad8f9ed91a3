import Foundation
import Testing
import MonteCarloCore
import StatisticalTesting
import VariationalInference

/// The fit's stopping rule on the Normal–Normal golden case NN-1, where the Gaussian family holds
/// the posterior: the optimal ELBO is log p(x), and the exact ELBO of any q is known
/// (`NormalNormalModel.renyiBound(alpha: 1, of:)`).
@Suite("Variational fit: the stopping rule")
struct FitStoppingRuleTests {
    let model = try! NormalNormalModel(observations: [0.5, 1.2, -0.3, 0.8, 1.0])

    /// Whether the rule fires at each check c ≥ window − 1 of `history` (it compares check c with
    /// check c − window + 1), recomputed from the recorded checks.
    func ruleFires(_ history: [Estimate], _ configuration: VariationalFit) -> [Bool] {
        let lag = configuration.window - 1
        guard history.count > lag else { return [] }
        return (lag..<history.count).map { c in
            abs(history[c].value - history[c - lag].value)
                <= configuration.tolerance * (history[c].variance + history[c - lag].variance).squareRoot()
        }
    }

    /// With sticking the landing the gradient noise vanishes at the posterior and Adam lands on it;
    /// with the reparameterization gradient it keeps jittering around it (KL of order the step),
    /// and the rule must stop there too.
    @Test("from far away the fit stops at the first check whose ELBO change is within noise, at the optimum",
          arguments: [(ELBOGradientEstimator.stickingTheLanding, UInt64(2)), (.stickingTheLanding, 3), (.reparameterization, 2), (.reparameterization, 3)])
    func stopsAtOptimum(estimator: ELBOGradientEstimator, seed: UInt64) throws {
        let configuration = VariationalFit(gradient: estimator)
        let start = try GaussianApproximation.meanField(mean: [-3], standardDeviations: [2])
        let fit = try configuration.run(model: model, initial: start, seed: seed)
        #expect(fit.stopReason == .converged && fit.converged)
        // The iteration count the rule implies: a whole number of check intervals, no earlier than
        // the first check with window − 1 predecessors, and the last check is the first that fired.
        let interval = configuration.checkInterval
        #expect(fit.iterations % interval == 0 && fit.iterations >= configuration.window * interval)
        #expect(fit.iterations < configuration.maximumIterations)
        #expect(fit.history.count == fit.iterations / interval)
        let fires = ruleFires(fit.history, configuration)
        #expect(fires.last == true && !fires.dropLast().contains(true), "\(fires)")
        // At the stop the ELBO is at its optimum within noise: the exact gap log p(x) − ELBO(q)
        // = KL(q ‖ posterior) ≥ 0 (to rounding) is below 5 standard errors of the final ELBO
        // estimate. Near the optimum Var(log w) ≈ 2·KL per draw, so with its 10,000 draws this
        // means KL ≲ 0.005.
        let exact = try model.renyiBound(alpha: 1, of: fit.approximation)
        let gap = model.logEvidence - exact
        #expect(gap >= -1e-12 && gap <= 5 * fit.elbo.standardError, "gap \(gap), SE \(fit.elbo.standardError)")
        // The reported ELBO is unbiased for the exact ELBO of the fitted q.
        let check = StatisticalCheck.consistency(of: fit.elbo, with: exact)
        #expect(check.passed, "\(check)")
    }

    @Test("while the ELBO still rises beyond its noise the fit does not stop: it runs to the iteration cap")
    func runsToCapWhileRising() throws {
        // Adam moves each parameter by about the step size per iteration, so from m = −20 with step
        // 0.005 the mean climbs ≈ 0.5 per check interval: the ELBO rises by tens of nats per check
        // while its standard error (2000 draws) is a few nats.
        let configuration = VariationalFit(learningRate: 0.005, maximumIterations: 1000, checkInterval: 100)
        let start = try GaussianApproximation.meanField(mean: [-20], standardDeviations: [1])
        let fit = try configuration.run(model: model, initial: start, seed: 4)
        #expect(fit.stopReason == .iterationLimit && !fit.converged)
        #expect(fit.iterations == 1000 && fit.history.count == 10)
        #expect(!ruleFires(fit.history, configuration).contains(true))
        // Every window the ELBO rose, by more than the rule's noise threshold.
        let lag = configuration.window - 1
        for c in lag..<fit.history.count {
            let (now, then) = (fit.history[c], fit.history[c - lag])
            #expect(now.value - then.value > configuration.tolerance * (now.variance + then.variance).squareRoot(), "check \(c)")
        }
        // Still far from the optimum: the exact gap is many standard errors of the final estimate.
        let gap = model.logEvidence - (try model.renyiBound(alpha: 1, of: fit.approximation))
        #expect(gap > 100 * fit.elbo.standardError, "gap \(gap), SE \(fit.elbo.standardError)")
        // Resumed with the default step and cap, the same fit converges to the optimum.
        let resumed = try VariationalFit().run(model: model, initial: fit.approximation, seed: 5)
        #expect(resumed.stopReason == .converged)
        let resumedGap = model.logEvidence - (try model.renyiBound(alpha: 1, of: resumed.approximation))
        #expect(resumedGap <= 5 * resumed.elbo.standardError, "gap \(resumedGap), SE \(resumed.elbo.standardError)")
    }

    @Test("with an unreachable noise threshold the fit stops at the earliest check the rule allows")
    func earliestStop() throws {
        let configuration = VariationalFit(maximumIterations: 1000, checkInterval: 50, tolerance: 1e12, window: 3)
        let start = try GaussianApproximation.meanField(mean: [-3], standardDeviations: [2])
        let fit = try configuration.run(model: model, initial: start, seed: 6)
        #expect(fit.stopReason == .converged)
        #expect(fit.iterations == 150 && fit.history.count == 3)
    }

    @Test("a cap below the first comparable check stops at the cap")
    func capBeforeFirstComparison() throws {
        let configuration = VariationalFit(maximumIterations: 399, checkInterval: 100, tolerance: 1e12, window: 4)
        let start = try GaussianApproximation.meanField(mean: [-3], standardDeviations: [2])
        let fit = try configuration.run(model: model, initial: start, seed: 7)
        #expect(fit.stopReason == .iterationLimit && fit.iterations == 399 && fit.history.count == 3)
    }
}
