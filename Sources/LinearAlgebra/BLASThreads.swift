/// Control of the number of threads OpenBLAS uses for BLAS and LAPACK calls.
///
/// OpenBLAS starts one thread per core. When the caller already runs work in parallel (for
/// example one estimator per task), BLAS threads on top of that oversubscribe the cores; set
/// the count to 1 in that situation. The setting is process-wide.
public enum BLASThreads {
    /// The number of threads OpenBLAS currently uses.
    ///
    /// - Complexity: O(1).
    public static var count: Int {
        LAPACK.blasThreadCount
    }

    /// Sets the number of threads OpenBLAS uses, for the whole process.
    ///
    /// - Parameter n: The thread count, at least 1 (traps otherwise).
    /// - Complexity: O(1) when the count is unchanged; otherwise OpenBLAS may start threads.
    public static func set(_ n: Int) {
        LAPACK.setBLASThreadCount(n)
    }

    /// Ends OpenBLAS's idle worker threads for the whole process; the next multithreaded BLAS
    /// call starts them again (the thread count is unchanged).
    ///
    /// OpenBLAS starts its workers when the library loads, and an idle worker spins (yielding)
    /// for about 2²⁸ cycles, roughly 0.1 s, before it sleeps: at start-up and after every
    /// threaded call. Call this before parallel work that uses no BLAS, so that the spinning
    /// does not take a core from it (on 2 cores it took about a quarter of the CPU time of
    /// `mcest mi --method ksg` on 10⁵ rows).
    ///
    /// - Complexity: O(number of workers).
    public static func stopIdleWorkers() {
        LAPACK.stopBLASWorkers()
    }
}
