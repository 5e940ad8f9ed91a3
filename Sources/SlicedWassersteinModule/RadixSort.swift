// MARK: - LSD radix sort of doubles, with reusable buffers

/// Buffers for sorting columns of up to `capacity` doubles by least-significant-digit radix
/// sort on their bit patterns (8 passes of 8 bits at most; passes where every key shares the
/// digit are skipped). About ten times faster than a comparison sort for n ≈ 10⁴, and
/// allocation-free after construction: one per worker thread.
struct RadixSorter {
    private var keys: [UInt64]
    private var scratch: [UInt64]
    private var companionScratch: [Double]
    private var counts: [Int]
    /// Below this size an introsort is faster.
    static let threshold = 256

    init(capacity: Int, withCompanion: Bool) {
        let size = capacity >= RadixSorter.threshold ? capacity : 0
        keys = [UInt64](repeating: 0, count: size)
        scratch = [UInt64](repeating: 0, count: size)
        companionScratch = [Double](repeating: 0, count: withCompanion ? size : 0)
        counts = [Int](repeating: 0, count: 8 * 256)
    }

    /// A sorter without buffers (it falls back to introsort); allocates nothing.
    static var empty: RadixSorter { RadixSorter() }

    private init() {
        keys = []
        scratch = []
        companionScratch = []
        counts = []
    }

    /// Order-preserving map from doubles (no NaN) to unsigned integers.
    @inline(__always)
    static func key(_ x: Double) -> UInt64 {
        let bits = x.bitPattern
        return bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
    }

    @inline(__always)
    static func value(_ key: UInt64) -> Double {
        Double(bitPattern: key & (1 << 63) != 0 ? key & ~(1 << 63) : ~key)
    }

    /// Sorts `values[0..<n]` ascending, permuting `companion` (if any) the same way.
    mutating func sort(_ values: UnsafeMutablePointer<Double>, count n: Int, companion: UnsafeMutablePointer<Double>? = nil) {
        guard n >= RadixSorter.threshold, n <= keys.count, !counts.isEmpty, companion == nil || companionScratch.count >= n else {
            if let companion { sortInPlace(values, companion: companion, count: n) } else { sortInPlace(values, count: n) }
            return
        }
        keys.withUnsafeMutableBufferPointer { keyBuffer in
            scratch.withUnsafeMutableBufferPointer { scratchBuffer in
                companionScratch.withUnsafeMutableBufferPointer { companionBuffer in
                    counts.withUnsafeMutableBufferPointer { countBuffer in
                        RadixSorter.sort(values, n, companion, keyBuffer.baseAddress!, scratchBuffer.baseAddress!,
                                         companionBuffer.baseAddress, countBuffer.baseAddress!)
                    }
                }
            }
        }
    }

    private static func sort(_ values: UnsafeMutablePointer<Double>, _ n: Int, _ companion: UnsafeMutablePointer<Double>?,
                             _ keysIn: UnsafeMutablePointer<UInt64>, _ scratchIn: UnsafeMutablePointer<UInt64>,
                             _ companionScratchIn: UnsafeMutablePointer<Double>?, _ counts: UnsafeMutablePointer<Int>) {
        counts.update(repeating: 0, count: 8 * 256)
        for i in 0..<n {
            let k = key(values[i])
            keysIn[i] = k
            for b in 0..<8 { counts[b &* 256 &+ Int(truncatingIfNeeded: (k >> UInt64(8 &* b)) & 0xFF)] &+= 1 }
        }
        var source = keysIn, target = scratchIn
        // Companion values travel with their keys: `values` is free to serve as scratch until the end.
        var companionSource = companion, companionTarget = companionScratchIn
        for b in 0..<8 {
            let histogram = counts + b * 256
            let first = Int(truncatingIfNeeded: (source[0] >> UInt64(8 * b)) & 0xFF)
            if histogram[first] == n { continue }  // every key has this digit: the pass is the identity
            var offset = 0
            for digit in 0..<256 {
                let c = histogram[digit]
                histogram[digit] = offset
                offset &+= c
            }
            let shift = UInt64(8 * b)
            if let cs = companionSource, let ct = companionTarget {
                for i in 0..<n {
                    let k = source[i]
                    let digit = Int(truncatingIfNeeded: (k >> shift) & 0xFF)
                    let position = histogram[digit]
                    histogram[digit] = position &+ 1
                    target[position] = k
                    ct[position] = cs[i]
                }
                swap(&companionSource, &companionTarget)
            } else {
                for i in 0..<n {
                    let k = source[i]
                    let digit = Int(truncatingIfNeeded: (k >> shift) & 0xFF)
                    let position = histogram[digit]
                    histogram[digit] = position &+ 1
                    target[position] = k
                }
            }
            swap(&source, &target)
        }
        for i in 0..<n { values[i] = value(source[i]) }
        if let companion, let cs = companionSource, cs != companion {
            companion.update(from: cs, count: n)
        }
    }
}
