// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "MonteCarlo",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "MonteCarlo", targets: ["MonteCarlo"]),
        .library(name: "MonteCarloCore", targets: ["MonteCarloCore"]),
        .library(name: "LinearAlgebra", targets: ["LinearAlgebra"]),
        .library(name: "VarianceReduction", targets: ["VarianceReduction"]),
        .library(name: "StatisticalTesting", targets: ["StatisticalTesting"]),
        .library(name: "SteinControlVariates", targets: ["SteinControlVariates"]),
        .library(name: "SlicedWassersteinModule", targets: ["SlicedWassersteinModule"]),
        .library(name: "MutualInformation", targets: ["MutualInformation"]),
        .library(name: "VariationalInference", targets: ["VariationalInference"]),
        .executable(name: "mcest", targets: ["mcest"]),
        .executable(name: "mcbench", targets: ["mcbench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
    ],
    targets: [
        // MARK: - C libraries
        // Found through pkg-config (Debian: apt; macOS, untested: Homebrew, whose openblas and
        // lapack are keg-only, so PKG_CONFIG_PATH must name them; see the README).
        // Link order: both libgslcblas (in pkg-config's `-lgsl -lgslcblas -lm`) and OpenBLAS
        // define every `cblas_*`, and the library linked first wins. SwiftPM emits the
        // pkg-config flags of a target's dependencies in reverse order of their listing (checked
        // on SwiftPM 6.3), so every target that reaches both lists the way to OpenBLAS
        // (LinearAlgebra, or MonteCarlo) AFTER the way to GSL: MonteCarloCore lists CGSL first,
        // MonteCarlo lists LinearAlgebra last, mcbench lists MonteCarlo last. That puts
        // -llapacke -lopenblas before -lgsl -lgslcblas. Guards: BLASLinkTests (test bundle) and
        // `make test-consumer` (Tests/ConsumerPackage/check-link-order.sh: every executable here
        // and a dependent package's, by readelf and by symbol resolution at run time).
        .systemLibrary(
            name: "CGSL", path: "Sources/CGSL", pkgConfig: "gsl",
            providers: [.apt(["libgsl-dev"]), .brew(["gsl"])]),
        .systemLibrary(
            name: "CLAPACKE", path: "Sources/CLAPACKE", pkgConfig: "lapacke",
            providers: [.apt(["liblapacke-dev"]), .brew(["lapack"])]),
        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]),
        // GSL glue (xoshiro256++ as a gsl_rng type) apart from the compute kernels, so only
        // MonteCarloCore sees GSL's headers.
        .target(
            name: "GSLShims", dependencies: ["CGSL"], path: "Sources/GSLShims"),
        .target(
            name: "MonteCarloShims", path: "Sources/MonteCarloShims"),

        // MARK: - Library modules
        .target(
            name: "LinearAlgebra", dependencies: ["CBLAS", "CLAPACKE"]),
        .target(
            name: "MonteCarloCore", dependencies: ["CGSL", "GSLShims", "LinearAlgebra"]),
        .target(
            name: "VarianceReduction", dependencies: ["MonteCarloCore", "LinearAlgebra"]),
        .target(
            name: "StatisticalTesting", dependencies: ["MonteCarloCore"]),
        .target(
            name: "SteinControlVariates", dependencies: ["MonteCarloCore", "LinearAlgebra", "VarianceReduction", "MonteCarloShims"]),
        .target(
            name: "SlicedWassersteinModule",
            dependencies: ["MonteCarloCore", "LinearAlgebra", "VarianceReduction", "SteinControlVariates"]),
        .target(
            name: "MutualInformation",
            dependencies: ["MonteCarloCore", "MonteCarloShims", "LinearAlgebra", "VarianceReduction", "SteinControlVariates"]),
        .target(
            name: "VariationalInference",
            dependencies: ["MonteCarloCore", "MonteCarloShims", "LinearAlgebra", "VarianceReduction", "SteinControlVariates"]),
        .target(
            name: "MonteCarlo",
            dependencies: [
                "MonteCarloCore", "VarianceReduction", "SteinControlVariates", "SlicedWassersteinModule",
                "MutualInformation", "VariationalInference", "LinearAlgebra",
            ]),

        // MARK: - Executables
        .executableTarget(
            name: "mcest",
            dependencies: [
                "MonteCarlo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "mcbench",
            dependencies: [
                "CGSL", "GSLShims", "BenchmarkSupport", "MonteCarlo",  // MonteCarlo last: see the link order above
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/mcbench"),

        .executableTarget(
            name: "vibench",
            dependencies: ["MonteCarlo", "BenchmarkSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Benchmarks/vibench"),

        .target(
            name: "BenchmarkSupport",
            path: "Benchmarks/BenchmarkSupport"),
        .executableTarget(
            name: "benchreport",
            dependencies: ["BenchmarkSupport"],
            path: "Benchmarks/benchreport"),
        .executableTarget(
            name: "swbench",
            dependencies: ["MonteCarlo", "BenchmarkSupport"],
            path: "Benchmarks/swbench"),
        .executableTarget(
            name: "steinvvbench",
            dependencies: ["MonteCarlo", "BenchmarkSupport"],
            path: "Benchmarks/steinvvbench"),
        .executableTarget(
            name: "mibench",
            dependencies: ["MonteCarlo", "BenchmarkSupport"],
            path: "Benchmarks/mibench"),
        .executableTarget(
            name: "steinbench",
            dependencies: ["MonteCarlo", "BenchmarkSupport"],
            path: "Benchmarks/steinbench"),
        .executableTarget(
            name: "chainbench",
            dependencies: ["MonteCarlo", "BenchmarkSupport"],
            path: "Benchmarks/chainbench"),
        .executableTarget(
            name: "mlmcbench",
            dependencies: ["MonteCarlo", "BenchmarkSupport"],
            path: "Benchmarks/mlmcbench"),

        // MARK: - Examples and notebooks
        .executableTarget(
            name: "asian-option",
            dependencies: ["MonteCarlo", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/AsianOption"),
        .executableTarget(
            name: "multilevel-option",
            dependencies: ["MonteCarlo", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/MultilevelOption"),
        .executableTarget(
            name: "several-expectations",
            dependencies: ["MonteCarlo", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/SeveralExpectations"),
        .executableTarget(
            name: "gradient-flow",
            dependencies: ["MonteCarlo", "NotebookSupport"],
            path: "Examples/GradientFlow"),
        .executableTarget(
            name: "mcmc-stein",
            dependencies: ["MonteCarlo", "NotebookSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/MCMCStein"),
        .executableTarget(
            name: "sliced-wasserstein-files",
            dependencies: ["MonteCarlo", "NotebookSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/SlicedWassersteinFiles"),
        .executableTarget(
            name: "mutual-information-csv",
            dependencies: ["MonteCarlo", "NotebookSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/MutualInformationCSV"),
        .executableTarget(
            name: "logistic-vi",
            dependencies: ["MonteCarlo", "NotebookSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/LogisticVI"),
        .executableTarget(
            name: "rare-event",
            dependencies: ["MonteCarlo", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/RareEvent"),
        .target(
            name: "NotebookSupport",
            dependencies: ["MonteCarloCore"],
            path: "Notebooks-as-scripts/NotebookSupport"),
        .executableTarget(
            name: "notebook-variance-vs-n",
            dependencies: ["MonteCarlo", "NotebookSupport"],
            path: "Notebooks-as-scripts/01-variance-vs-n"),
        .executableTarget(
            name: "notebook-sliced-wasserstein",
            dependencies: ["MonteCarlo", "NotebookSupport"],
            path: "Notebooks-as-scripts/02-sliced-wasserstein"),
        .executableTarget(
            name: "notebook-mutual-information",
            dependencies: ["MonteCarlo", "NotebookSupport"],
            path: "Notebooks-as-scripts/03-mutual-information"),
        .executableTarget(
            name: "notebook-elbo",
            dependencies: ["MonteCarlo", "NotebookSupport"],
            path: "Notebooks-as-scripts/04-elbo"),
        .executableTarget(
            name: "notebook-calibration",
            dependencies: ["MonteCarlo", "StatisticalTesting", "NotebookSupport"],
            path: "Notebooks-as-scripts/05-calibration",
            exclude: ["calibration-table.md", "calibration-table-full.md"]),
        .executableTarget(
            name: "notebook-cost-accuracy",
            dependencies: ["MonteCarlo", "NotebookSupport"],
            path: "Notebooks-as-scripts/06-cost-accuracy"),

        // MARK: - Tests
        .testTarget(name: "MonteCarloCoreTests", dependencies: ["MonteCarloCore", "StatisticalTesting"]),
        .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra"]),
        .testTarget(name: "ReadmeTests", dependencies: ["MonteCarlo", "StatisticalTesting"]),
        .testTarget(name: "BenchmarkSupportTests", dependencies: ["BenchmarkSupport"]),
        .testTarget(
            name: "VarianceReductionTests",
            dependencies: ["VarianceReduction", "MonteCarloCore", "StatisticalTesting"]),
        .testTarget(name: "StatisticalTestingTests", dependencies: ["StatisticalTesting", "MonteCarloCore"]),
        .testTarget(name: "mcestTests", dependencies: ["mcest", "MonteCarloCore", "MutualInformation"]),
        .testTarget(
            name: "ExampleRunTests",
            dependencies: [
                "asian-option", "multilevel-option", "several-expectations", "gradient-flow", "notebook-variance-vs-n", "notebook-sliced-wasserstein",
                "notebook-mutual-information", "notebook-elbo", "notebook-calibration", "notebook-cost-accuracy",
                "mcmc-stein", "sliced-wasserstein-files", "mutual-information-csv", "logistic-vi", "rare-event",
            ]),
        .testTarget(
            name: "SteinControlVariatesTests",
            dependencies: ["SteinControlVariates", "MonteCarloCore", "LinearAlgebra", "VarianceReduction", "StatisticalTesting"]),
        .testTarget(
            name: "SlicedWassersteinTests",
            dependencies: [
                "SlicedWassersteinModule", "SteinControlVariates", "MonteCarloCore", "LinearAlgebra", "VarianceReduction",
                "StatisticalTesting",
            ]),
        .testTarget(
            name: "VariationalInferenceTests",
            dependencies: [
                "VariationalInference", "SteinControlVariates", "MonteCarloCore", "LinearAlgebra", "VarianceReduction",
                "StatisticalTesting",
            ]),
        .testTarget(
            name: "MutualInformationTests",
            dependencies: ["MutualInformation", "MonteCarloCore", "LinearAlgebra", "VarianceReduction", "StatisticalTesting",
                           "SteinControlVariates"]),
    ],
    swiftLanguageModes: [.v6]
)
