import Foundation
import MonteCarloCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("ParallelLoop")
struct ParallelLoopTests {
    /// Thread identities recorded from inside loop bodies.
    final class Recorder: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var entries: [(outer: Int, inner: Int, thread: pthread_t, nested: Bool)] = []
        func record(outer: Int, inner: Int, nested: Bool) {
            lock.lock(); entries.append((outer, inner, pthread_self(), nested)); lock.unlock()
        }
    }

    @Test("every iteration runs once, and a loop inside a worker runs serially on that worker")
    func nestedLoopsRunSeriallyInsideWorkers() {
        let recorder = Recorder()
        let outerThreads = Recorder()
        #expect(!ParallelLoop.isInsideWorker)
        ParallelLoop.run(iterations: 4) { outer in
            outerThreads.record(outer: outer, inner: -1, nested: ParallelLoop.isInsideWorker)
            ParallelLoop.run(iterations: 8) { inner in
                recorder.record(outer: outer, inner: inner, nested: ParallelLoop.isInsideWorker)
            }
        }
        #expect(!ParallelLoop.isInsideWorker)
        let entries = recorder.entries
        #expect(entries.count == 32)
        #expect(Set(entries.map { $0.outer * 8 + $0.inner }) == Set(0..<32))
        for entry in entries {
            let outerThread = outerThreads.entries.first { $0.outer == entry.outer }!.thread
            #expect(pthread_equal(entry.thread, outerThread) != 0)
            #expect(entry.nested)
        }
        // Serial inside a worker means in order.
        for outer in 0..<4 {
            #expect(entries.filter { $0.outer == outer }.map(\.inner) == Array(0..<8))
        }
    }

    @Test("zero iterations do nothing; one iteration runs on the caller")
    func degenerateCounts() {
        let recorder = Recorder()
        ParallelLoop.run(iterations: 0) { _ in recorder.record(outer: 0, inner: 0, nested: false) }
        #expect(recorder.entries.isEmpty)
        let caller = pthread_self()
        ParallelLoop.run(iterations: 1) { _ in recorder.record(outer: 0, inner: 0, nested: ParallelLoop.isInsideWorker) }
        #expect(recorder.entries.count == 1)
        #expect(recorder.entries.allSatisfy { pthread_equal($0.thread, caller) != 0 && !$0.nested })
    }
}
