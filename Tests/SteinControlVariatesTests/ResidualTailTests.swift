import Foundation
import MonteCarloCore
import Testing
@testable import SteinControlVariates

/// The heavy-tail diagnostic of the control functionals' held-out residuals.
@Suite("Residual tail diagnostic")
struct ResidualTailTests {
    /// f(x) = exp(x²/2.2) under N(0, 1): P(f > t) = P(x² > 2.2 log t) ≈ t^(−1/0.909) (up to a
    /// slowly varying factor), so f has tail index ξ = 1/1.1 ≈ 0.91 — a finite mean
    /// (E f = √11) but an infinite variance. The Stein-kernel controls decay in the tails, so the
    /// residuals inherit f's tail and the fitted k̂ must reach the 0.7 threshold: with
    /// M = 3√n = 60 tail points at n = 400 the estimate's standard deviation is about
    /// (1 + ξ)/√M ≈ 0.25, so ξ − 0.7 = 0.21 is 0.85 sd — hence 5 replications, of which at least 3
    /// must warn (each warns with probability ≈ 0.8; P(fewer than 3 of 5) ≈ 0.06 under that normal
    /// approximation, but with fixed seeds the outcome is deterministic).
    @Test("an integrand with infinite variance is flagged by the residual tail shape")
    func infiniteVarianceIntegrandIsFlagged() throws {
        let estimator = SteinControlFunctional()
        var flagged = 0
        for replication in 0..<5 {
            let (sample, values) = try TestProblems.draw(
                try StandardNormalVector(dimension: 1), count: 400, seed: 61, replication: replication
            ) { exp($0[0] * $0[0] / 2.2) }
            let estimate = try estimator.estimate(sample: sample, values: values)
            let shape = try #require(estimate.diagnostics.figures["residualTailShape"])
            let warned = estimate.diagnostics.warnings.contains { $0.contains("heavy-tailed") }
            // The contract: the warning is raised exactly when k̂ reaches the threshold.
            #expect(warned == (shape >= ParetoTailDiagnostic.unreliableShape), "k̂ = \(shape)")
            if warned { flagged += 1 }
        }
        #expect(flagged >= 3, "only \(flagged) of 5 replications flagged")
    }

    /// The measured failure the diagnostic exists for: the default control functional (no
    /// polynomial part) on the 1-D South problem, whose f grows like x² where the kernel controls
    /// decay. Over 100 replications (n = 250; `steinvvbench` section 4) its 95% intervals
    /// covered 79% and the warning fired in 92 (13 of the 14 estimates beyond 3 standard errors
    /// carried it); a one-off study found k̂ quartiles 0.91, 1.23, 1.49. So the warning fires with
    /// probability p ≈ 0.8–0.9, and with p ≥ 0.75, P(Binomial(24, p) < 12) < 0.001.
    @Test("the default control functional on the 1-D South problem is flagged in most replications")
    func missedTailRegimeIsFlagged() throws {
        let estimator = SteinControlFunctional()
        var flagged = 0
        for replication in 0..<24 {
            let (sample, values) = try TestProblems.draw(
                try StandardNormalVector(dimension: 1), count: 250, seed: 62, replication: replication,
                integrand: TestProblems.southOneD)
            let estimate = try estimator.estimate(sample: sample, values: values)
            if estimate.diagnostics.warnings.contains(where: { $0.contains("heavy-tailed") }) { flagged += 1 }
        }
        #expect(flagged >= 12, "only \(flagged) of 24 replications flagged")
    }

    /// The interval's degrees of freedom with the unseen-tail term (Welch–Satterthwaite, one
    /// degree of freedom for the term, at least 3): n − K without the term, (2V)²/(V²/ν + V²)
    /// for equal parts, the floor when the term dominates.
    @Test("unseen-tail degrees of freedom: Welch–Satterthwaite with one for the term, at least 3")
    func tailDegreesOfFreedom() {
        #expect(UnseenTailTerm.degreesOfFreedom(heldOut: 1, heldOutDegreesOfFreedom: 195, tail: 0) == 195)
        let equal = UnseenTailTerm.degreesOfFreedom(heldOut: 1, heldOutDegreesOfFreedom: 195, tail: 1)
        #expect(abs(equal - 4 / (1.0 / 195 + 1)) < 1e-12, "\(equal)")
        #expect(UnseenTailTerm.degreesOfFreedom(heldOut: 1e-6, heldOutDegreesOfFreedom: 195, tail: 1) == 3)
        #expect(UnseenTailTerm.degreesOfFreedom(heldOut: 0, heldOutDegreesOfFreedom: 195, tail: 0) == 195)
    }
}
