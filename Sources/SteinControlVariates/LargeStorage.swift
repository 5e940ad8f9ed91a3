import Foundation

/// Allocation of the large arrays of kernel matrices.
enum LargeStorage {
    /// Arrays of at least this many bytes are advised to use transparent huge pages.
    static let hugePageThreshold = 4 << 20

    /// An array of `count` doubles written by `initialize`, which must write every element.
    ///
    /// The memory is not zeroed first (the kernel fills write each entry once), and from
    /// ``hugePageThreshold`` bytes up it is advised (`madvise(MADV_HUGEPAGE)`) to be backed by
    /// 2 MiB transparent huge pages before anything touches it: an n × n kernel matrix of
    /// order 4000 (128 MB) then costs about 60 page faults instead of 31 000. Where the kernel
    /// does not offer huge pages the advice fails harmlessly.
    static func array(count: Int, _ initialize: (UnsafeMutablePointer<Double>) -> Void) -> [Double] {
        guard count > 0 else { return [] }
        return [Double](unsafeUninitializedCapacity: count) { buffer, initializedCount in
            let base = buffer.baseAddress!
            let bytes = count * MemoryLayout<Double>.stride
            #if os(Linux)
            if bytes >= hugePageThreshold {
                let hugePage = 2 << 20
                let start = (Int(bitPattern: base) + hugePage - 1) & ~(hugePage - 1)
                let end = (Int(bitPattern: base) + bytes) & ~(hugePage - 1)
                if end > start, let pointer = UnsafeMutableRawPointer(bitPattern: start) {
                    _ = madvise(pointer, end - start, Int32(MADV_HUGEPAGE))
                }
            }
            #endif
            initialize(base)
            initializedCount = count
        }
    }
}
