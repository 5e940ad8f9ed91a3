// swift-tools-version: 6.0
// libFuzzer targets for the file readers and the shard-state decoding (`make fuzz`,
// `make test-fuzz`). A separate package, so that `-sanitize=fuzzer` (which brings libFuzzer's
// own `main`) never touches the main build: build with
//   swift build --package-path Fuzz -Xswiftc -sanitize=fuzzer --product fuzz-data-matrix   (or Fuzz/run.sh)
import PackageDescription

let fuzzerFlags: [SwiftSetting] = [.unsafeFlags(["-sanitize=fuzzer"])]
let fuzzerLink: [LinkerSetting] = [.unsafeFlags(["-sanitize=fuzzer", "-use-ld=lld"])]

let package = Package(
    name: "MonteCarloFuzz",
    dependencies: [.package(name: "MonteCarlo", path: "..")],
    targets: [
        .target(name: "FuzzDriver", path: "Sources/FuzzDriver", swiftSettings: fuzzerFlags),
        .executableTarget(
            name: "fuzz-data-matrix",
            dependencies: ["FuzzDriver", .product(name: "MonteCarloCore", package: "MonteCarlo")],
            path: "Sources/FuzzDataMatrix", swiftSettings: fuzzerFlags, linkerSettings: fuzzerLink),
        .executableTarget(
            name: "fuzz-cmdstan",
            dependencies: ["FuzzDriver", .product(name: "MonteCarloCore", package: "MonteCarlo")],
            path: "Sources/FuzzCmdStan", swiftSettings: fuzzerFlags, linkerSettings: fuzzerLink),
        .executableTarget(
            name: "fuzz-shard-state",
            dependencies: [
                "FuzzDriver",
                .product(name: "MonteCarloCore", package: "MonteCarlo"),
                .product(name: "VarianceReduction", package: "MonteCarlo"),
            ],
            path: "Sources/FuzzShardState", swiftSettings: fuzzerFlags, linkerSettings: fuzzerLink),
    ])
