import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs the iterations of a loop on all cores, unless the caller is already one of the
/// workers of such a loop.
///
/// Every parallel loop in the toolkit goes through here. A loop started from inside another
/// (the driver's blocks running a sliced-Wasserstein integrand whose projections are
/// themselves split across cores, KSG's blocks each running the planar neighbour search, a
/// kernel fit inside a cross-validation fold) runs its iterations serially on the worker that
/// started it: the outer loop already occupies every core, and a second layer of threads would
/// only oversubscribe them. Callers split their work into chunks whose results do not depend
/// on how many threads run them, so running an inner loop serially changes timing, never
/// numbers.
@usableFromInline
package enum ParallelLoop {
    /// Calls `body(i)` for every `i` in `0..<iterations`, concurrently when not nested.
    @usableFromInline
    package static func run(iterations: Int, _ body: @Sendable (Int) -> Void) {
        guard iterations > 0 else { return }
        if iterations == 1 || isInsideWorker {
            for i in 0..<iterations { body(i) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: iterations) { i in
            let wasInside = isInsideWorker
            isInsideWorker = true
            body(i)
            isInsideWorker = wasInside
        }
    }

    /// Whether the current thread is running an iteration of a concurrent ``run(iterations:_:)``.
    package static var isInsideWorker: Bool {
        get { pthread_getspecific(workerKey) != nil }
        set { pthread_setspecific(workerKey, newValue ? UnsafeRawPointer(bitPattern: 1) : nil) }
    }

    private static let workerKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()
}
