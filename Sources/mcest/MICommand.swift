import ArgumentParser

struct MICommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mi", abstract: "(coming)")
    func run() throws {}
}
