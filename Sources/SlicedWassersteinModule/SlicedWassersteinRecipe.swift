import MonteCarloCore
import VarianceReduction

extension SlicedWasserstein {
    /// One estimate of SW_p^p as a recipe over `VarianceReduction`: a direction scheme, the
    /// integrand f(θ) = W_p^p(θ#μ, θ#ν) (``gaussianSpaceIntegrand``), optional controls, and the
    /// generic estimator they call for, run by `MonteCarloDriver` for a fixed number of sets.
    ///
    /// Without controls the estimator is `PointSetMonteCarlo` over the scheme's sets (plain
    /// Monte Carlo for i.i.d. directions); with controls (i.i.d. directions only) it is
    /// `ControlVariateMonteCarlo` with an ordinary-least-squares fit. Both are wrapped in a
    /// ``SlicedWassersteinEstimator`` for the report. Block b of the driver holds about 64
    /// directions and draws from stream b of the seed, so the result depends on the seed only,
    /// never on the thread count; sharding is the driver's: `MonteCarloDriver/blockStates(_:seed:blocks:)`
    /// on disjoint block ranges, folded in block order with `MonteCarloDriver/foldedState(of:blockStates:)`,
    /// gives the single run's state bit for bit.
    ///
    /// ```swift
    /// let recipe = try sw.recipe(projections: 1000, method: .orthogonal)
    /// let estimate = try recipe.run(seed: 1)          // = sw.estimate(projections: 1000, method: .orthogonal, seed: 1)
    /// ```
    public struct Recipe: Sendable {
        /// The problem.
        public let problem: SlicedWasserstein
        /// How the directions are drawn.
        public let directions: any SlicingDirectionSampler
        /// The number of sets of directions (directions, for i.i.d. ones): the driver's sample count.
        public let sets: Int
        /// The controls, if any.
        let controls: Controls?

        /// Control variates for f.
        enum Controls: Sendable, Hashable {
            case gaussian(GaussianControls)
            case harmonics(maxDegree: Int)
        }

        /// A recipe for `sets` sets of `directions`, with optional controls (which need i.i.d. directions).
        init(problem: SlicedWasserstein, directions: any SlicingDirectionSampler, sets: Int, controls: Controls? = nil) {
            self.problem = problem
            self.directions = directions
            self.sets = sets
            self.controls = controls
        }

        /// The number of directions evaluated.
        public var directionCount: Int { sets * directions.pointsPerSet }

        /// Sets per block of the driver: about 64 directions per block.
        public var blockSize: Int { max(1, SlicingDirections.directionsPerStream / directions.pointsPerSet) }

        /// The driver of a fixed-count run on the problem's threads.
        public func driver(progress: (@Sendable (RunProgress) -> Void)? = nil) -> MonteCarloDriver {
            MonteCarloDriver(stoppingRule: .sampleCount(sets), threadCount: problem.threadCount, blockSize: blockSize,
                             progress: progress)
        }

        /// Runs the recipe on all of the problem's threads.
        public func run(seed: UInt64) throws(MonteCarloError) -> Estimate {
            do {
                return try accept(Runner(driver: driver(), seed: seed))
            } catch let error as MonteCarloError {
                throw error
            } catch {
                preconditionFailure("the runner throws only MonteCarloError: \(error)")
            }
        }

        /// Hands the recipe's estimator to `visitor` (to run it, shard it or finalize merged states).
        public func accept<V: EstimatorVisitor>(_ visitor: V) throws -> V.Result {
            let integrand = problem.gaussianSpaceIntegrand
            let pointCount = problem.source.count + problem.target.count
            if let controls {
                let built = try problem.controlIntegrand(controls)
                if let vector = built.controls {
                    let sampler = try IndependentDirections(dimension: problem.dimension)
                    let base = try ControlVariateMonteCarlo(sampler: sampler, integrand: integrand, controls: vector,
                                                            controlMeans: built.means, fitting: .ordinaryLeastSquares,
                                                            collinearity: .dropWithWarning)
                    return try visitor.visit(SlicedWassersteinEstimator(
                        base: base, blockSize: blockSize,
                        report: SlicedWasserstein.regressionReport(
                            method: built.method, declaredBias: built.declaredBias, figures: built.figures, warnings: built.warnings)))
                }
                // No usable control (constant ones were dropped): plain Monte Carlo, said so.
                return try visit(visitor, directions, pointCount: pointCount, warnings: built.warnings)
            }
            return try visit(visitor, directions, pointCount: pointCount, warnings: [])
        }

        private func visit<V: EstimatorVisitor, D: SlicingDirectionSampler>(
            _ visitor: V, _ directions: D, pointCount: Int, warnings: [String]
        ) throws -> V.Result {
            let base = PointSetMonteCarlo(sampler: directions, integrand: problem.gaussianSpaceIntegrand)
            let figures: @Sendable (Int) -> [String: Double] = { directions.figures(sets: $0) }
            return try visitor.visit(SlicedWassersteinEstimator(
                base: base, blockSize: blockSize,
                report: SlicedWasserstein.setReport(name: directions.name, pointsPerSet: directions.pointsPerSet,
                                                             pointCount: pointCount, figures: figures, warnings: warnings)))
        }

        /// Runs an estimator with a driver.
        private struct Runner: EstimatorVisitor {
            let driver: MonteCarloDriver
            let seed: UInt64
            func visit<E: MonteCarloEstimator>(_ estimator: E) throws -> Estimate where E.Output == Estimate {
                try driver.run(estimator, seed: seed).estimate
            }
        }
    }

