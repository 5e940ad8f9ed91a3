import MonteCarloCore

// MARK: - Sharded estimates: per-direction values computed on several machines, merged exactly

extension SlicedWasserstein {
    /// The per-direction values of one shard of an estimate of SW_p^p, mergeable with the other
    /// shards' into exactly the estimate ``estimate(projections:method:seed:)`` returns.
    ///
    /// The directions of a run come in *units* that each draw from their own random stream:
    /// groups of 64 plain directions (``Method/monteCarlo``, ``Method/controlVariates(_:)``,
    /// ``Method/sphericalHarmonics(maxDegree:)``), orthogonal blocks of d directions
    /// (``Method/orthogonal``) or randomized point sets (``Method/randomizedQuasiMonteCarlo(randomizations:)``,
    /// ``Method/randomizedSpiral(randomizations:)``). Shard i of N evaluates the contiguous range
    /// of units ⌊i·U/N⌋ ..< ⌊(i+1)·U/N⌋, so shards never share a stream, and keeps
    /// f(θ) = W_p^p(θ#μ, θ#ν) for each of its directions together with the centred values of the
    /// Gaussian controls (``Method/controlVariates(_:)``). ``estimate(mergingShards:)`` concatenates the shards in unit
    /// order and finalizes them with the same code as the single run: the result is bit-identical.
    ///
    /// **BLAS threads.** With several OpenBLAS threads, OpenBLAS partitions the projection
    /// product differently for different numbers of directions and cores, which changes the last
    /// bits of some projections (and LAPACK's factorizations round differently too). The merge is
    /// bit-identical to the single run when both run with one BLAS thread
    /// (`BLASThreads.set(1)`, as `mcest sw` and `mcest merge` do; sorting, the dominant cost, stays
    /// parallel) on the same kind of CPU (OpenBLAS picks its kernel by CPU type); otherwise it
    /// agrees to rounding.
    ///
    /// Why values and not moments: the control-variate estimators compute the residual sum of
    /// squares from the residuals themselves (no cancellation of co-moments), and the grouped
    /// estimators need group means; keeping the values costs 1 + k numbers per direction for
    /// k ≤ 2 Gaussian controls (about 20 bytes each in JSON), and makes the merge exact rather than
    /// exact to a few ulps.
    ///
    /// **Statistical properties.** Those of the method (see ``estimate(projections:method:seed:)``):
    /// merging only changes where the values were computed. A merge of a subset of the shards is
    /// an estimate of the same kind from fewer units (still unbiased for the unbiased methods),
    /// with `sampleCount` saying how many directions it used.
    public struct ShardState: Sendable, Codable, Hashable {
        /// The method of the run.
        public let method: Method
        /// The number of directions L asked of the whole run.
        public let projections: Int
        /// The dimension d of the clouds.
        public let dimension: Int
        /// n + m, the points of both clouds (it sets the rounding floor of grouped variances).
        public let pointCount: Int
        /// The seed of the directions.
        public let seed: UInt64
        /// The number of units U of the whole run.
        public let unitCount: Int
        /// Directions per unit (the last group of 64 plain directions may hold fewer).
        public let directionsPerUnit: Int
        /// The units this shard evaluated.
        public let units: Range<Int>
        /// f(θ) for every direction of the shard, in direction order.
        public let costs: [Double]
        /// For the Gaussian control variates: each control's values C_j(θ) − E C_j on the shard's
        /// directions; empty otherwise (spherical harmonics depend on θ only and are recomputed
        /// from the seed at the merge).
        public let controls: [[Double]]
        /// Figures of the problem the diagnostics report (the Gaussian controls' known means).
        public let figures: [String: Double]

        private enum CodingKeys: String, CodingKey {
            case method, projections, dimension, pointCount, seed, unitCount, directionsPerUnit, units, costs, controls, figures
        }

