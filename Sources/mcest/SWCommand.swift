import ArgumentParser

struct SWCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sw", abstract: "(coming)")
    func run() throws {}
}
