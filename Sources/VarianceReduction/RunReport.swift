import MonteCarloCore

/// The outcome of a driven run: the estimate, why it stopped, its history and how to reproduce it.
public struct RunReport<State: MergeableState, Output: StoppableEstimate>: Sendable, Codable {
    /// The final estimate.
    public let estimate: Output
    /// Why the run stopped.
    public let stopReason: StopReason
    /// Samples drawn (in the estimator's unit).
    public let samples: Int
    /// The estimate after every round.
    public let history: [RoundSummary]
    /// The seed of the random streams.
    public let seed: UInt64
    /// The rule the run obeyed.
    public let stoppingRule: StoppingRule
    /// Samples per block.
    public let blockSize: Int
    /// Blocks per round.
    public let blocksPerRound: Int
    /// Threads used (does not affect the numbers).
    public let threadCount: Int
    /// The first stream index used.
    public let firstStream: Int
    /// Wall time in seconds.
    public let elapsedSeconds: Double
    /// The final accumulator state: merge it with other shards' states, or keep it to resume.
    public let state: State

    @usableFromInline
    init(estimate: Output, stopReason: StopReason, samples: Int, history: [RoundSummary], seed: UInt64,
         stoppingRule: StoppingRule, blockSize: Int, blocksPerRound: Int, threadCount: Int, firstStream: Int,
         elapsedSeconds: Double, state: State) {
        self.estimate = estimate
        self.stopReason = stopReason
        self.samples = samples
        self.history = history
        self.seed = seed
        self.stoppingRule = stoppingRule
        self.blockSize = blockSize
        self.blocksPerRound = blocksPerRound
        self.threadCount = threadCount
        self.firstStream = firstStream
        self.elapsedSeconds = elapsedSeconds
        self.state = state
    }
}

/// The running estimate after one round of blocks.
public struct RoundSummary: Sendable, Codable, Hashable {
    /// Samples drawn so far.
    public let samples: Int
    /// The estimate so far (NaN before it can be computed).
    public let value: Double
    /// Its standard error (NaN before it can be computed).
    public let standardError: Double
    /// Seconds since the start.
    public let elapsedSeconds: Double

    @usableFromInline
    init(samples: Int, value: Double, standardError: Double, elapsedSeconds: Double) {
        self.samples = samples
        self.value = value
        self.standardError = standardError
        self.elapsedSeconds = elapsedSeconds
    }
}

/// What a progress callback receives after each round.
public struct RunProgress: Sendable {
    /// Samples drawn so far.
    public let samples: Int
    /// The cap.
    public let maximumSamples: Int
    /// The estimate so far (the least precise component of a vector), if it can be computed yet.
    public let value: Double?
    /// Its standard error.
    public let standardError: Double?
    /// Seconds since the start.
    public let elapsedSeconds: Double

    @usableFromInline
    init(samples: Int, maximumSamples: Int, value: Double?, standardError: Double?, elapsedSeconds: Double) {
        self.samples = samples
        self.maximumSamples = maximumSamples
        self.value = value
        self.standardError = standardError
        self.elapsedSeconds = elapsedSeconds
    }
}
