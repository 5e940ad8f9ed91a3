// swift-tools-version: 6.0
// A package that uses MonteCarlo the way a user's package would: by path (as by URL, minus the
// download), importing the `MonteCarlo` product. `make test-consumer` builds and runs it.
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name, which differs between clones: read it.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
let identity = root.lastPathComponent.lowercased()

let package = Package(
    name: "ConsumerPackage",
    platforms: [.macOS(.v14)],
    dependencies: [.package(path: root.path)],
    targets: [
        .executableTarget(
            name: "consumer",
            dependencies: [.product(name: "MonteCarlo", package: identity)],
            path: "Sources/consumer"),
    ],
    swiftLanguageModes: [.v6]
)
