// MARK: - Allocation-free in-place sorting of projections

/// Sorts `count` doubles in place, ascending (introsort: median-of-three quicksort, insertion
/// sort for short ranges, heapsort past a depth limit). No allocation; inputs must be free of NaN.
@inline(__always)
func sortInPlace(_ base: UnsafeMutablePointer<Double>, count: Int) {
    guard count > 1 else { return }
    var depth = 0
    var n = count
    while n > 1 { depth += 2; n >>= 1 }
    introsort(base, 0, count - 1, depthLimit: depth, companion: nil)
}

/// Sorts `keys` ascending and applies the same permutation to `companion` (e.g. weights).
@inline(__always)
func sortInPlace(_ keys: UnsafeMutablePointer<Double>, companion: UnsafeMutablePointer<Double>, count: Int) {
    guard count > 1 else { return }
    var depth = 0
    var n = count
    while n > 1 { depth += 2; n >>= 1 }
    introsort(keys, 0, count - 1, depthLimit: depth, companion: companion)
}

@inline(__always)
private func swapAt(_ a: UnsafeMutablePointer<Double>, _ c: UnsafeMutablePointer<Double>?, _ i: Int, _ j: Int) {
    let t = a[i]; a[i] = a[j]; a[j] = t
    if let c { let u = c[i]; c[i] = c[j]; c[j] = u }
}

private func introsort(_ a: UnsafeMutablePointer<Double>, _ low: Int, _ high: Int, depthLimit: Int,
                       companion c: UnsafeMutablePointer<Double>?) {
    var lo = low, hi = high, depth = depthLimit
    while hi - lo > 16 {
        if depth == 0 {
            heapsort(a, lo, hi, companion: c)
            return
        }
        depth -= 1
        // Median of three into a[lo], then Hoare partition around it.
        let mid = lo + (hi - lo) / 2
        if a[mid] < a[lo] { swapAt(a, c, mid, lo) }
        if a[hi] < a[lo] { swapAt(a, c, hi, lo) }
        if a[hi] < a[mid] { swapAt(a, c, hi, mid) }
        swapAt(a, c, lo, mid)
        let pivot = a[lo]
        var i = lo, j = hi + 1
        while true {
            repeat { i += 1 } while i <= hi && a[i] < pivot
            repeat { j -= 1 } while a[j] > pivot
            if i >= j { break }
            swapAt(a, c, i, j)
        }
        swapAt(a, c, lo, j)
        // Recurse into the smaller part, loop on the larger: O(log n) stack.
        if j - lo < hi - j {
            introsort(a, lo, j - 1, depthLimit: depth, companion: c)
            lo = j + 1
        } else {
            introsort(a, j + 1, hi, depthLimit: depth, companion: c)
            hi = j - 1
        }
    }
    // Insertion sort on the short remainder.
    if hi > lo {
        for i in (lo + 1)...hi {
            let key = a[i]
            let ck = c?[i] ?? 0
            var j = i - 1
            while j >= lo && a[j] > key {
                a[j + 1] = a[j]
                if let c { c[j + 1] = c[j] }
                j -= 1
            }
            a[j + 1] = key
            if let c { c[j + 1] = ck }
        }
    }
}

private func heapsort(_ a: UnsafeMutablePointer<Double>, _ lo: Int, _ hi: Int, companion c: UnsafeMutablePointer<Double>?) {
    let n = hi - lo + 1
    func siftDown(_ start: Int, _ end: Int) {
        var root = start
        while 2 * root + 1 < end {
            var child = 2 * root + 1
            if child + 1 < end && a[lo + child] < a[lo + child + 1] { child += 1 }
            if a[lo + root] < a[lo + child] {
                swapAt(a, c, lo + root, lo + child)
                root = child
            } else { return }
        }
    }
    var start = n / 2 - 1
    while start >= 0 { siftDown(start, n); start -= 1 }
    var end = n - 1
    while end > 0 {
        swapAt(a, c, lo, lo + end)
        siftDown(0, end)
        end -= 1
    }
}
