import Foundation

/// Runs the built `mcest` executable as a subprocess.
///
/// **Finding the executable.** `swift test` builds every product of the package into one
/// products directory (`.build/<triple>/debug`, linked as `.build/debug`) and runs the tests from
/// a binary in that same directory: on Linux the test runner is an ELF executable
/// (`<Package>PackageTests.xctest`), on macOS a bundle `<Package>PackageTests.xctest` whose parent
/// is the products directory. So the executable is looked for, in order:
/// 1. at `$MCEST_EXECUTABLE`, when set (to test another build, e.g. a release one);
/// 2. next to the running test binary: `/proc/self/exe` resolved (Linux; robust to symlinks and to
///    the working directory), or the parent of the loaded `.xctest` bundle (macOS);
/// 3. next to `Bundle.main` (on Linux its `bundleURL` is the directory of the main executable);
/// 4. in `.build/debug/` of the package that contains this source file (a last resort when the
///    tests run from an unusual host).
/// The first candidate that is an executable file wins.
enum MCEstExecutable {
    /// What a finished run printed and returned.
    struct Output: Sendable {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    enum Failure: Error, CustomStringConvertible {
        case notFound([String])
        var description: String {
            switch self {
            case .notFound(let tried):
                return "mcest executable not found (build it with `swift build --product mcest`); tried: "
                    + tried.joined(separator: ", ")
            }
        }
    }

    /// Candidate paths of the executable, most specific first.
    static func candidates() -> [URL] {
        var urls: [URL] = []
        if let explicit = ProcessInfo.processInfo.environment["MCEST_EXECUTABLE"], !explicit.isEmpty {
            urls.append(URL(fileURLWithPath: explicit))
        }
        #if os(Linux)
        let selfExecutable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        urls.append(selfExecutable.deletingLastPathComponent().appendingPathComponent("mcest"))
        #endif
        #if os(macOS)
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            urls.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("mcest"))
        }
        #endif
        urls.append(Bundle.main.bundleURL.appendingPathComponent("mcest"))
        urls.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("mcest"))
        let packageRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        urls.append(packageRoot.appendingPathComponent(".build/debug/mcest"))
        return urls
    }

    /// The executable's location.
    static func url() throws -> URL {
        let all = candidates()
        guard let found = all.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw Failure.notFound(all.map(\.path))
        }
        return found
    }

    /// Runs `mcest` (or another `program` of the package, built beside it) with `arguments` and
    /// waits for it. Output goes through temporary files, so a full pipe can never block the child.
    static func run(_ arguments: [String], program: String = "mcest") throws -> Output {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("mcestTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outURL = directory.appendingPathComponent("stdout")
        let errURL = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)

        let process = Process()
        process.executableURL = program == "mcest" ? try url() : try url().deletingLastPathComponent().appendingPathComponent(program)
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        return Output(
            status: process.terminationStatus,
            standardOutput: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
            standardError: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }
}