        /// Checks that `other` is a shard of the same run as this one.
        /// - Throws: `MonteCarloError/incompatibleStates(_:)` naming what differs (method,
        ///   directions, dimension, points, seed, units or the problem's figures).
        public func checkSameRun(as other: ShardState) throws(MonteCarloError) {
            let differences = [
                ("method", method == other.method), ("projections", projections == other.projections),
                ("dimension", dimension == other.dimension), ("points", pointCount == other.pointCount),
                ("seed", seed == other.seed),
                ("units", unitCount == other.unitCount && directionsPerUnit == other.directionsPerUnit),
                ("figures", figures == other.figures && controls.count == other.controls.count),
            ].filter { !$0.1 }.map(\.0)
            guard differences.isEmpty else {
                throw .incompatibleStates("shard states from different runs (\(differences.joined(separator: ", ")) differ)")
            }
        }
    }

    /// How many units (independent groups of directions, one random stream each) a run of
    /// `method` with about `projections` directions has, and how many directions each holds.
    /// - Throws: the errors of ``estimate(projections:method:seed:)`` for an unusable
    ///   configuration (too few directions, QMC beyond d = 40, spirals outside d = 3, …).
    public func shardingUnits(projections: Int, method: Method) throws(MonteCarloError) -> (count: Int, directionsPerUnit: Int) {
        let d = dimension
        guard projections >= 2 else {
            throw .insufficientSamples(needed: 2, available: max(0, projections), reason: "(directions) for a variance")
        }
        let perStream = SlicingDirections.directionsPerStream
        switch method {
        case .monteCarlo, .controlVariates:
            return ((projections + perStream - 1) / perStream, perStream)
        case .sphericalHarmonics(let maxDegree):
            _ = try harmonicControls(projections: projections, maxDegree: maxDegree)
            return ((projections + perStream - 1) / perStream, perStream)
        case .orthogonal:
            let blocks = (projections + d - 1) / d
            guard blocks >= 2 else {
                throw .insufficientSamples(needed: 2 * d, available: projections,
                                           reason: "(directions: two orthogonal blocks of d) for a variance")
            }
            return (blocks, d)
        case .randomizedQuasiMonteCarlo(let randomizations), .randomizedSpiral(let randomizations):
            guard randomizations >= 2 else {
                throw .invalidParameter(name: "randomizations", value: Double(randomizations), requirement: "at least 2")
            }
            if case .randomizedSpiral = method, d != 3 {
                throw .invalidParameter(name: "dimension", value: Double(d), requirement: "3 for spiral directions")
            }
            if case .randomizedQuasiMonteCarlo = method, d > QuasiRandomPointSet.Kind.sobol.maximumDimension {
                throw .invalidParameter(name: "dimension", value: Double(d),
                                        requirement: "at most \(QuasiRandomPointSet.Kind.sobol.maximumDimension) for Sobol directions")
            }
            return (randomizations, (projections + randomizations - 1) / randomizations)
        }
    }

