// CalibrationRun.swift — runs the cases' replications in parallel (in chunks, so that the costly
// cases spread over all cores) and turns each row's estimates into a verdict.

import Dispatch
import Foundation
import MonteCarlo
import NotebookSupport
import StatisticalTesting

/// A row's verdict against the known-bad list.
enum Verdict: Sendable, Equatable {
    /// Passed, and is not on the known-bad list.
    case pass
    /// Failed, and is not on the known-bad list: the run exits non-zero.
    case fail
    /// On the known-bad list and failed, as expected.
    case knownBad
    /// On the known-bad list but passed: reported, so that the list gets updated.
    case knownBadPasses
    /// On the known-bad list as a flaw that only the full run (R = `KnownBad.fullScaleReplications`)
    /// has the power to see, and passed at a smaller R: expected, not a reason to update the list.
    case knownBadBelowPower

    var label: String {
        switch self {
        case .pass: "pass"
        case .fail: "**FAIL**"
        case .knownBad: "FAIL (known bad)"
        case .knownBadPasses: "pass (known bad: update the list)"
        case .knownBadBelowPower: "pass (known bad, shows at R = \(KnownBad.fullScaleReplications))"
        }
    }
}

/// One row's result.
struct Outcome: Sendable {
    let family: String
    let input: String
    let row: RowSpec
    let identifier: String
    /// Nil when some replication threw (see `error`).
    let report: CalibrationReport?
    /// The first error and how many replications threw it or another.
    let error: String?
    let failedReplications: Int
    let warnedFraction: Double
    let interval: String
    let verdict: Verdict
    /// Why the row is on the known-bad list, if it is.
    let knownBadReason: String?
}

enum CalibrationRun {
    /// Runs `cases` for `replications` replications each: replication r of a case draws from
    /// stream r of the case's seed (as `replicate(_:seed:_:)` does), so every number is
    /// reproducible and independent of the thread count. Returns the outcomes in case and row
    /// order, and the CPU seconds each case took (thread CPU time, not wall time, so that a busy
    /// machine does not inflate it).
    static func run(_ cases: [CalibrationCase], replications: Int, level: Double, falseAlarm: Double,
                    knownBad: [String: String]) -> (outcomes: [Outcome], seconds: [Double]) {
        let chunk = max(1, min(25, replications / 4))
        var work: [(caseIndex: Int, range: Range<Int>)] = []
        for k in cases.indices {
            for start in stride(from: 0, to: replications, by: chunk) { work.append((k, start..<min(replications, start + chunk))) }
        }
        // Costly cases first, so that the last items to finish are short ones.
        let items = work.sorted { cases[$0.caseIndex].cost > cases[$1.caseIndex].cost }
        let store = ReplicationStore(cases: cases.count, replications: replications)
        DispatchQueue.concurrentPerform(iterations: items.count) { i in
            let item = items[i]
            let c = cases[item.caseIndex]
            let start = threadCPUSeconds()
            let streams = RandomStreams(seed: c.seed)
            var results: [[Result<Estimate, MonteCarloError>]] = []
            for r in item.range {
                var generator = streams.stream(r)
                do throws(MonteCarloError) {
                    results.append(try c.replicate(&generator))
                } catch {
                    results.append(Array(repeating: .failure(error), count: c.rows.count))
                }
            }
            store.put(results, case: item.caseIndex, from: item.range.lowerBound, seconds: threadCPUSeconds() - start)
        }
        var outcomes: [Outcome] = []
        for (k, c) in cases.enumerated() {
            let perReplication = store.results(case: k)
            for j in c.rows.indices {
                outcomes.append(outcome(c, row: j, results: perReplication.map { $0[j] }, level: level,
                                        falseAlarm: falseAlarm, knownBad: knownBad))
            }
        }
        return (outcomes, (0..<cases.count).map { store.seconds(case: $0) })
    }

    static func outcome(_ c: CalibrationCase, row j: Int, results: [Result<Estimate, MonteCarloError>], level: Double,
                        falseAlarm: Double, knownBad: [String: String]) -> Outcome {
        let row = c.rows[j]
        let identifier = c.identifier(j)
        var estimates: [Estimate] = []
        var firstError: MonteCarloError? = nil
        var failed = 0
        for result in results {
            switch result {
            case .success(let estimate): estimates.append(estimate)
            case .failure(let error):
                failed += 1
                if firstError == nil { firstError = error }
            }
        }
        var report: CalibrationReport? = nil
        var message = firstError.map { "\(failed) of \(results.count) replications threw: \($0)" }
        if firstError == nil {
            do throws(MonteCarloError) {
                report = try CalibrationReport(estimates: estimates, truth: row.truth, level: level, falseAlarmProbability: falseAlarm)
            } catch {
                message = "no calibration report: \(error)"
            }
        }
        let passed = report.map { row.judgement.passes($0) && $0.varianceRatio.isFinite } ?? false
        let reason = knownBad[identifier]
        let belowPower = KnownBad.fullScaleOnly.contains(identifier) && results.count < KnownBad.fullScaleReplications
        let verdict: Verdict = switch (passed, reason != nil) {
        case (true, false): .pass
        case (false, false): .fail
        case (false, true): .knownBad
        case (true, true): belowPower ? .knownBadBelowPower : .knownBadPasses
        }
        let warned = estimates.isEmpty ? 0 : Double(estimates.filter { !$0.diagnostics.warnings.isEmpty }.count) / Double(estimates.count)
        let interval = estimates.first?.degreesOfFreedom.map { "t, \(Int($0.rounded())) df" } ?? "normal"
        return Outcome(family: c.family, input: c.input, row: row, identifier: identifier, report: report, error: message,
                       failedReplications: failed, warnedFraction: warned, interval: interval, verdict: verdict,
                       knownBadReason: reason)
    }
}

/// The CPU time the calling thread has used, in seconds.
func threadCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// Replication results written by parallel workers into distinct slots, read after all finished.
final class ReplicationStore: @unchecked Sendable {
    private var slots: [[[Result<Estimate, MonteCarloError>]?]]
    private var caseSeconds: [Double]
    private let lock = NSLock()

    init(cases: Int, replications: Int) {
        slots = Array(repeating: Array(repeating: nil, count: replications), count: cases)
        caseSeconds = Array(repeating: 0, count: cases)
    }

    func put(_ results: [[Result<Estimate, MonteCarloError>]], case k: Int, from start: Int, seconds: Double) {
        lock.lock()
        defer { lock.unlock() }
        for (offset, result) in results.enumerated() { slots[k][start + offset] = result }
        caseSeconds[k] += seconds
    }

    func results(case k: Int) -> [[Result<Estimate, MonteCarloError>]] {
        lock.lock()
        defer { lock.unlock() }
        return slots[k].map { $0! }
    }

    func seconds(case k: Int) -> Double {
        lock.lock()
        defer { lock.unlock() }
        return caseSeconds[k]
    }
}
