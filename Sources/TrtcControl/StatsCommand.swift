import ArgumentParser
import TrtcCore
import TrtcDBus
import TrtcDBusContract

/// `trtcctl stats`: the latest `Statistics` (trtcd's property of that name, renewed every 2 s in a room).
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show trtcd's latest statistics in the room: rtt, loss, rates, local and remote streams.",
        discussion: """
            Reads the Statistics property (the value of the last Statistics signal; they come about every 2 s while \
            in a room). Exit status 1 when trtcd is not in a room or has no statistics yet. `trtcctl monitor` \
            prints every Statistics and NetworkQuality signal as it comes.
            """)

    @Flag(help: "Print the Statistics a{sv} as one JSON object (keys as in docs/spec.md).")
    var json = false

    func run() async throws {
        let properties = try await DaemonClient.withConnection { daemon in try await daemon.properties() }
        let values = properties[RoomProperty.statistics.rawValue]?.stringKeyedDictionary ?? [:]
        guard !values.isEmpty else {
            let state = properties[RoomProperty.state.rawValue]?.string ?? "?"
            throw CommandFailure(state == RoomState.inRoom.rawValue || state == RoomState.reconnecting.rawValue
                ? "no statistics yet (they come every 2 s in a room); try again"
                : "no statistics: trtcd is not in a room (State \(state))")
        }
        if json {
            StandardStreams.writeOutput(JSONCoding.print(DBusValue.variantDictionary(values).jsonValue) + "\n")
        } else {
            let statistics: RoomStatistics
            do {
                statistics = try RoomStatistics(values)
            } catch {
                throw CommandFailure("trtcd's Statistics cannot be read: \(error.message)")
            }
            StandardStreams.writeOutput(StatisticsText.block(statistics))
        }
    }
}
