import Foundation
import MonteCarloCore
import StatisticalTesting
import Testing

/// The mutual-information test problems: each truth checked at values known in closed form, and
/// each sampler checked against its truth by averaging the exact pointwise log-ratio
/// log p(x, y)/(p(x) p(y)) over its draws (a route that shares no code with the truth).
@Suite("Mutual-information test problems")
struct MutualInformationTestProblemsTests {
    /// The mean of `values` is within 5 standard errors of `truth`.
    func expectMean(_ values: [Double], near truth: Double, _ name: String) {
        var moments = RunningMoments()
        moments.add(contentsOf: values)
        let standardError = (moments.sampleVariance / Double(values.count)).squareRoot()
        #expect(abs(moments.mean - truth) <= 5 * standardError,
                "\(name): mean pointwise log-ratio \(moments.mean), truth \(truth), SE \(standardError)")
    }

    /// No information without separation; 0.3368308203 at μ = 1 (SciPy's `quad` on the same
    /// integral); nearly log 2 when the components no longer overlap (the Bayes error at μ = 8 is
    /// Φ(−8) ≈ 6·10⁻¹⁶).
    @Test("two Gaussians: the quadrature truth at known values")
    func twoGaussiansTruth() {
        #expect(abs(MutualInformationTestProblems.twoGaussiansInformation(separation: 0)) < 1e-9)
        #expect(abs(MutualInformationTestProblems.twoGaussiansInformation(separation: 1) - 0.3368308203) < 1e-9)
        #expect(abs(MutualInformationTestProblems.twoGaussiansInformation(separation: 8) - log(2)) < 1e-9)
    }

    /// log p(y | l)/p(y) with the two normal densities, averaged over 20 000 draws.
    @Test("two Gaussians: the sampler matches the truth")
    func twoGaussiansSampler() {
        let mu = 1.0
        var generator = Xoshiro256PlusPlus(seed: 11)
        let (labels, y) = MutualInformationTestProblems.twoGaussians(20_000, separation: mu, using: &generator)
        #expect(labels.count == 20_000 && y.count == 20_000 && labels.allSatisfy { $0 == 0 || $0 == 1 })
        var ratios: [Double] = []
        for (label, value) in zip(labels, y) {
            let minus = exp(-0.5 * (value + mu) * (value + mu)), plus = exp(-0.5 * (value - mu) * (value - mu))
            ratios.append(log((label == 0 ? minus : plus) / (0.5 * (minus + plus))))
        }
        expectMean(ratios, near: MutualInformationTestProblems.twoGaussiansInformation(separation: mu), "two Gaussians")
    }

    /// Y is uniform on an interval of length 2 given X, and Y's density is (1/2m) times the
    /// number of categories whose interval holds it, so the log-ratio is log(m / that number).
    @Test("uniform shift: the sampler matches the truth, and one category carries nothing")
    func uniformShift() {
        #expect(MutualInformationTestProblems.uniformShiftInformation(categories: 1) == 0)
        let m = 5
        var generator = Xoshiro256PlusPlus(seed: 12)
        let (x, y) = MutualInformationTestProblems.uniformShift(20_000, categories: m, using: &generator)
        var ratios: [Double] = []
        for (category, value) in zip(x, y) {
            #expect(category >= 0 && category < Double(m) && category == category.rounded()
                    && value >= category && value < category + 2)
            let holding = (0..<m).filter { Double($0) <= value && value < Double($0) + 2 }.count
            ratios.append(log(Double(m) / Double(holding)))
        }
        expectMean(ratios, near: MutualInformationTestProblems.uniformShiftInformation(categories: m), "uniform shift")
    }

    /// The rows split into their two components with probability ½ each; continuous rows have
    /// Y − X in [0, 1), and discrete ones agree with probability α (each share within 5 binomial
    /// standard errors). At α = ½ the discrete part carries no information beyond the component,
    /// so I = log 2 + ¼. The log-ratio is log 2 − log t(y) on a continuous row (t the triangular
    /// density of X + U(0, 1), p(x) = p(y) = ½ on that part) and log 4α or log 4(1 − α) on a
    /// discrete one (each atom has probability ¼ in X and in Y).
    @Test("half discrete: the components, the closed form and the sampler against the truth")
    func halfDiscrete() {
        #expect(abs(MutualInformationTestProblems.halfDiscreteInformation(alpha: 0.5) - (log(2) + 0.25)) < 1e-12)
        let (n, alpha) = (20_000, 0.9)
        var generator = Xoshiro256PlusPlus(seed: 13)
        let (x, y) = MutualInformationTestProblems.halfDiscrete(n, alpha: alpha, using: &generator)
        var continuous = 0, discrete = 0, agreeing = 0
        var ratios: [Double] = []
        for (a, b) in zip(x, y) {
            if a >= 0 {
                continuous += 1
                #expect(a < 1 && b - a >= 0 && b - a < 1)
                ratios.append(log(2) - log(b < 1 ? b : 2 - b))
            } else {
                discrete += 1
                #expect((a == -1 || a == -2) && (b == -1 || b == -2))
                if a == b { agreeing += 1 }
                ratios.append(log(4 * (a == b ? alpha : 1 - alpha)))
            }
        }
        expectMean(ratios, near: MutualInformationTestProblems.halfDiscreteInformation(alpha: alpha), "half discrete")
        #expect(continuous + discrete == n)
        #expect(abs(Double(continuous) / Double(n) - 0.5) <= 5 * (0.25 / Double(n)).squareRoot())
        let share = Double(agreeing) / Double(discrete)
        #expect(abs(share - alpha) <= 5 * (alpha * (1 - alpha) / Double(discrete)).squareRoot(), "agreeing share \(share)")
    }
}
