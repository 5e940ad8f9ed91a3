import Foundation

/// Where and when a benchmark ran: written into every benchmark's JSON (top-level
/// `"provenance"`), so that `benchreport` can refuse figures from another commit or an old run.
public struct Provenance: Codable, Sendable, Equatable {
    /// `git rev-parse HEAD` of the package root, or "unknown" outside a git checkout.
    public var commit: String
    /// Whether tracked files differed from `commit` (`git status --porcelain --untracked-files=no`).
    public var uncommittedChanges: Bool?
    /// When the benchmark wrote its report, ISO 8601 in UTC.
    public var date: String
    /// The host name, logical cores and /proc/loadavg's first three fields at that time.
    public var host: String?
    public var cores: Int?
    public var loadAverage: String?

    public init(commit: String, uncommittedChanges: Bool? = nil, date: String, host: String? = nil, cores: Int? = nil,
                loadAverage: String? = nil) {
        self.commit = commit
        self.uncommittedChanges = uncommittedChanges
        self.date = date
        self.host = host
        self.cores = cores
        self.loadAverage = loadAverage
    }

    /// The provenance of a report written now, in the checkout that holds this package.
    public static func current() -> Provenance {
        let status = git(["status", "--porcelain", "--untracked-files=no"])
        return Provenance(commit: headCommit() ?? "unknown", uncommittedChanges: status.map { !$0.isEmpty },
                          date: ISO8601DateFormatter().string(from: Date()), host: ProcessInfo.processInfo.hostName,
                          cores: ProcessInfo.processInfo.activeProcessorCount, loadAverage: BenchmarkSupport.loadAverage())
    }

    /// `git rev-parse HEAD` in the package root, nil when git or the checkout is missing.
    public static func headCommit() -> String? {
        guard let head = git(["rev-parse", "HEAD"]), head.count == 40 else { return nil }
        return head
    }

    /// Runs `git -C <package root> arguments` and returns its trimmed standard output (nil on failure).
    static func git(_ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", packageRoot.path] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
