import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The times of repeated runs of one timed section, and the result of the fastest.
struct TimedRuns<Result> {
    /// Wall-clock seconds of every run, in order.
    let seconds: [Double]
    /// Processor seconds (all threads of the process) of every run: CPU / wall shows how many
    /// cores a run really had, so a machine busy with other work shows up in the report.
    let cpuSeconds: [Double]
    /// What the fastest run returned.
    let result: Result

    /// Index of the fastest run (wall clock): the run we report, the least disturbed by other processes.
    var bestIndex: Int { seconds.indices.min { seconds[$0] < seconds[$1] }! }
    /// The fastest run's wall time.
    var best: Double { seconds[bestIndex] }
    /// Processor time / wall time of the fastest run (≈ 1 for one thread, ≈ 2 for two busy threads).
    var cpuUtilization: Double { cpuSeconds[bestIndex] / seconds[bestIndex] }

    /// Nanoseconds per item for the fastest run.
    func nanosecondsPerItem(_ items: Int) -> Double { best * 1e9 / Double(items) }
}

/// Processor time used by the whole process so far, in seconds.
func processCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

/// Times repeated runs of one section and keeps the result of the fastest.
///
/// Sections that are compared with each other are measured *interleaved* (A, B, A, B, …), so a
/// slow spell of the machine hits both rather than only one of them.
struct Stopwatch<Result> {
    private var seconds: [Double] = []
    private var cpuSeconds: [Double] = []
    private var bestResult: Result? = nil

    /// Runs `body` once, timed by the monotonic clock (wall) and the process CPU clock.
    mutating func measure(_ body: () throws -> Result) rethrows {
        let cpuStart = processCPUSeconds()
        let start = DispatchTime.now().uptimeNanoseconds
        let result = try body()
        blackHole(result)  // the result exists before the clock is read again
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let cpu = processCPUSeconds() - cpuStart
        if elapsed < (seconds.min() ?? .infinity) { bestResult = result }
        seconds.append(elapsed)
        cpuSeconds.append(cpu)
    }

    /// Every run so far (at least one).
    var runs: TimedRuns<Result> { TimedRuns(seconds: seconds, cpuSeconds: cpuSeconds, result: bestResult!) }
}

/// Returns `x` through a call the optimizer cannot see into, so a timed loop's inputs are unknown at
/// compile time and the loop cannot be hoisted out of the timed region or folded away.
@_optimize(none)
func opaque<T>(_ x: T) -> T { x }

/// Consumes `x` in a way the optimizer must assume has side effects.
@_optimize(none)
func blackHole<T>(_ x: T) {}
