import Foundation
import MonteCarloCore
@testable import StatisticalTesting
import Testing
@testable import SteinControlVariates

/// Kernel Stein discrepancy against the target p = N(0, 1) (score −x) with the default IMQ base
/// kernel (c = 1, β = −½).
///
/// Truth: for draws from q = N(μ, 1), KSD² = E_{X,X′∼q} k0(X, X′), where in one dimension, with
/// r = x − y, b = c² + r² and u = −x,
///
///     k0 = −2β b^(β−1) − 4β(β−1) r² b^(β−2) + 2β r² b^(β−1) + x y b^β
///
/// (derived here by hand from k = b^β, independently of the library's closed form). E k0 is
/// computed by the trapezoid rule on a 2-D grid (spectrally accurate for this smooth, Gaussian-
/// weighted integrand); at μ = 0 it must vanish, which checks the quadrature. E k0(X, X) =
/// −2β c^(2β−2) + (1 + μ²)c^(2β) in closed form, so E V = ((n−1)/n)KSD² + E k0(X, X)/n exactly.
@Suite("Kernel Stein discrepancy")
struct KernelSteinDiscrepancyTests {
    static let beta = -0.5

    /// R for the calibration and level checks: 200 (power ≥ 0.9 against 85% coverage), 400 with
    /// `MONTECARLO_CALIBRATION=full`.
    static let replications = CalibrationScale.current.replications(fast: 200, full: 400)

    /// k0(x, y) for N(0, 1) and the IMQ kernel with c = 1.
    static func steinKernel(_ x: Double, _ y: Double) -> Double {
        let r = x - y, b = 1 + r * r
        return -2 * beta * pow(b, beta - 1) - 4 * beta * (beta - 1) * r * r * pow(b, beta - 2)
            + 2 * beta * r * r * pow(b, beta - 1) + x * y * pow(b, beta)
    }

    /// E_{X,X′ ∼ N(μ, 1)} k0(X, X′) by the trapezoid rule on [μ − 12, μ + 12]², step 0.04.
    static func squaredDiscrepancy(shift mu: Double) -> Double {
        let h = 0.04, half = 300
        let nodes = (-half...half).map { mu + Double($0) * h }
        let weights = nodes.map { exp(-($0 - mu) * ($0 - mu) / 2) / (2 * Double.pi).squareRoot() * h }
        var total = 0.0
        for (x, wx) in zip(nodes, weights) {
            for (y, wy) in zip(nodes, weights) { total += wx * wy * steinKernel(x, y) }
        }
        return total
    }

    static func expectedDiagonal(shift mu: Double) -> Double { -2 * beta + (1 + mu * mu) }

    /// n i.i.d. draws from N(μ, 1) with the scores of N(0, 1).
    static func shiftedSample(_ n: Int, shift mu: Double, generator: inout Xoshiro256PlusPlus) throws(MonteCarloError) -> SteinSample {
        let points = (0..<n).map { _ in mu + generator.nextStandardNormal() }
        return try SteinSample(count: n, dimension: 1, points: points, scores: points.map { -$0 })
    }

    /// An AR(1) chain xₜ = ρxₜ₋₁ + √(1 − ρ²)eₜ of length n, started in N(0, 1) (stationary for N(0, 1)).
    static func autoregressiveChain(_ n: Int, rho: Double, generator: inout Xoshiro256PlusPlus) throws(MonteCarloError) -> SteinSample {
        var x = generator.nextStandardNormal()
        var points: [Double] = []
        for _ in 0..<n {
            points.append(x)
            x = rho * x + (1 - rho * rho).squareRoot() * generator.nextStandardNormal()
        }
        return try SteinSample(count: n, dimension: 1, points: points, scores: points.map { -$0 },
                               dependence: .chains(lengths: [n]))
    }

