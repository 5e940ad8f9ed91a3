import MonteCarloCore

/// Labels recoded as dense category indices 0..<categories (in order of first appearance),
/// with the size of each category.
struct CategoricalCodes: Sendable {
    /// The category index of each point.
    let codes: [Int]
    /// How many points each category holds.
    let sizes: [Int]
    /// The label of each category.
    let labels: [Int]

    var categories: Int { sizes.count }

    init(_ labels: [Int]) {
        var index = [Int: Int](minimumCapacity: 16)
        var codes = [Int](repeating: 0, count: labels.count)
        var sizes = [Int](), firsts = [Int]()
        for (i, label) in labels.enumerated() {
            if let code = index[label] {
                codes[i] = code
                sizes[code] += 1
            } else {
                index[label] = sizes.count
                codes[i] = sizes.count
                sizes.append(1)
                firsts.append(label)
            }
        }
        self.codes = codes
        self.sizes = sizes
        self.labels = firsts
    }

    /// The points of each category, in index order.
    func members() -> [[Int]] {
        var members = [[Int]](repeating: [], count: categories)
        for c in 0..<categories { members[c].reserveCapacity(sizes[c]) }
        for (i, code) in codes.enumerated() { members[code].append(i) }
        return members
    }

    /// Throws unless there are at least two categories (a constant variable has no information to share).
    func checkNotConstant(name: String) throws(MonteCarloError) {
        guard categories >= 2 else {
            throw .invalidArgument("\(name) is constant (a single category): its mutual information with anything is 0 "
                + "and there is nothing to estimate; drop it.")
        }
    }
}