    /// The recipe ``estimate(projections:method:seed:)`` runs.
    /// - Throws: the configuration errors of ``estimate(projections:method:seed:)`` (too few
    ///   directions, blocks or randomizations; Sobol beyond d = 40; spirals outside d = 3; a bad
    ///   harmonic degree).
    public func recipe(projections: Int, method: Method) throws(MonteCarloError) -> Recipe {
        let d = dimension
        guard projections >= 2 else {
            throw .insufficientSamples(needed: 2, available: max(0, projections), reason: "(directions) for a variance")
        }
        switch method {
        case .monteCarlo:
            return Recipe(problem: self, directions: try IndependentDirections(dimension: d), sets: projections)
        case .orthogonal:
            let blocks = (projections + d - 1) / d
            guard blocks >= 2 else {
                throw .insufficientSamples(needed: 2 * d, available: projections,
                                           reason: "(directions: two orthogonal blocks of d) for a variance")
            }
            return Recipe(problem: self, directions: try OrthogonalDirections(dimension: d), sets: blocks)
        case .randomizedQuasiMonteCarlo(let randomizations):
            try Self.validateRandomizations(randomizations)
            let perSet = (projections + randomizations - 1) / randomizations
            return Recipe(problem: self, directions: try SobolDirections(dimension: d, pointsPerSet: perSet), sets: randomizations)
        case .randomizedSpiral(let randomizations):
            try Self.validateRandomizations(randomizations)
            let perSet = (projections + randomizations - 1) / randomizations
            return Recipe(problem: self, directions: try SpiralDirections(dimension: d, pointsPerSet: perSet), sets: randomizations)
        case .controlVariates(let which):
            return Recipe(problem: self, directions: try IndependentDirections(dimension: d), sets: projections,
                          controls: .gaussian(which))
        case .sphericalHarmonics(let maxDegree):
            _ = try harmonicControls(projections: projections, maxDegree: maxDegree)
            return Recipe(problem: self, directions: try IndependentDirections(dimension: d), sets: projections,
                          controls: .harmonics(maxDegree: maxDegree))
        }
    }

    static func validateRandomizations(_ randomizations: Int) throws(MonteCarloError) {
        guard randomizations >= 2 else {
            throw .invalidParameter(name: "randomizations", value: Double(randomizations), requirement: "at least 2")
        }
    }

    // MARK: - Controls

    /// The controls as a vector integrand of the direction with their known means, after
    /// dropping the ones that are constant for this problem (the lower bound when the means
    /// coincide; every control in d = 1), with the report's name, bias statement and figures.
    func controlIntegrand(_ controls: Recipe.Controls) throws(MonteCarloError)
        -> (controls: VectorIntegrand<[Double]>?, means: [Double], method: String, declaredBias: String,
            figures: [String: Double], warnings: [String]) {
        switch controls {
        case .gaussian(let which):
            var wantLower = which != .upper, wantUpper = which != .lower
            var warnings: [String] = []
            if wantLower && (dimension == 1 || meanDifference.allSatisfy({ $0 == 0 })) {
                wantLower = false
                warnings.append("The lower-bound control is constant over the directions drawn (zero variance); it was dropped.")
            }
            if wantUpper && dimension == 1 {
                wantUpper = false
                warnings.append("The upper-bound control is constant over the directions drawn (zero variance); it was dropped.")
            }
            let norm2 = meanDifference.reduce(0) { $0 + $1 * $1 }
            let figures = ["lowerControlMean": norm2 / Double(dimension),
                           "upperControlMean": (norm2 + totalVariance) / Double(dimension)]
            let bias = "O(1/L): the coefficients are fitted on the same directions they are averaged over (zero when f is linear in the controls)"
            let method = "sliced-wasserstein-cv-\(which.rawValue)"
            guard wantLower || wantUpper else {
                return (nil, [], method, bias, figures, warnings + ["No usable control: the estimate is plain Monte Carlo."])
            }
            let kept: GaussianControls = wantLower && wantUpper ? .both : (wantLower ? .lower : .upper)
            let (vector, means) = gaussianSpaceControls(kept)
            return (vector, means, method, bias, figures, warnings)
        case .harmonics(let maxDegree):
            let harmonics = SphericalHarmonicControls(dimension: dimension, degree: maxDegree)
            return (harmonics.vectorIntegrand, harmonics.means, "sliced-wasserstein-harmonics-\(maxDegree)",
                    "O(k/L) for k = \(harmonics.count) controls: the coefficients are fitted on the same directions they are averaged over",
                    ["controls": Double(harmonics.count)], [])
        }
    }

    /// The spherical-harmonic controls for a run, after checking the degree, the dimension and
    /// that L leaves room for the fit.
    func harmonicControls(projections: Int, maxDegree: Int) throws(MonteCarloError) -> SphericalHarmonicControls {
        guard maxDegree >= 2, maxDegree % 2 == 0, maxDegree <= 16 else {
            throw .invalidParameter(name: "maxDegree", value: Double(maxDegree), requirement: "even, between 2 and 16")
        }
        let d = dimension
        // Count the controls before building them: C(D + d − 1, d − 1) − 1.
        var combinations = 1.0
        for i in 1..<max(d, 1) { combinations = combinations * Double(maxDegree + i) / Double(i) }
        let controlCount = Int(combinations.rounded()) - 1
        guard d >= 2 else {
            throw .invalidParameter(name: "dimension", value: 1, requirement: "at least 2 for spherical harmonics (in d = 1, f is constant)")
        }
        guard projections >= controlCount + 3 else {
            throw .insufficientSamples(needed: controlCount + 3, available: projections,
                                       reason: "(directions) to fit \(controlCount) harmonic control coefficients and a variance")
        }
        return SphericalHarmonicControls(dimension: d, degree: maxDegree)
    }
}
