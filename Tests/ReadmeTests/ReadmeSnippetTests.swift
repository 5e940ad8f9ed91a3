import Foundation
import MonteCarlo
import StatisticalTesting
import Testing

// The README's Swift snippets, compiled and run. Each snippet sits verbatim (after removing its
// `import` lines and a common indentation) between `// README snippet N` and
// `// end README snippet`; `readmeSnippetsAreTheCompiledOnes` fails when the README and this file
// drift apart. The code around each snippet supplies what the README leaves to the reader and
// checks the snippet's claims against closed forms.

// MARK: - Snippet 1: a first estimate

func firstEstimate() throws -> (plain: Estimate, antithetic: Estimate) {
    // README snippet 1
    // E[e^U], U ~ U(0, 1); the truth is e − 1.
    let f = Integrand<Double> { exp($0) }
    let plain = try PlainMonteCarlo(sampler: UniformDistribution.unit, integrand: f)
        .run(samples: 100_000, seed: 42)
    let antithetic = try AntitheticMonteCarlo(sampler: UniformDistribution.unit, integrand: f)
        .run(samples: 50_000, seed: 42)                     // 50,000 pairs = 100,000 evaluations
    print(plain)        // 1.7183 ± 0.0016 (n = 100000, ESS = 100000)
    print(antithetic)   // same n, ESS ≈ 3,100,000: a variance-reduction factor of about 31
    print(try antithetic.confidenceInterval(level: 0.95))
    // end README snippet
    return (plain, antithetic)
}

// MARK: - Snippet 2: the driver with a precision target

func driverRun() throws -> RunReport<PlainMonteCarlo<UniformDistribution>.State, Estimate> {
    let estimator = PlainMonteCarlo(sampler: UniformDistribution.unit, integrand: Integrand<Double> { exp($0) })
    // README snippet 2
    let driver = MonteCarloDriver(stoppingRule: .absoluteError(1e-4, level: 0.95, maximumSamples: 100_000_000))
    let report = try driver.run(estimator, seed: 7)
    print(report.estimate, report.stopReason, report.history.count)   // same numbers for 1 or 64 threads
    // end README snippet
    return report
}

// MARK: - Snippet 3: Markov chain output

/// Four AR(1) chains (ρ = 0.9) whose stationary law is N(0, 1): scores −x, f(x) = x², E f = 1.
func chainSnippet() throws -> (plain: Estimate, zv: Estimate) {
    var generator = Xoshiro256PlusPlus(seed: 2026)
    let rho = 0.9, perChain = 2000
    var draws: [[Double]] = []
    for _ in 0..<4 {
        var x = NormalDistribution.standard.draw(using: &generator)
        for _ in 0..<perChain {
            x = rho * x + (1 - rho * rho).squareRoot() * NormalDistribution.standard.draw(using: &generator)
            draws.append([x])
        }
    }
    let scores = draws.map { [-$0[0]] }
    let f = draws.map { $0[0] * $0[0] }
    // README snippet 3
    let sample = try SteinSample(points: draws, scores: scores,
                                 dependence: .chains(count: 4, totalDraws: draws.count))
    let plain = try SampleMean().estimate(sample: sample, values: f)                 // σ̂²_∞/n
    let zv = try ZeroVarianceControlVariates(degree: 2).estimate(sample: sample, values: f)
    // end README snippet
    return (plain, zv)
}

// MARK: - Snippet 4: testing your own Monte Carlo code

/// The reader's estimator of the README's test snippet: plain Monte Carlo for E[e^U] = e − 1.
var myEstimator: PlainMonteCarlo<UniformDistribution> {
    get throws { PlainMonteCarlo(sampler: UniformDistribution.unit, integrand: Integrand<Double> { exp($0) }) }
}
let exactAnswer = M_E - 1

// README snippet 4
@Test func myEstimatorIsHonest() throws {
    let estimates = try (0..<400).map { r in try myEstimator.run(samples: 1000, seed: UInt64(r)) }
    let report = try CalibrationReport(estimates: estimates, truth: exactAnswer)
    #expect(report.passed, "\(report)")   // coverage, variance ratio and bias, each at false-alarm 10⁻³
}
// end README snippet

// MARK: - The checks

