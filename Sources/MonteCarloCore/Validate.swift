/// Parameter checks shared by the distributions and estimators.
enum Validate {
    static func finite(_ value: Double, _ name: String) throws(MonteCarloError) {
        guard value.isFinite else { throw .invalidParameter(name: name, value: value, requirement: "finite") }
    }

    static func positive(_ value: Double, _ name: String) throws(MonteCarloError) {
        guard value.isFinite, value > 0 else {
            throw .invalidParameter(name: name, value: value, requirement: "finite and positive")
        }
    }

    static func probability(_ value: Double, _ name: String) throws(MonteCarloError) {
        guard value > 0, value < 1 else {
            throw .invalidParameter(name: name, value: value, requirement: "in the open interval (0, 1)")
        }
    }
}
