import MonteCarloCore

extension SteinSample {
    /// For independent draws that repeat exactly (the same point more than once), the index of
    /// each draw's first copy; `nil` when no draw repeats, or for chains (where a rejected
    /// Metropolis move repeats a draw legitimately and the chain's own variance accounts for it).
    /// - Complexity: O(n·d) expected (hashing the rows).
    var firstCopies: [Int]? {
        guard case .independent = dependence else { return nil }
        var first: [ArraySlice<Double>: Int] = [:]
        var copies = Array(0..<count)
        var repeated = false
        for i in 0..<count {
            let row = points[(i * dimension)..<((i + 1) * dimension)]
            if let earlier = first[row] {
                copies[i] = earlier
                repeated = true
            } else {
                first[row] = i
            }
        }
        return repeated ? copies : nil
    }

    /// Cross-fitting folds that keep the copies of a repeated independent draw together: distinct
    /// point j (in order of first appearance) goes to fold j mod K with all its copies. Otherwise a
    /// held-out draw's copy sits in the training folds, the kernel interpolates it exactly and the
    /// held-out residuals (hence the error bar) collapse towards 0.
    /// - Throws: `MonteCarloError/insufficientSamples(needed:available:reason:)` with fewer than
    ///   2K distinct draws.
    func foldsKeepingCopiesTogether(_ k: Int, firstCopies copies: [Int]) throws(MonteCarloError) -> [[Int]] {
        var distinctIndex = [Int](repeating: 0, count: count)
        var groups = [[Int]](repeating: [], count: k)
        var distinct = 0
        for i in 0..<count {
            if copies[i] == i {
                distinctIndex[i] = distinct
                distinct += 1
            }
            groups[distinctIndex[copies[i]] % k].append(i)
        }
        guard distinct >= 2 * k else {
            throw .insufficientSamples(needed: 2 * k, available: distinct, reason: "(distinct draws, 2 per fold) for \(k)-fold cross-fitting")
        }
        return groups
    }

    /// The warning for repeated independent draws, or `nil`.
    static func repeatsWarning(firstCopies copies: [Int]?) -> String? {
        guard let copies else { return nil }
        let repeats = copies.enumerated().filter { $0.offset != $0.element }.count
        return "\(repeats) of \(copies.count) draws repeat an earlier draw exactly: the kernel matrix is (near-)singular "
            + "and repeated draws are not independent, so the error bar treats copies as new information and is too "
            + "small; remove the repeats, or give the draws as chains if they come from MCMC. (Copies are kept in one "
            + "cross-fitting fold.)"
    }
}