@Suite("README snippets")
struct ReadmeSnippetTests {
    @Test("every Swift block of the README is one of the snippets compiled here")
    func readmeSnippetsAreTheCompiledOnes() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let here = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let blocks = Self.swiftBlocks(readme)
        let snippets = Self.compiledSnippets(here)
        #expect(blocks.count == snippets.count, "README has \(blocks.count) Swift blocks; \(snippets.count) are compiled here")
        for (index, block) in blocks.enumerated() where index < snippets.count {
            let code = block.filter { !$0.hasPrefix("import ") }
            #expect(Self.dedented(code) == snippets[index], "README Swift block \(index + 1) differs from snippet \(index + 1)")
            for module in block.filter({ $0.hasPrefix("import ") }) {
                #expect(here.contains("\n\(module)\n"), "snippet \(index + 1) needs `\(module)`")
            }
        }
    }

    @Test("snippet 1: both estimates within 5 SE of e − 1; antithetic VRF matches its closed form")
    func firstEstimateClaims() throws {
        let (plain, antithetic) = try firstEstimate()
        for estimate in [plain, antithetic] {
            #expect(abs(estimate.value - exactAnswer) <= 5 * estimate.standardError)
        }
        // Var e^U = (e² − 1)/2 − (e − 1)²; Cov(e^U, e^{1−U}) = e − (e − 1)². With n evaluations,
        // plain has variance σ²/n and n/2 antithetic pairs have (σ² + c)/n: VRF = σ²/(σ² + c) ≈ 30.9.
        let e = M_E, variance = (e * e - 1) / 2 - (e - 1) * (e - 1), covariance = e - (e - 1) * (e - 1)
        let check = try StatisticalCheck.varianceReductionFactor(
            plain.variance / antithetic.variance, theoreticalFactor: variance / (variance + covariance),
            plainDegreesOfFreedom: 99_999, reducedDegreesOfFreedom: 49_999)
        #expect(check.passed, "\(check)")
    }

    @Test("snippet 2: the driver meets its precision target, or says why it stopped")
    func driverClaims() throws {
        let report = try driverRun()
        #expect(abs(report.estimate.value - exactAnswer) <= 5 * report.estimate.standardError)
        #expect(report.estimate.standardError * 1.96 <= 1e-4 * 1.0001)
        #expect(!report.history.isEmpty)
    }

    @Test("snippet 3: ZV-CV of degree 2 is exact for x² under N(0, 1); the chain's plain mean is within 5 SE")
    func chainClaims() throws {
        let (plain, zv) = try chainSnippet()
        #expect(abs(plain.value - 1) <= 5 * plain.standardError)
        #expect(abs(zv.value - 1) < 1e-9)
    }

    /// The lines of each ```swift block.
    static func swiftBlocks(_ markdown: String) -> [[String]] {
        var blocks: [[String]] = [], current: [String]?
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if current == nil, line.trimmingCharacters(in: .whitespaces) == "```swift" {
                current = []
            } else if current != nil, line.trimmingCharacters(in: .whitespaces) == "```" {
                blocks.append(current!)
                current = nil
            } else {
                current?.append(line)
            }
        }
        return blocks
    }

    /// The snippets of `source` between a line starting with `start` and the line `end`, in
    /// order, dedented.
    static func compiledSnippets(
        _ source: String, start: String = "// README snippet ", end: String = "// end README snippet"
    ) -> [[String]] {
        var snippets: [[String]] = [], current: [String]?
        for line in source.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix(start) {
                current = []
            } else if trimmed == end, let lines = current {
                snippets.append(dedented(lines))
                current = nil
            } else {
                current?.append(line)
            }
        }
        return snippets
    }

    /// `lines` without their common leading spaces and without trailing blank lines.
    static func dedented(_ lines: [String]) -> [String] {
        let indent = lines.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            .map { $0.prefix { $0 == " " }.count }.min() ?? 0
        var result = lines.map { $0.count >= indent ? String($0.dropFirst(indent)) : $0.trimmingCharacters(in: .whitespaces) }
        while result.last?.isEmpty == true { result.removeLast() }
        while result.first?.isEmpty == true { result.removeFirst() }
        return result
    }
}
