import Foundation
import MonteCarloCore
import Testing

/// Every estimator against closed-form long-run variances at n = 5 × 10⁵. A test passes when
/// |σ̂² − σ²| ≤ (bias bound) + 5 × (large-sample standard deviation), both from the estimator's
/// theory (ChainTestSupport.biasBound and relativeStandardDeviation), so each check has a
/// false-alarm probability of about 6 × 10⁻⁷.
@Suite("Long-run variance: exact truths")
struct LongRunVarianceExactTests {
    static let n = 500_000
    static let var1Draws = VAR1().draws(n, seed: 108)

    func check(_ series: [Double], truth: ChainTestSupport.Truth, label: String,
               methods: [LongRunVarianceMethod] = ChainTestSupport.allMethods) throws {
        for method in methods {
            let result = try method.estimate(series)
            let b = result.batchSize!
            let sd = ChainTestSupport.relativeStandardDeviation(method, n: Self.n, b: b) * truth.sigma2
            let tolerance = ChainTestSupport.biasBound(method, truth: truth, n: Self.n, b: b) + 5 * sd
            #expect(abs(result.longRunVariance - truth.sigma2) <= tolerance,
                    "\(label) \(result.method): \(result.longRunVariance) vs truth \(truth.sigma2) ± \(tolerance)")
            #expect(result.degreesOfFreedom == nil || result.degreesOfFreedom! > 0)
        }
    }

    @Test("AR(1), f = x: σ² = (1 + ρ)/(1 − ρ)")
    func ar1Identity() throws {
        var g = RandomStreams(seed: 101).stream(0)
        let x = ChainTestSupport.ar1(Self.n, rho: 0.5, using: &g)
        try check(x, truth: ChainTestSupport.ar1Identity(0.5), label: "AR(1) x")
    }

    @Test("AR(1), f = x²: σ² = 2(1 + ρ²)/(1 − ρ²)")
    func ar1Square() throws {
        var g = RandomStreams(seed: 102).stream(0)
        let x = ChainTestSupport.ar1(Self.n, rho: 0.5, using: &g).map { $0 * $0 }
        try check(x, truth: ChainTestSupport.ar1Square(0.5), label: "AR(1) x²")
    }

    @Test("AR(1), f = cos x: σ² = e⁻¹[(cosh 1 − 1) + 2 Σ (cosh ρᵏ − 1)]")
    func ar1Cosine() throws {
        var g = RandomStreams(seed: 103).stream(0)
        let x = ChainTestSupport.ar1(Self.n, rho: 0.8, using: &g).map { cos($0) }
        let truth = ChainTestSupport.ar1Cosine(0.8)
        #expect(abs(truth.sigma2 - 0.8754) < 1e-4)   // the reference notes' figure
        try check(x, truth: truth, label: "AR(1) cos x")
    }

    @Test("MA(2): σ² = Σ_{|k|≤2} γₖ = (Σ θⱼ)²")
    func movingAverage() throws {
        var g = RandomStreams(seed: 104).stream(0)
        let x = ChainTestSupport.movingAverage(Self.n, theta: [1.0, 0.6, 0.3], using: &g)
        // γ₀ = 1.45, γ₁ = θ₀θ₁ + θ₁θ₂ = 0.78, γ₂ = θ₀θ₂ = 0.3: σ² = 1.9², Γ = 2(γ₁ + 2γ₂) = 2.76.
        try check(x, truth: .init(sigma2: 1.9 * 1.9, gamma: 2.76), label: "MA(2)")
    }

    @Test("MA(2) with a negative lag-2 covariance: windows converge, initial sequences stop early (by design)")
    func movingAverageNegativePairs() throws {
        var g = RandomStreams(seed: 109).stream(0)
        let x = ChainTestSupport.movingAverage(Self.n, theta: [1.0, 0.6, -0.3], using: &g)
        // γ₀ = 1.45, γ₁ = 0.42, γ₂ = −0.3: σ² = 1.3² = 1.69, Γ = 2(γ₁ + 2γ₂) = −0.36.
        let truth = ChainTestSupport.Truth(sigma2: 1.69, gamma: -0.36)
        try check(x, truth: truth, label: "MA(2)−", methods: ChainTestSupport.allMethods.filter {
            if case .initialSequence = $0.resolved { return false } else { return true }
        })
        // The pair sum Γ₁ = γ₂ + γ₃ = −0.3 < 0: Geyer's sequence stops after Γ₀ and converges to
        // −γ₀ + 2(γ₀ + γ₁) = 2.29, not σ² (its premise, positive pair sums, holds for reversible
        // chains, not for this series). sd from a flat window over 2 lags.
        for kind in [LongRunVarianceMethod.InitialSequence.positive, .monotone] {
            let result = try LongRunVarianceMethod.initialSequence(kind).estimate(x)
            #expect(result.batchSize == 2)
            #expect(abs(result.longRunVariance - 2.29) <= 5 * (8 / Double(Self.n)).squareRoot() * 2.29)
        }
    }

    @Test("Four AR(1) chains pooled: the same truth")
    func severalChains() throws {
        let x = ChainTestSupport.ar1Chains(4, length: Self.n / 4, rho: 0.5, seed: 105, stream: 0)
        let truth = ChainTestSupport.ar1Identity(0.5)
        for method in ChainTestSupport.allMethods {
            let result = try method.estimate(x, chainLengths: [Int](repeating: Self.n / 4, count: 4))
            let b = result.batchSize!
            let sd = ChainTestSupport.relativeStandardDeviation(method, n: Self.n, b: b) * truth.sigma2
            let tolerance = ChainTestSupport.biasBound(method, truth: truth, n: Self.n, b: b) + 5 * sd
            #expect(abs(result.longRunVariance - truth.sigma2) <= tolerance, "\(result.method): \(result.longRunVariance)")
        }
    }

    // MARK: - Definitions

    /// Σ_{|k|<b} w(k/b) γ̂ₖ pooled over chains about the grand mean, straight from the definition.
    static func spectralByDefinition(_ x: [Double], chains: [Range<Int>], b: Int, w: (Double) -> Double) -> Double {
        let n = Double(x.count)
        let mean = x.reduce(0, +) / n
        var total = 0.0
        for k in 0..<b {
            var s = 0.0
            for range in chains where range.count > k {
                for t in range.lowerBound..<(range.upperBound - k) { s += (x[t] - mean) * (x[t + k] - mean) }
            }
            total += (k == 0 ? 1 : 2) * w(Double(k) / Double(b)) * s / n
        }
        return total
    }

    @Test("Spectral, OBM and BM equal their definitions (two chains, to rounding)")
    func definitions() throws {
        let x = ChainTestSupport.ar1Chains(1, length: 700, rho: 0.7, seed: 106, stream: 0).map { $0 + 5 }
        let lengths = [400, 300]
        let chains = [0..<400, 400..<700]
        let b = 17
        let bartlett = try LongRunVarianceMethod.spectral(.bartlett, truncation: .fixed(b)).estimate(x, chainLengths: lengths)
        let th = try LongRunVarianceMethod.spectral(.tukeyHanning, truncation: .fixed(b)).estimate(x, chainLengths: lengths)
        let expectedBartlett = Self.spectralByDefinition(x, chains: chains, b: b, w: ChainTestSupport.bartlett)
        let expectedTH = Self.spectralByDefinition(x, chains: chains, b: b, w: ChainTestSupport.tukeyHanning)
        // Prefix-sum differences of ~700 centred terms: relative rounding well below 1e-12.
        #expect(abs(bartlett.longRunVariance - expectedBartlett) <= 1e-12 * expectedBartlett)
        #expect(abs(th.longRunVariance - expectedTH) <= 1e-12 * expectedTH)
        let lugsail = try LongRunVarianceMethod.spectral(.bartlett, truncation: .fixed(b), lugsail: true).estimate(x, chainLengths: lengths)
        let expectedLugsail = 2 * expectedBartlett - Self.spectralByDefinition(x, chains: chains, b: b / 3, w: ChainTestSupport.bartlett)
        #expect(abs(lugsail.longRunVariance - max(expectedLugsail, expectedBartlett)) <= 1e-12 * expectedBartlett)
        // Lugsail Tukey–Hanning: both truncations come from one pass.
        let lugsailTH = try LongRunVarianceMethod.spectral(.tukeyHanning, truncation: .fixed(b), lugsail: true).estimate(x, chainLengths: lengths)
        let expectedLugsailTH = 2 * expectedTH - Self.spectralByDefinition(x, chains: chains, b: b / 3, w: ChainTestSupport.tukeyHanning)
        #expect(abs(lugsailTH.longRunVariance - max(expectedLugsailTH, expectedTH)) <= 1e-12 * expectedTH)
        // Three columns at once (one dgemm against both truncations' window sums): the diagonal
        // of the lugsail Σ̂ is each column's lugsail estimate by definition.
        let columns = [x, x.map { 0.5 * $0 * $0 }, x.reversed()]
        let vector = try LongRunVarianceMethod.spectral(.tukeyHanning, truncation: .fixed(b), lugsail: true)
            .estimateCovariance(columns: columns, chainLengths: lengths)
        for (j, column) in columns.enumerated() {
            let plain = Self.spectralByDefinition(column, chains: chains, b: b, w: ChainTestSupport.tukeyHanning)
            let expected = 2 * plain - Self.spectralByDefinition(column, chains: chains, b: b / 3, w: ChainTestSupport.tukeyHanning)
            #expect(abs(vector.longRunCovariance[j + j * 3] - expected) <= 1e-12 * plain, "column \(j)")
        }

        // OBM: n b/((n − b) N) Σ over full windows of each chain of (Ȳ − μ̂)².
        let mean = x.reduce(0, +) / 700
        var squares = 0.0, windows = 0
        for range in chains {
            for start in range.lowerBound...(range.upperBound - b) {
                let m = x[start..<(start + b)].reduce(0, +) / Double(b)
                squares += (m - mean) * (m - mean)
                windows += 1
            }
        }
        let expectedOBM = 700 * Double(b) * squares / (Double(700 - b) * Double(windows))
        let obm = try LongRunVarianceMethod.overlappingBatchMeans(.fixed(b)).estimate(x, chainLengths: lengths)
        #expect(abs(obm.longRunVariance - expectedOBM) <= 1e-12 * expectedOBM)

        // BM: batches inside each chain only (400 = 23·17 + 9, 300 = 17·17 + 11).
        var batchSquares = 0.0, batches = 0
        for range in chains {
            for j in 0..<(range.count / b) {
                let start = range.lowerBound + j * b
                let m = x[start..<(start + b)].reduce(0, +) / Double(b)
                batchSquares += (m - mean) * (m - mean)
                batches += 1
            }
        }
        #expect(batches == 40)
        let bm = try LongRunVarianceMethod.batchMeans(.fixed(b)).estimate(x, chainLengths: lengths)
        #expect(abs(bm.longRunVariance - Double(b) * batchSquares / 39) <= 1e-12 * bm.longRunVariance)
        #expect(bm.degreesOfFreedom == 39)
    }

    @Test("Initial sequences equal Geyer's definition from Autocovariances (direct and FFT lag ranges)",
          arguments: [(0.95, 17, 511), (0.998, 512, 4999)])
    func initialSequenceDefinition(rho: Double, fewestLags: Int, mostLags: Int) throws {
        var g = RandomStreams(seed: 107).stream(0)
        let x = ChainTestSupport.ar1(5000, rho: rho, using: &g)
        let gamma = try Autocovariances.estimate(x)
        for kind in [LongRunVarianceMethod.InitialSequence.positive, .monotone] {
            var sum = 0.0, previous = Double.infinity, m = 0
            while 2 * m + 1 < gamma.count {
                var pair = gamma[2 * m] + gamma[2 * m + 1]
                if pair <= 0 { break }
                if kind == .monotone { pair = min(pair, previous) }
                sum += pair
                previous = pair
                m += 1
            }
            let result = try LongRunVarianceMethod.initialSequence(kind).estimate(x)
            // ρ = 0.95 needs more than the first 32 lags (direct, doubled); ρ = 0.998 more than 512 (FFT).
            #expect(result.batchSize == 2 * m && 2 * m >= fewestLags && 2 * m <= mostLags, "\(kind): \(2 * m) lags")
            let expected = -gamma[0] + 2 * sum
            #expect(abs(result.longRunVariance - max(expected, 0)) <= 1e-11 * expected, "\(kind)")
        }
    }

    // MARK: - VAR(1)

    /// X_t = A X_{t−1} + e_t, Cov(e) = Σ_e: Γ₀ = Σₖ Aᵏ Σ_e Aᵏᵀ, Σ_∞ = (I − A)⁻¹Γ₀ + Γ₀(I − Aᵀ)⁻¹ − Γ₀,
    /// and the bias constant Γ = Σ_{k≥1} k (AᵏΓ₀ + Γ₀Aᵏᵀ).
    struct VAR1 {
        let a = [[0.5, 0.2], [-0.1, 0.7]]
        let noise = [[1.0, 0.3], [0.3, 0.5]]

        static func mul(_ x: [[Double]], _ y: [[Double]]) -> [[Double]] {
            (0..<2).map { i in (0..<2).map { j in x[i][0] * y[0][j] + x[i][1] * y[1][j] } }
        }
        static func t(_ x: [[Double]]) -> [[Double]] { [[x[0][0], x[1][0]], [x[0][1], x[1][1]]] }
        static func add(_ x: [[Double]], _ y: [[Double]], _ s: Double = 1) -> [[Double]] {
            (0..<2).map { i in (0..<2).map { j in x[i][j] + s * y[i][j] } }
        }
        static func inverse(_ x: [[Double]]) -> [[Double]] {
            let d = x[0][0] * x[1][1] - x[0][1] * x[1][0]
            return [[x[1][1] / d, -x[0][1] / d], [-x[1][0] / d, x[0][0] / d]]
        }
        static func det(_ x: [[Double]]) -> Double { x[0][0] * x[1][1] - x[0][1] * x[1][0] }

        var gamma0: [[Double]] {
            var sum = [[0.0, 0.0], [0.0, 0.0]], power = [[1.0, 0.0], [0.0, 1.0]]
            for _ in 0..<400 {
                sum = Self.add(sum, Self.mul(Self.mul(power, noise), Self.t(power)))
                power = Self.mul(power, a)
            }
            return sum
        }
        var longRun: [[Double]] {
            let g0 = gamma0
            let inv = Self.inverse(Self.add([[1, 0], [0, 1]], a, -1))
            return Self.add(Self.add(Self.mul(inv, g0), Self.mul(g0, Self.t(inv))), g0, -1)
        }
        var biasConstant: [[Double]] {
            let g0 = gamma0
            var sum = [[0.0, 0.0], [0.0, 0.0]], power = a
            for k in 1...400 {
                let term = Self.add(Self.mul(power, g0), Self.mul(g0, Self.t(power)))
                sum = Self.add(sum, term, Double(k))
                power = Self.mul(power, a)
            }
            return sum
        }

        /// n draws, column-major (column j = component j), after a burn-in of 1000 steps.
        func draws(_ n: Int, seed: UInt64) -> [Double] {
            var g = RandomStreams(seed: seed).stream(0)
            let l00 = noise[0][0].squareRoot(), l10 = noise[1][0] / l00
            let l11 = (noise[1][1] - l10 * l10).squareRoot()
            var x0 = 0.0, x1 = 0.0
            var out = [Double](repeating: 0, count: 2 * n)
            for t in -1000..<n {
                let e0 = g.nextStandardNormal(), e1 = g.nextStandardNormal()
                let y0 = a[0][0] * x0 + a[0][1] * x1 + l00 * e0
                let y1 = a[1][0] * x0 + a[1][1] * x1 + l10 * e0 + l11 * e1
                x0 = y0
                x1 = y1
                if t >= 0 {
                    out[t] = x0
                    out[n + t] = x1
                }
            }
            return out
        }
    }

    @Test("VAR(1): every vector method's Σ̂ and mESS against the closed form", arguments: [
        LongRunVarianceMethod.batchMeans(), .batchMeans(lugsail: true), .overlappingBatchMeans(),
        .overlappingBatchMeans(lugsail: true), .spectral(.bartlett), .spectral(.bartlett, lugsail: true),
        .spectral(.tukeyHanning), .spectral(.tukeyHanning, lugsail: true), .auto,
    ])
    func var1(method: LongRunVarianceMethod) throws {
        let model = VAR1()
        let n = Self.n
        let x = Self.var1Draws
        let truth = model.longRun, bias = model.biasConstant
        let result = try method.estimateCovariance(columnMajor: x, dimension: 2, chainLengths: [n])
        let b = result.batchSize!
        // Var(Σ̂ᵢⱼ) ≈ (ΣᵢᵢΣⱼⱼ + Σᵢⱼ²) × v, v the scalar relative variance / 2 (Wishart-like).
        let relative = ChainTestSupport.relativeStandardDeviation(method.resolvedForVectors, n: n, b: b)
        let v = relative * relative / 2
        for i in 0..<2 {
            for j in 0..<2 {
                let sd = ((truth[i][i] * truth[j][j] + truth[i][j] * truth[i][j]) * v).squareRoot()
                let scalarTruth = ChainTestSupport.Truth(sigma2: abs(truth[i][j]) + 1, gamma: abs(bias[i][j]))
                let tolerance = ChainTestSupport.biasBound(method.resolvedForVectors, truth: scalarTruth, n: n, b: b) + 5 * sd
                let estimate = result.longRunCovariance[i * 2 + j]
                #expect(abs(estimate - truth[i][j]) <= tolerance, "\(result.method) Σ[\(i),\(j)] = \(estimate) vs \(truth[i][j]) ± \(tolerance)")
                #expect(abs(result.covarianceOfMean[i * 2 + j] - estimate / Double(n)) <= 1e-15 * abs(estimate))
            }
        }
        // mESS = n (|Γ₀|/|Σ_∞|)^{1/p}; sd of log|Σ̂| ≈ √(2p v') with v' the relative variance / 2
        // per entry, so sd(log mESS) ≈ √(2p v)/p, plus the first-order bias of the entries.
        let expected = Double(n) * (VAR1.det(model.gamma0) / VAR1.det(truth)).squareRoot()
        let mess = try #require(result.multivariateEffectiveSampleSize)
        let logTolerance = 5 * (4 * v).squareRoot() / 2 + 2 * (abs(bias[0][0]) + abs(bias[1][1])) / Double(b) + 1e-3
        #expect(abs(log(mess / expected)) <= logTolerance, "\(result.method): mESS \(mess) vs \(expected)")
    }
}
