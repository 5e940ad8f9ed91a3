// Peers.swift: runs a Python peer script of Benchmarks/peers in the same run and reads its JSON line.
import Dispatch
import Foundation

/// Wall-clock seconds since `start` (a `DispatchTime` uptime in nanoseconds).
public func seconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

/// Times `body` `repeats` times and returns the best time with the last result.
public func bestOf<T>(_ repeats: Int, _ body: () throws -> T) rethrows -> (seconds: Double, result: T) {
    var best = Double.infinity
    var result: T? = nil
    for _ in 0..<max(1, repeats) {
        let start = DispatchTime.now().uptimeNanoseconds
        result = try body()
        best = min(best, seconds(since: start))
    }
    return (best, result!)
}

/// What a peer script printed (its one JSON line), or why it was skipped.
public struct PeerResult: Codable, Sendable {
    public var peer: String
    public var version: String?
    public var seconds: Double?
    public var value: Double?
    public var skipped: String?
    public var blas: [String]?
    /// The standard error of the peer's value, when the peer can report one (e.g. SW_p^p from
    /// POT's per-projection values); on the scale the peer script documents.
    public var standardError: Double?
    /// Integrand evaluations the peer used, when its script reports them (stopping-rule comparisons).
    public var points: Int?
}

/// The package root (two levels above this source file), falling back to the working directory.
public let packageRoot: URL = {
    let fromSource = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    if FileManager.default.fileExists(atPath: fromSource.appendingPathComponent("Benchmarks/peers").path) { return fromSource }
    return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
}()

/// `.build/peers-venv/bin/python` when Benchmarks/peers/setup-venv.sh made it, else `python3` from PATH.
public let peerPython: String = {
    let venv = packageRoot.appendingPathComponent(".build/peers-venv/bin/python").path
    return FileManager.default.isExecutableFile(atPath: venv) ? venv : "python3"
}()

/// Runs `Benchmarks/peers/<script> <arguments>` with `peerPython` and decodes its last JSON line.
/// OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed from the child's environment only (they
/// slow a current numpy; see the machine notes). Never throws: a failure becomes `skipped`.
public func runPeer(_ name: String, script: String, arguments: [String]) -> PeerResult {
    let scriptPath = packageRoot.appendingPathComponent("Benchmarks/peers/\(script)").path
    guard FileManager.default.fileExists(atPath: scriptPath) else {
        return PeerResult(peer: name, skipped: "script \(scriptPath) not found")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [peerPython, scriptPath] + arguments
    var environment = ProcessInfo.processInfo.environment
    environment["OPENBLAS_CORETYPE"] = nil
    environment["OPENBLAS_L2_SIZE"] = nil
    process.environment = environment
    // stdout through a pipe (one JSON line); stderr to a temporary file, so a chatty peer cannot block.
    let output = Pipe()
    let errorURL = FileManager.default.temporaryDirectory.appendingPathComponent("peer-\(ProcessInfo.processInfo.processIdentifier)-\(script).err")
    defer { try? FileManager.default.removeItem(at: errorURL) }
    guard FileManager.default.createFile(atPath: errorURL.path, contents: nil),
          let errorHandle = try? FileHandle(forWritingTo: errorURL) else {
        return PeerResult(peer: name, skipped: "cannot create \(errorURL.path)")
    }
    process.standardOutput = output
    process.standardError = errorHandle
    do { try process.run() } catch {
        return PeerResult(peer: name, skipped: "cannot run \(peerPython): \(error)")
    }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    try? errorHandle.close()
    let stderrText = (try? String(contentsOf: errorURL, encoding: .utf8)) ?? ""
    let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
    guard process.terminationStatus == 0, let last = lines.last,
          let result = try? JSONDecoder().decode(PeerResult.self, from: Data(last.utf8)) else {
        let reason = stderrText.split(separator: "\n").last.map(String.init) ?? "no output"
        return PeerResult(peer: name, skipped: "\(peerPython) exited \(process.terminationStatus): \(reason)")
    }
    return result
}

/// One same-run comparison, as written to the JSON report.
public struct Comparison: Codable, Sendable {
    public var name: String
    public var swiftSeconds: Double
    public var swiftValue: Double
    public var peer: PeerResult
    /// peer seconds / Swift seconds (how many times faster the Swift side is); nil when skipped.
    public var speedup: Double?

    public init(name: String, swiftSeconds: Double, swiftValue: Double, peer: PeerResult) {
        self.name = name
        self.swiftSeconds = swiftSeconds
        self.swiftValue = swiftValue
        self.peer = peer
        self.speedup = peer.seconds.map { $0 / swiftSeconds }
    }

    /// One line for the terminal.
    public var line: String {
        if let skipped = peer.skipped { return "  \(name): SKIPPED (\(peer.peer): \(skipped))" }
        return String(format: "  %@: Swift %.3f s vs %@ %.3f s  →  %.1f× (values: Swift %.5g, peer %.5g)",
                      name, swiftSeconds, peer.peer + (peer.version.map { " " + $0 } ?? ""), peer.seconds ?? .nan,
                      speedup ?? .nan, swiftValue, peer.value ?? .nan)
    }
}

/// The run's context, for the JSON report: load average before and after, cores, peer interpreter.
public struct RunContext: Codable, Sendable {
    public var date: String
    public var cores: Int
    public var loadAverageBefore: String
    public var loadAverageAfter: String?
    public var python: String

    public static func now() -> RunContext {
        RunContext(date: ISO8601DateFormatter().string(from: Date()), cores: ProcessInfo.processInfo.activeProcessorCount,
                   loadAverageBefore: loadAverage(), python: peerPython)
    }
}

/// /proc/loadavg's first three fields ("?" where it cannot be read).
public func loadAverage() -> String {
    guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "?" }
    return text.split(separator: " ").prefix(3).joined(separator: " ")
}

/// Writes `value` as pretty JSON to `path` (relative to the working directory), creating the folder.
public func writeJSON<T: Encodable>(_ value: T, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(value).write(to: url)
}

/// The value following `flag` on the command line, if any.
public func argument(_ flag: String) -> String? {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: flag), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}
