import ArgumentParser

/// A command group run without a subcommand: a usage error answered with the group's help on stderr.
struct MissingSubcommand: Error {
    let command: any ParsableCommand.Type
    let message: String
}