    @Test("the quadrature truth vanishes under the null and is positive under a shift")
    func quadrature() {
        #expect(abs(Self.squaredDiscrepancy(shift: 0)) < 1e-10)
        #expect(Self.squaredDiscrepancy(shift: 0.5) > 0.01)
    }

    /// R = 200 data sets (400 at full scale) at n = 100 and n = 400, μ = 0.5 (non-degenerate):
    /// coverage of the U-statistic's 95% intervals within the Binomial(R, 0.95) region, mean within a t-test of
    /// KSD², reported/empirical variance within χ² bounds (false-alarm probability 10⁻³ each);
    /// the same for the V-statistic against its exact mean.
    @Test("U- and V-statistics: unbiased (U), exact mean (V), calibrated variances", arguments: [100, 400])
    func calibration(n: Int) throws {
        let mu = 0.5
        let truth = Self.squaredDiscrepancy(shift: mu)
        let meanV = Double(n - 1) / Double(n) * truth + Self.expectedDiagonal(shift: mu) / Double(n)
        var biased: [Estimate] = []
        let unbiased = try replicate(Self.replications, seed: 1800 + UInt64(n)) {
            (_, generator: inout Xoshiro256PlusPlus) throws(MonteCarloError) -> Estimate in
            let result = try KernelSteinDiscrepancy().estimate(Self.shiftedSample(n, shift: mu, generator: &generator))
            biased.append(result.biased)
            return result.unbiased
        }
        for (label, estimates, target) in [("U", unbiased, truth), ("V", biased, meanV)] {
            let report = try CalibrationReport(estimates: estimates, truth: target)
            print(report.markdownRow(label: "KSD² \(label), n = \(n), μ = \(mu)"))
            #expect(report.passed, "\(label), n = \(n): \(report)")
        }
        // The declared bias of V estimates its true bias (E k0(X, X) − KSD²)/n without bias itself.
        let declared = biased.map { $0.diagnostics.figures["bias"]! }
        let trueBias = (Self.expectedDiagonal(shift: mu) - truth) / Double(n)
        var moments = RunningMoments()
        for b in declared { moments.add(b) }
        let meanDeclared = Estimate(value: moments.mean, variance: moments.sampleVariance / Double(declared.count),
                                    sampleCount: declared.count, effectiveSampleSize: Double(declared.count),
                                    diagnostics: Diagnostics(method: "mean declared bias"))
        let check = StatisticalCheck.consistency(of: meanDeclared, with: trueBias)
        #expect(check.passed, "\(check)")
    }

    /// AR(1) chains (ρ = 0.5, τ = 3, n = 500) stationary for N(0, 1), scored against
    /// p = N(−½, 1): KSD² is that of a shift of ½ (the IMQ kernel is translation invariant). The
    /// variance is the long-run one of the row means; R = 200 (400 at full scale): coverage, mean and χ² checks as above.
    @Test("U-statistic on AR(1) chains: long-run variance calibrated")
    func chainCalibration() throws {
        let truth = Self.squaredDiscrepancy(shift: 0.5)
        let report = try CalibrationReport(replications: Self.replications, seed: 2150, truth: truth) {
            (_, generator: inout Xoshiro256PlusPlus) throws(MonteCarloError) -> Estimate in
            let chain = try Self.autoregressiveChain(500, rho: 0.5, generator: &generator)
            let shifted = try SteinSample(count: chain.count, dimension: 1, points: chain.points,
                                          scores: chain.points.map { -($0 + 0.5) }, dependence: chain.dependence)
            return try KernelSteinDiscrepancy().estimate(shifted).unbiased
        }
        print(report.markdownRow(label: "KSD² U, AR(1) ρ = 0.5, n = 500"))
        #expect(report.passed, "\(report)")
    }

