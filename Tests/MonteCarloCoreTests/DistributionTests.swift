import Foundation
import StatisticalTesting
import Testing
@testable import MonteCarloCore

@Suite("Distributions")
struct DistributionTests {
    static let n = 200_000

    /// Checks the sample mean within 5 standard errors of the exact mean.
    func checkMean<D: UnivariateDistribution>(_ distribution: D, seed: UInt64) {
        var generator = Xoshiro256PlusPlus(seed: seed)
        var moments = RunningMoments()
        for _ in 0..<Self.n { moments.add(distribution.draw(using: &generator)) }
        let se = (distribution.variance / Double(Self.n)).squareRoot()
        #expect(abs(moments.mean - distribution.mean) < 5 * se, "\(distribution): mean \(moments.mean) vs \(distribution.mean)")
    }

    /// Checks quantile∘cdf = id, the score against a central difference of the log-density,
    /// and that the density integrates to the CDF increment (midpoint rule).
    func checkFunctions<D: UnivariateDistribution>(_ distribution: D) {
        for p in [0.05, 0.3, 0.5, 0.8, 0.97] {
            let x = distribution.quantile(p)
            #expect(abs(distribution.cumulativeProbability(x) - p) < 1e-9, "\(distribution) at p = \(p)")
            // Central difference error is O(h²·|f'''|); h = 1e-5 relative keeps it below 1e-6 here.
            let h = 1e-5 * max(1, abs(x))
            let numeric = (distribution.logDensity(x + h) - distribution.logDensity(x - h)) / (2 * h)
            #expect(abs(numeric - distribution.score(x)) < 1e-5 * max(1, abs(numeric)), "score of \(distribution) at \(x)")
        }
        let a = distribution.quantile(0.2), b = distribution.quantile(0.7)
        let steps = 4000
        let width = (b - a) / Double(steps)
        var integral = 0.0
        for i in 0..<steps { integral += exp(distribution.logDensity(a + (Double(i) + 0.5) * width)) * width }
        #expect(abs(integral - 0.5) < 1e-5, "density of \(distribution) integrates to \(integral)")
    }

    @Test("normal") func normal() throws {
        let d = try NormalDistribution(mean: -1, standardDeviation: 2)
        checkMean(d, seed: 1)
        checkFunctions(d)
        #expect(d.reflection(of: 0.5) == -2.5)
    }

    @Test("uniform") func uniform() throws {
        let d = try UniformDistribution(lowerBound: 2, upperBound: 5)
        checkMean(d, seed: 2)
        #expect(d.reflection(of: 2.5) == 4.5)
        #expect(abs(d.cumulativeProbability(d.quantile(0.3)) - 0.3) < 1e-15)
    }

    @Test("exponential") func exponential() throws {
        let d = try ExponentialDistribution(mean: 0.5)
        checkMean(d, seed: 3)
        checkFunctions(d)
    }

    @Test("log-normal") func logNormal() throws {
        let d = try LogNormalDistribution(logMean: 0.2, logStandardDeviation: 0.5)
        checkMean(d, seed: 4)
        checkFunctions(d)
        #expect(abs(d.reflection(of: d.reflection(of: 1.7)) - 1.7) < 1e-14)
    }

    @Test("gamma (GSL sampler on our stream)") func gamma() throws {
        let d = try GammaDistribution(shape: 2.5, scale: 1.5)
        checkMean(d, seed: 5)
        checkFunctions(d)
        let small = try GammaDistribution(shape: 0.4, scale: 1)
        checkMean(small, seed: 6)
    }

    @Test("beta") func beta() throws {
        let d = try BetaDistribution(alpha: 2, beta: 5)
        checkMean(d, seed: 7)
        checkFunctions(d)
    }

    @Test("Student t") func studentT() throws {
        let d = try StudentTDistribution(degreesOfFreedom: 6, location: 1, scale: 2)
        checkMean(d, seed: 8)
        checkFunctions(d)
    }

    @Test("GSL-backed draws are reproducible from the seed")
    func reproducible() throws {
        let d = try GammaDistribution(shape: 3)
        var a = Xoshiro256PlusPlus(seed: 77), b = Xoshiro256PlusPlus(seed: 77)
        let first = (0..<10).map { _ in d.draw(using: &a) }
        let second = (0..<10).map { _ in d.draw(using: &b) }
        #expect(first == second)
    }

