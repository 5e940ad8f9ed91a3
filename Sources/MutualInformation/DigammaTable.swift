/// ψ at the integers 0…n: psi[m] = ψ(m) for m ≥ 1 (psi[0] is unused), by the recurrence
/// ψ(m + 1) = ψ(m) + 1/m from ψ(1) = −γ (relative error below 10⁻¹² up to n = 10⁷).
func digammaTable(upTo n: Int) -> [Double] {
    var table = [Double](repeating: 0, count: n + 1)
    guard n >= 1 else { return table }
    table[1] = digamma(1)
    if n >= 2 { for m in 1..<n { table[m + 1] = table[m] + 1 / Double(m) } }
    return table
}