    /// Number of rejections at level α = 0.05 in R tests, and the Binomial(R, 0.05) acceptance region (α = 10⁻³).
    static func rejections(_ count: Int, seed: UInt64, _ test: (inout Xoshiro256PlusPlus, Int) throws -> SteinGoodnessOfFitTest) throws
        -> (rejected: Int, region: (lower: Int, upper: Int, falseAlarmProbability: Double))
    {
        var generator = Xoshiro256PlusPlus(seed: seed)
        var rejected = 0
        for r in 0..<count where try test(&generator, r).rejects(at: 0.05) { rejected += 1 }
        return (rejected, StatisticalCheck.binomialAcceptanceRegion(trials: count, probability: 0.05, alpha: 1e-3))
    }

    @Test("level under the null: i.i.d. draws with Rademacher multipliers (n = 200, B = 200)")
    func levelIndependent() throws {
        let replications = Self.replications
        let (rejected, region) = try Self.rejections(replications, seed: 1900) { generator, r in
            try KernelSteinDiscrepancy().test(Self.shiftedSample(200, shift: 0, generator: &generator), bootstrap: 200,
                                              seed: 5000 + UInt64(r))
        }
        print("KSD test level, i.i.d.: \(rejected)/\(replications) rejected, accepted \(region.lower)…\(region.upper)")
        #expect(region.lower <= rejected && rejected <= region.upper)
    }

    /// AR(1) chains with ρ = 0.7 (τ = 5.7), n = 500: the chain-aware multipliers keep the level;
    /// Rademacher multipliers on the same chains over-reject (documented on ``WildBootstrap``).
    @Test("level under the null on AR(1) chains: autocorrelated multipliers hold it, Rademacher over-rejects")
    func levelChain() throws {
        let replications = Self.replications
        var generator = Xoshiro256PlusPlus(seed: 2000)
        var (aware, naive) = (0, 0)
        for r in 0..<replications {
            let chain = try Self.autoregressiveChain(500, rho: 0.7, generator: &generator)
            let ksd = KernelSteinDiscrepancy()
            if try ksd.test(chain, bootstrap: 200, seed: 6000 + UInt64(r)).rejects(at: 0.05) { aware += 1 }
            if try ksd.test(chain, bootstrap: 200, multipliers: .rademacher, seed: 6000 + UInt64(r)).rejects(at: 0.05) { naive += 1 }
        }
        let region = StatisticalCheck.binomialAcceptanceRegion(trials: replications, probability: 0.05, alpha: 1e-3)
        print("KSD test level, AR(1) ρ = 0.7: chain-aware \(aware)/\(replications), Rademacher \(naive)/\(replications), accepted \(region.lower)…\(region.upper)")
        #expect(region.lower <= aware && aware <= region.upper)
        #expect(naive > region.upper)
    }

    @Test("power on a mean shift of 0.5 at n = 500 (R = 50, B = 200): every test rejects")
    func power() throws {
        let (rejected, _) = try Self.rejections(50, seed: 2100) { generator, r in
            try KernelSteinDiscrepancy().test(Self.shiftedSample(500, shift: 0.5, generator: &generator), bootstrap: 200,
                                              seed: 7000 + UInt64(r))
        }
        // KSD² ≈ 0.05 here against a null spread of n·V of order 1: n·V ≈ 25 exceeds every replicate.
        #expect(rejected == 50)
    }

    @Test("the blocked pass agrees with the full kernel matrix across block boundaries")
    func blockedPass() throws {
        var generator = Xoshiro256PlusPlus(seed: 2200)
        let n = 300
        let points = (0..<(2 * n)).map { _ in generator.nextStandardNormal() }
        let sample = try SteinSample(count: n, dimension: 2, points: points, scores: points.map { -0.8 * $0 })
        let stein = try KernelSteinDiscrepancy().steinKernel(for: sample)
        let w = try WildBootstrap.multipliers(count: 3, draws: n, dependence: .independent, flipProbability: 0.5, seed: 1)
        let sums = SteinKernelSums(kernel: stein, sample: sample, multipliers: w)
        let h = stein.matrix(for: sample)
        for i in [0, 255, 256, 299] {
            let direct = (0..<n).reduce(0.0) { $0 + ($1 == i ? 0 : h[i, $1]) }
            #expect(abs(sums.rowSums[i] - direct) <= 1e-9 * max(1, abs(direct)))
            #expect(sums.diagonal[i] == h[i, i])
        }
        for b in 0..<3 {
            var form = 0.0
            for i in 0..<n { for j in 0..<n { form += w[b, i] * w[b, j] * h[i, j] } }
            #expect(abs(sums.quadraticForms[b] - form) <= 1e-9 * max(1, abs(form)))
        }
    }

