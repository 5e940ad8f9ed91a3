import ArgumentParser
import MonteCarlo

extension EstimateCommand {
    /// Checks --strata and --design-size, and that the budget gives at least 2 sweeps or designs.
    func validateStratification() throws {
        try CountOption.check(strata, "--strata", in: CountOption.strata)
        try CountOption.check(designSize, "--design-size", in: CountOption.points)
        if method == .stratified, samples / strata < 2 {
            throw ValidationError("stratified needs at least 2 sweeps (2 draws in every stratum, for the within-stratum "
                + "variances): --samples (\(samples)) must be at least 2 × --strata (\(strata)).")
        }
        if method == .lhs, samples / designSize < 2 {
            throw ValidationError("lhs needs at least 2 designs (one design gives no unbiased variance): --samples "
                + "(\(samples)) must be at least 2 × --design-size (\(designSize)).")
        }
    }
}

extension CountOption {
    /// Strata of one coordinate (the state keeps moments per stratum).
    static let strata = 1...1_048_576
}

extension EstimateSetup {
    /// The stratified or Latin hypercube estimator of the problem, handed to `visitor`.
    func acceptStratification<V: EstimatorVisitor, S: UnitCubeSampler>(
        _ visitor: V, sampler: S, integrand: Integrand<S.Point>
    ) throws -> V.Result {
        switch method {
        case .lhs:
            return try visitor.visit(try LatinHypercubeSampling(sampler: sampler, integrand: integrand,
                                                                designSize: designSize ?? 64))
        default:
            let grid = try StratificationGrid(divisions: strata ?? 16, cubeDimension: sampler.cubeDimension)
            return try visitor.visit(try StratifiedMonteCarlo(sampler: sampler, integrand: integrand, grid: grid))
        }
    }
}
