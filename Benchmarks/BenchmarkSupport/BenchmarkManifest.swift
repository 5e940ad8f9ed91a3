/// What `benchreport` holds every run to: the benchmarks whose JSON must be there and the
/// targets their summaries must contain. Kept here, apart from the benchmarks, so that a target
/// a benchmark stops writing (a renamed row, a section that no longer runs) fails the report
/// instead of dropping out of it; a new target must be added here too.
public struct BenchmarkManifest: Sendable {
    /// The benchmark executables, each writing `<name>.json`.
    public var benchmarks: [String]
    /// Every target row expected across them.
    public var targets: [ExpectedTarget]

    public init(benchmarks: [String], targets: [ExpectedTarget]) {
        self.benchmarks = benchmarks
        self.targets = targets
    }

    /// The benchmarks that `make bench` runs and their targets.
    public static let standard = BenchmarkManifest(
        benchmarks: ["mcbench", "vibench", "swbench", "mibench", "steinbench", "steinvvbench", "chainbench", "mlmcbench"],
        targets: mcbench + swbench + mibench + steinbench + steinvvbench + chainbench + mlmcbench)

    static let mlmcbench = ["work (time steps)", "time"].map {
        ExpectedTarget(benchmark: "mlmcbench",
                       measure: "MLMC vs plain MC on the finest level, GBM Euler call, RMSE 10⁻³: \($0)", target: "≥ 10×")
    }

    static let mcbench = [
        ExpectedTarget(benchmark: "mcbench", measure: "standard normals: speed vs GSL mt19937 + ziggurat", target: "≥ 3×"),
        ExpectedTarget(benchmark: "mcbench", measure: "PlainMonteCarlo through the driver: overhead over a bare loop", target: "< 20%"),
        ExpectedTarget(benchmark: "mcbench", measure: "2 threads vs 1: speed-up with a bit-identical estimate", target: "≥ 1.7×"),
        ExpectedTarget(benchmark: "mcbench", measure: "RQMC to 1e-3 on Keister d = 3: points vs QMCPy CubQMCSobolG", target: "≤ 2×"),
        ExpectedTarget(benchmark: "mcbench", measure: "RQMC to 1e-3 on Keister d = 3: time vs QMCPy CubQMCSobolG", target: "≤ 2×"),
        ExpectedTarget(benchmark: "mcbench", measure: "CEM vs plain MC on P(Z > 5) at equal relative error: draws saved", target: "≥ 1e4×"),
    ]

    static let swbench = [
        ExpectedTarget(benchmark: "swbench", measure: "plain MC, L = 1000 vs POT (n = 10⁴, d = 64)", target: "≥ 20×"),
        ExpectedTarget(benchmark: "swbench", measure: "plain MC, L = 1000 vs numpy (n = 10⁴, d = 64)", target: "≥ 2×"),
        ExpectedTarget(benchmark: "swbench", measure: "time to plain's SE at L = 1000, d = 3: qmc-spiral (R = 20) vs POT", target: "≥ 20×"),
        ExpectedTarget(benchmark: "swbench", measure: "time to plain's SE at L = 1000, d = 3: qmc-spiral (R = 20) vs our plain MC",
                       target: "≥ 10×"),
        ExpectedTarget(benchmark: "swbench", measure: "time to plain's SE at L = 1000, d = 64: cv-both vs POT", target: "≥ 20×"),
        ExpectedTarget(benchmark: "swbench", measure: "peak memory, n = 10⁶ per cloud, d = 3, L = 1000", target: "< 1024 MiB"),
    ]

    static let mibench = [
        ExpectedTarget(benchmark: "mibench", measure: "KSG 1+1, n = 100000 vs sklearn", target: "≥ 10×"),
        ExpectedTarget(benchmark: "mibench", measure: "KSG 1+1 estimate with SE, n = 100000 vs sklearn", target: "≥ 10×"),
        ExpectedTarget(benchmark: "mibench", measure: "mcest mi --method ksg (whole process), n = 100000 vs sklearn", target: "≥ 10×"),
        ExpectedTarget(benchmark: "mibench", measure: "KSG 3+3, n = 100000 vs cKDTree", target: "≥ 3×"),
        ExpectedTarget(benchmark: "mibench", measure: "Ross discrete–continuous, n = 100000 vs sklearn mutual_info_classif", target: "≥ 5×"),
        ExpectedTarget(benchmark: "mibench", measure: "Ross estimate with SE, n = 100000 vs sklearn mutual_info_classif", target: "≥ 5×"),
    ] + ["NWJ (S + 1)", "DV", "InfoNCE", "JS (DV value)", "SMILE τ = 5"].map {
        ExpectedTarget(benchmark: "mibench", measure: "\($0) with its variance, B = 4096", target: "< 50 ms")
    }

    static let steinbench = [(1000, "0.05"), (4000, "0.8")].map { n, limit in
        ExpectedTarget(benchmark: "steinbench",
                       measure: "public SteinControlFunctional, weighted form with its 5-fold error bar (fixed hyper-parameters), d = 4, n = \(n)",
                       target: "< \(limit) s")
    } + ["IMQ c = 1 (default)", "Gaussian, median heuristic"].map {
        ExpectedTarget(benchmark: "steinbench",
                       measure: "KernelSteinDiscrepancy V-statistic with its variance, n = 10⁴, d = 10, \($0)", target: "< 1 s")
    }

    static let steinvvbench = ["weighted", "cross-fitted"].map {
        ExpectedTarget(benchmark: "steinvvbench", measure: "vector-valued vs separate CF (\($0), m = 50): MSE ratio", target: "> 1× (paired z ≥ 3)")
    } + [ExpectedTarget(benchmark: "steinvvbench", measure: "tuned second-order CF vs plain MC, 1-D South problem, n = 100", target: "≥ 40×")]

    static let chainbench: [ExpectedTarget] = {
        let scalar = ["BM √n", "BM ∛n", "lugsail BM", "OBM", "lugsail OBM", "SV Bartlett", "lugsail Bartlett", "SV Tukey–Hanning",
                      "lugsail TH", "Geyer positive", "Geyer monotone", "auto"]
        let vector = scalar.filter { !$0.hasPrefix("Geyer") }
        return scalar.map {
            ExpectedTarget(benchmark: "chainbench", measure: "\($0), 10 columns of 10^6 draws (scalar, each column)", target: "< 0.1 s")
        } + vector.map {
            ExpectedTarget(benchmark: "chainbench", measure: "\($0), 10^6 × 10 long-run covariance + mESS", target: "< 0.1 s")
        } + [
            ExpectedTarget(benchmark: "chainbench", measure: "control functional on 4 chains / independent (n = 1000, fit + jackknife)",
                           target: "≤ 1.25× (the chain option adds O(n log n))"),
            ExpectedTarget(benchmark: "chainbench",
                           measure: "ESS + MCSE of 10 columns of 10^6 (Geyer monotone, ArviZ's estimator) vs ArviZ", target: "≥ 10×"),
            ExpectedTarget(benchmark: "chainbench", measure: "ESS + MCSE of 10 columns of 10^6 (auto) vs ArviZ", target: "≥ 10×"),
        ]
    }()
}