    @Test("the test is reproducible: the same seed gives the same p-value, chains start their own sign process")
    func reproducible() throws {
        var generator = Xoshiro256PlusPlus(seed: 2250)
        let sample = try Self.shiftedSample(100, shift: 0.2, generator: &generator)
        let ksd = KernelSteinDiscrepancy()
        let first = try ksd.test(sample, bootstrap: 100, seed: 9)
        #expect(try ksd.test(sample, bootstrap: 100, seed: 9) == first)
        #expect(first.bootstrapCount == 100 && first.seed == 9 && first.flipProbability == 0.5)
        #expect(first.statistic == 100 * first.discrepancy.biased.value)
        // Autocorrelated signs: constant within runs, each of two chains starting afresh.
        let w = try WildBootstrap.multipliers(count: 2000, draws: 4, dependence: .chains(lengths: [2, 2]),
                                              flipProbability: 0.1, seed: 3)
        var flips = 0, restartsAgree = 0
        for b in 0..<2000 {
            if w[b, 1] != w[b, 0] { flips += 1 }
            if w[b, 2] == w[b, 1] { restartsAgree += 1 }
        }
        // Flips ~ Binomial(2000, 0.1) and agreement at a restart ~ Binomial(2000, 0.5): 5-SD windows.
        #expect(abs(Double(flips) - 200) <= 5 * 13.4)
        #expect(abs(Double(restartsAgree) - 1000) <= 5 * 22.4)
    }

    @Test("bad input: too few draws, coinciding draws, bad bootstrap settings, non-finite and mismatched data")
    func badInput() throws {
        let two = try SteinSample(count: 2, dimension: 1, points: [0, 1], scores: [0, -1])
        #expect(throws: MonteCarloError.self) { try KernelSteinDiscrepancy().estimate(two) }
        let constant = try SteinSample(count: 5, dimension: 1, points: [1, 1, 1, 1, 1], scores: [-1, -1, -1, -1, -1])
        #expect(throws: MonteCarloError.self) { try KernelSteinDiscrepancy(kernel: .inverseMultiquadric()).estimate(constant) }
        #expect(throws: MonteCarloError.self) { try SteinThinning().select(constant, count: 2) }
        let sample = try SteinSample(count: 4, dimension: 1, points: [0, 1, 2, 3], scores: [0, -1, -2, -3])
        #expect(throws: MonteCarloError.self) { try KernelSteinDiscrepancy().test(sample, bootstrap: 0, seed: 1) }
        #expect(throws: MonteCarloError.self) {
            try KernelSteinDiscrepancy().test(sample, multipliers: .autocorrelated(flipProbability: 0.7), seed: 1)
        }
        #expect(throws: MonteCarloError.self) { try SteinSample(count: 2, dimension: 1, points: [0, .nan], scores: [0, 1]) }
        #expect(throws: MonteCarloError.self) { try SteinSample(count: 2, dimension: 1, points: [0, 1], scores: [0, .infinity]) }
        #expect(throws: MonteCarloError.self) { try SteinSample(points: [[0, 1], [1, 2]], scores: [[0], [1]]) }
        #expect(throws: MonteCarloError.self) { try SteinThinning().select(sample, count: 5) }
        #expect(throws: MonteCarloError.self) { try SteinThinning().select(sample, count: 0) }
    }
}
