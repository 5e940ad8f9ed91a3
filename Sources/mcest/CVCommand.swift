import ArgumentParser

struct CVCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cv", abstract: "(coming)")
    func run() throws {}
}