    /// Evaluates shard `shard` of `shardCount` of the estimate ``estimate(projections:method:seed:)``
    /// would compute, for ``estimate(mergingShards:)``.
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` when `shard` is not in
    ///   `0..<shardCount` or there are more shards than units; the errors of
    ///   ``estimate(projections:method:seed:)``.
    /// - Complexity: that of evaluating the shard's directions, plus O(L·d) to draw the
    ///   directions of the whole run (those of the other shards are drawn and discarded, which
    ///   guarantees that every direction is the one the single run uses).
    public func shardState(projections: Int, method: Method, seed: UInt64,
                           shard: Int, of shardCount: Int) throws(MonteCarloError) -> ShardState {
        let (unitCount, perUnit) = try shardingUnits(projections: projections, method: method)
        guard shardCount >= 1, shardCount <= unitCount else {
            throw .invalidParameter(name: "shardCount", value: Double(shardCount),
                                    requirement: "between 1 and the run's \(unitCount) independent groups of directions")
        }
        guard shard >= 0, shard < shardCount else {
            throw .invalidParameter(name: "shard", value: Double(shard), requirement: "in 0..<\(shardCount)")
        }
        let d = dimension
        let units = (shard * unitCount / shardCount)..<((shard + 1) * unitCount / shardCount)
        let theta: [Double]
        switch method {
        case .monteCarlo, .controlVariates, .sphericalHarmonics:
            theta = SlicingDirections.uniform(dimension: d, count: projections, seed: seed)
        case .orthogonal:
            theta = SlicingDirections.orthogonalBlocks(dimension: d, blocks: unitCount, seed: seed)
        case .randomizedQuasiMonteCarlo:
            theta = try SlicingDirections.randomizedQuasiRandom(dimension: d, pointsPerSet: perUnit,
                                                                randomizations: unitCount, seed: seed)
        case .randomizedSpiral:
            theta = SlicingDirections.randomizedSpiral(pointsPerSet: perUnit, randomizations: unitCount, seed: seed)
        }
        let total = theta.count / d
        let first = units.lowerBound * perUnit, end = min(total, units.upperBound * perUnit)
        let slice = Array(theta[(first * d)..<(end * d)])
        var figures: [String: Double] = [:]
        let costs: [Double]
        var controls: [[Double]] = []
        switch method {
        case .controlVariates(let which):
            let values = try gaussianControlColumns(directions: slice, controls: which)
            costs = values.costs
            controls = values.columns
            figures = values.figures
        default:
            costs = try evaluator.evaluate(directions: slice, wantVariances: false).costs
        }
        return ShardState(method: method, projections: projections, dimension: d, pointCount: source.count + target.count,
                          seed: seed, unitCount: unitCount,
                          directionsPerUnit: perUnit, units: units, costs: costs, controls: controls, figures: figures)
    }

    /// The estimate of SW_p^p from the shards of one run, concatenated in unit order whatever
    /// order they are given in: bit-identical to ``estimate(projections:method:seed:)`` when
    /// every unit is present. Missing units are allowed (the estimate then uses the directions
    /// present; ``ShardState`` says what that means); overlapping shards are not.
    /// - Throws: `MonteCarloError/incompatibleStates(_:)` when the shards come from different
    ///   runs (method, L, d, seed, units) or overlap; `MonteCarloError/insufficientSamples(needed:available:reason:)`
    ///   when too few directions remain for a variance.
    public static func estimate(mergingShards shards: [ShardState]) throws(MonteCarloError) -> Estimate {
        guard let reference = shards.first else {
            throw .insufficientSamples(needed: 1, available: 0, reason: "(shard states) to merge")
        }
        let ordered = shards.sorted { $0.units.lowerBound < $1.units.lowerBound }
        var costs: [Double] = []
        var controls = reference.controls.map { _ in [Double]() }
        var previousEnd = 0
        for shard in ordered {
            try shard.checkSameRun(as: reference)
            guard shard.units.lowerBound >= previousEnd, shard.units.upperBound <= shard.unitCount else {
                throw .incompatibleStates("shards overlap: units \(shard.units) and an earlier shard ending at \(previousEnd)")
            }
            guard shard.controls.allSatisfy({ $0.count == shard.costs.count }) else {
                throw .incompatibleStates("a shard has \(shard.costs.count) costs but control columns of other lengths")
            }
            previousEnd = shard.units.upperBound
            costs += shard.costs
            for j in controls.indices { controls[j] += shard.controls[j] }
        }
        let d = reference.dimension, perUnit = reference.directionsPerUnit
        let groups = Double(costs.count / max(perUnit, 1))
        switch reference.method {
        case .monteCarlo:
            guard costs.count >= 2 else {
                throw .insufficientSamples(needed: 2, available: costs.count, reason: "(directions) for a variance")
            }
            return groupedEstimate(costs, groupSize: 1, method: "sliced-wasserstein-mc", figures: [:],
                                   pointCount: reference.pointCount)
        case .orthogonal:
            guard costs.count >= 2 * d else {
                throw .insufficientSamples(needed: 2 * d, available: costs.count, reason: "(two orthogonal blocks) for a variance")
            }
            return groupedEstimate(costs, groupSize: d, method: "sliced-wasserstein-orthogonal", figures: ["blocks": groups],
                                   pointCount: reference.pointCount)
        case .randomizedQuasiMonteCarlo, .randomizedSpiral:
            guard costs.count >= 2 * perUnit else {
                throw .insufficientSamples(needed: 2 * perUnit, available: costs.count, reason: "(two randomizations) for a variance")
            }
            let kind = if case .randomizedSpiral = reference.method { "spiral" } else { "sobol" }
            return groupedEstimate(costs, groupSize: perUnit, method: "sliced-wasserstein-rqmc-\(kind)",
                                   figures: ["randomizations": groups, "pointsPerRandomization": Double(perUnit)],
                                   pointCount: reference.pointCount)
        case .controlVariates(let which):
            return try gaussianControlEstimate(costs: costs, columns: controls, controls: which, figures: reference.figures)
        case .sphericalHarmonics(let maxDegree):
            // The harmonics depend on the directions only: recompute them from the seed rather
            // than store k values per direction (the same per-direction arithmetic, so the same bits).
            let harmonics = SphericalHarmonicControls(dimension: d, degree: maxDegree)
            let theta = SlicingDirections.uniform(dimension: d, count: reference.projections, seed: reference.seed)
            var columns = [[Double]](repeating: [], count: harmonics.count)
            for shard in ordered {
                let first = shard.units.lowerBound * perUnit
                let end = min(reference.projections, shard.units.upperBound * perUnit)
                guard end - first == shard.costs.count else {
                    throw .incompatibleStates("a shard has \(shard.costs.count) costs for \(end - first) directions")
                }
                let slice = harmonics.centredValues(directions: Array(theta[(first * d)..<(end * d)]), count: end - first)
                for j in columns.indices { columns[j] += slice[j] }
            }
            return try harmonicEstimate(costs: costs, columns: columns, dimension: d, maxDegree: maxDegree)
        }
    }

    // MARK: - Pieces shared with the single-run estimators

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

    /// The regression estimate from costs and centred spherical-harmonic control values.
    static func harmonicEstimate(costs f: [Double], columns: [[Double]], dimension d: Int,
                                 maxDegree: Int) throws(MonteCarloError) -> Estimate {
        let harmonics = SphericalHarmonicControls(dimension: d, degree: maxDegree)
        let names = (0..<harmonics.count).map { j in
            "monomial θ^(" + (0..<d).map { String(harmonics.exponents[j * d + $0]) }.joined(separator: ",") + ")"
        }
        return try regressionEstimate(
            values: f, controls: columns, names: names, method: "sliced-wasserstein-harmonics-\(maxDegree)",
            declaredBias: "O(k/L) for k = \(harmonics.count) controls: the coefficients are fitted on the same directions they are averaged over",
            figures: ["controls": Double(harmonics.count)])
    }

    /// f and the centred Gaussian-approximation controls on the given directions (column-major
    /// d × L), with the controls' known means as figures.
    func gaussianControlColumns(directions theta: [Double], controls: GaussianControls) throws(MonteCarloError)
        -> (costs: [Double], columns: [[Double]], figures: [String: Double]) {
        let d = dimension
        let count = theta.count / d
        let output = try evaluator.evaluate(directions: theta, wantVariances: controls != .lower)
        let dm = meanDifference
        let meanNorm2 = dm.reduce(0) { $0 + $1 * $1 }
        var lower = [Double](repeating: 0, count: count)
        for l in 0..<count {
            var s = 0.0
            for k in 0..<d { s += theta[l * d + k] * dm[k] }
            lower[l] = s * s
        }
        let lowerMean = meanNorm2 / Double(d)
        let upperMean = (meanNorm2 + totalVariance) / Double(d)
        var columns: [[Double]] = []
        if controls == .lower || controls == .both {
            columns.append(lower.map { $0 - lowerMean })
        }
        if controls == .upper || controls == .both {
            let v = output.projectedVariances!
            columns.append((0..<count).map { lower[$0] + v[$0] - upperMean })
        }
        return (output.costs, columns, ["lowerControlMean": lowerMean, "upperControlMean": upperMean])
    }

    /// The regression estimate from costs and centred Gaussian-approximation control values.
    static func gaussianControlEstimate(costs f: [Double], columns: [[Double]], controls: GaussianControls,
                                       figures: [String: Double]) throws(MonteCarloError) -> Estimate {
        let names = (controls == .upper ? [] : ["lower-bound"]) + (controls == .lower ? [] : ["upper-bound"])
        return try regressionEstimate(
            values: f, controls: columns, names: names, method: "sliced-wasserstein-cv-\(controls.rawValue)",
            declaredBias: "O(1/L): the coefficients are fitted on the same directions they are averaged over (zero when f is linear in the controls)",
            figures: figures)
    }
}

extension SlicedWasserstein.ShardState {
    /// Decodes a shard's state, refusing one that no run can have written.
    /// - Throws: `DecodingError.dataCorrupted` for sizes out of range (fewer than 2
    ///   directions or points, counts above 2⁵³), units outside `0..<unitCount`, a number of
    ///   costs other than the units' directions, control columns of other lengths, or a cost
    ///   (a W_p^p, never negative), control value or figure that is negative or not finite.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        method = try c.decode(SlicedWasserstein.Method.self, forKey: .method)
        projections = try c.decode(Int.self, forKey: .projections)
        dimension = try c.decode(Int.self, forKey: .dimension)
        pointCount = try c.decode(Int.self, forKey: .pointCount)
        seed = try c.decode(UInt64.self, forKey: .seed)
        unitCount = try c.decode(Int.self, forKey: .unitCount)
        directionsPerUnit = try c.decode(Int.self, forKey: .directionsPerUnit)
        units = try c.decode(Range<Int>.self, forKey: .units)
        costs = try c.decode([Double].self, forKey: .costs)
        controls = try c.decode([[Double]].self, forKey: .controls)
        figures = try c.decode([String: Double].self, forKey: .figures)
        let limit = DecodedState.maximumCount
        for (name, value, lowest) in [("projections", projections, 2), ("dimension", dimension, 1), ("pointCount", pointCount, 2),
                                      ("unitCount", unitCount, 1), ("directionsPerUnit", directionsPerUnit, 1)] {
            try DecodedState.require((lowest...limit).contains(value), "\(name) \(value) is not in \(lowest)…2^53", in: decoder)
        }
        let (unitDirections, overflow) = unitCount.multipliedReportingOverflow(by: directionsPerUnit)
        try DecodedState.require(!overflow && unitDirections <= limit, "\(unitCount) units of \(directionsPerUnit) directions", in: decoder)
        try DecodedState.require(units.lowerBound >= 0 && units.lowerBound < units.upperBound && units.upperBound <= unitCount,
                                 "units \(units) are not a non-empty range within 0..<\(unitCount)", in: decoder)
        // The run's directions: L for the plain groups of 64; whole units otherwise.
        let total: Int = switch method {
        case .monteCarlo, .controlVariates, .sphericalHarmonics: projections
        case .orthogonal, .randomizedQuasiMonteCarlo, .randomizedSpiral: unitDirections
        }
        let expected = min(total, units.upperBound * directionsPerUnit) - units.lowerBound * directionsPerUnit
        try DecodedState.require(costs.count == expected,
                                 "\(costs.count) costs for units \(units), which hold \(expected) directions", in: decoder)
        try DecodedState.require(costs.allSatisfy { $0.isFinite && $0 >= 0 }, "a cost W_p^p is negative or not finite", in: decoder)
        try DecodedState.require(controls.allSatisfy { $0.count == costs.count && $0.allSatisfy(\.isFinite) },
                                 "control columns whose lengths differ from the costs' or with non-finite values", in: decoder)
        try DecodedState.require(figures.values.allSatisfy(\.isFinite), "a figure is not finite", in: decoder)
    }
}