    @Test("invalid parameters are typed errors")
    func invalidParameters() {
        #expect(throws: MonteCarloError.self) { try NormalDistribution(mean: 0, standardDeviation: 0) }
        #expect(throws: MonteCarloError.self) { try NormalDistribution(mean: .nan, standardDeviation: 1) }
        #expect(throws: MonteCarloError.self) { try UniformDistribution(lowerBound: 1, upperBound: 1) }
        #expect(throws: MonteCarloError.self) { try GammaDistribution(shape: -1) }
        #expect(throws: MonteCarloError.self) { try BetaDistribution(alpha: 1, beta: .infinity) }
        #expect(throws: MonteCarloError.self) { try StudentTDistribution(degreesOfFreedom: 0) }
    }
}

@Suite("Chi-squared quantiles at large degrees of freedom")
struct ChiSquaredLargeDegreesTests {
    /// GSL's inversion does not converge in the far tails at ν ≈ 10⁵ (its default handler used
    /// to abort the process); the quantile must come back finite and invert GSL's CDF, which
    /// converges there, to 10⁻⁴ relative in p (ν = 99,999 is a variance-reduction check on
    /// 100,000 draws).
    @Test("quantile is finite and inverts the CDF", arguments: [2.5e-4, 0.025, 0.5, 0.975, 1 - 2.5e-4])
    func quantileInvertsCDF(p: Double) {
        for nu in [9_999.0, 49_999, 99_999, 1e6] {
            let x = ChiSquaredDistribution.quantile(p, degreesOfFreedom: nu)
            #expect(x.isFinite && x > 0, "ν = \(nu), p = \(p): \(x)")
            let back = ChiSquaredDistribution.cumulativeProbability(x, degreesOfFreedom: nu)
            #expect(abs(back - p) <= 1e-4 * min(p, 1 - p), "ν = \(nu), p = \(p): P(Q(p)) = \(back)")
        }
    }
}

@Suite("Banana distribution")
struct BananaDistributionTests {
    /// The sample means of x₂, x₁², x₂² and cos x₁ over 2·10⁵ draws within 5 of their standard
    /// errors of the closed forms 0, a², 1 + 2b²a⁴ and e^(−a²/2) (a = 1.3, b = 0.4).
    @Test("draws have the closed-form moments")
    func moments() throws {
        let banana = try BananaDistribution(scale: 1.3, curvature: 0.4)
        let (a, b) = (1.3, 0.4)
        let truths = [0, a * a, 1 + 2 * b * b * pow(a, 4), exp(-a * a / 2)]
        var moments = [RunningMoments](repeating: RunningMoments(), count: 4)
        var generator = Xoshiro256PlusPlus(seed: 90)
        for _ in 0..<200_000 {
            let x = banana.draw(using: &generator)
            for (k, value) in [x[1], x[0] * x[0], x[1] * x[1], cos(x[0])].enumerated() { moments[k].add(value) }
        }
        for k in 0..<4 {
            #expect(abs(moments[k].mean - truths[k]) < 5 * moments[k].varianceOfMean.squareRoot(), "moment \(k): \(moments[k].mean) vs \(truths[k])")
        }
    }

    /// The score equals central differences of the log-density (error O(h²), h = 10⁻⁵), and the
    /// density integrates to 1 (midpoint rule over x₁ ∈ [−8a, 8a], r ∈ [−12, 12] after the
    /// change of variable r = x₂ − b(x₁² − a²), whose Jacobian is 1).
    @Test("score is the gradient of the normalized log-density")
    func density() throws {
        let banana = try BananaDistribution(scale: 1.3, curvature: 0.4)
        let check = try StatisticalCheck.scoreConsistency(score: banana.score, logDensity: banana.logDensity,
                                                          at: [[0.3, -0.7], [-1.9, 2.4], [2.5, 0.1]])
        #expect(check.passed, "\(check)")
        // ∫∫ π(x₁, x₂) dx₂ dx₁ with x₂ = r + b(x₁² − a²): a grid in (x₁, r).
        let steps = 800
        let (width1, width2) = (16 * 1.3 / Double(steps), 24 / Double(steps))
        var integral = 0.0
        for i in 0..<steps {
            let x1 = -8 * 1.3 + (Double(i) + 0.5) * width1
            for j in 0..<steps {
                let r = -12 + (Double(j) + 0.5) * width2
                integral += exp(banana.logDensity([x1, r + 0.4 * (x1 * x1 - 1.3 * 1.3)])) * width1 * width2
            }
        }
        #expect(abs(integral - 1) < 1e-6, "∫π = \(integral)")
    }

    @Test("invalid parameters are typed errors")
    func invalid() {
        #expect(throws: MonteCarloError.self) { try BananaDistribution(scale: 0) }
        #expect(throws: MonteCarloError.self) { try BananaDistribution(scale: .infinity) }
        #expect(throws: MonteCarloError.self) { try BananaDistribution(curvature: .nan) }
    }
}
