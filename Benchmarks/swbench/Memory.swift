// Memory at scale: n = 10⁶ points per cloud, d = 3, L = 1000, run in a child process (swbench --memory)
// so that its peak resident set size is not inflated by the rest of the benchmark.
import Dispatch
import Foundation
import BenchmarkSupport
import MonteCarlo

struct MemoryReport: Codable, Sendable {
    var problem: String
    var method: String
    var seconds: Double
    var value: Double
    var standardError: Double
    /// VmHWM (peak resident set size) after generating the clouds, before estimating, in MiB.
    var peakMiBBeforeEstimate: Double
    /// VmHWM at the end, in MiB.
    var peakMiB: Double
    var limitMiB: Double
    var underLimit: Bool
}

/// VmHWM from /proc/self/status in MiB (nil where it cannot be read).
func peakResidentMiB() -> Double? {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        if fields.count >= 2, let kib = Double(fields[1]) { return kib / 1024 }
    }
    return nil
}

/// The child's work: one plain Monte Carlo estimate on two clouds of 10⁶ points; prints one JSON line.
func memoryChild() throws {
    let n = 1_000_000, d = 3, L = 1000
    var g = Xoshiro256PlusPlus(seed: 5)
    let x = (0..<(n * d)).map { _ in g.nextStandardNormal() }
    let y = (0..<(n * d)).map { _ in 1.5 * g.nextStandardNormal() + 0.3 }
    let sw = try SlicedWasserstein(try PointCloud(points: x, dimension: d), try PointCloud(points: y, dimension: d))
    let before = peakResidentMiB() ?? .nan
    let start = DispatchTime.now().uptimeNanoseconds
    let estimate = try sw.estimate(projections: L, method: .monteCarlo, seed: 1)
    let time = seconds(since: start)
    let peak = peakResidentMiB() ?? .nan
    let report = MemoryReport(problem: "n = \(n) per cloud, d = \(d), L = \(L), p = 2; X ~ N(0, I), Y ~ 1.5 N(0, I) + 0.3",
                              method: "plain Monte Carlo", seconds: time, value: estimate.value,
                              standardError: estimate.standardError, peakMiBBeforeEstimate: before, peakMiB: peak,
                              limitMiB: 1024, underLimit: peak < 1024)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    print(String(decoding: try encoder.encode(report), as: UTF8.self))
}

/// Runs this executable with --memory in a child process and decodes its JSON line.
func runMemoryChild() -> MemoryReport? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
    if !FileManager.default.isExecutableFile(atPath: process.executableURL!.path) {
        process.executableURL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(CommandLine.arguments[0])
    }
    process.arguments = ["--memory"]
    let output = Pipe()
    process.standardOutput = output
    do { try process.run() } catch {
        print("  memory child: cannot run \(CommandLine.arguments[0]): \(error)")
        return nil
    }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard let last = String(decoding: data, as: UTF8.self).split(separator: "\n").last,
          let report = try? JSONDecoder().decode(MemoryReport.self, from: Data(last.utf8)) else {
        print("  memory child: exited \(process.terminationStatus) without a report")
        return nil
    }
    return report
}
