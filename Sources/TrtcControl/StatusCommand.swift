import ArgumentParser
import Foundation
import TrtcCore
import TrtcDBus
import TrtcDBusContract

/// `trtcctl status`: trtcd's properties, as aligned text or one JSON object.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show trtcd's state: State, RoomId, UserId, Role, RemoteUsers, LocalVideo, LocalAudio.")

    @Flag(help: "Print one JSON object with the properties, keyed by their D-Bus names.")
    var json = false

    func run() async throws {
        // Statistics has its own command (`trtcctl stats`): a block of numbers renewed every 2 s.
        let properties = try await DaemonClient.withConnection { daemon in try await daemon.properties() }
            .filter { !RoomProperty.quiet.map(\.rawValue).contains($0.key) }
        if json {
            StandardStreams.writeOutput(JSONCoding.print(.object(properties.mapValues(\.jsonValue))) + "\n")
        } else {
            StandardStreams.writeOutput(Self.text(properties))
        }
    }

    /// The interface's properties in the XML's order, then any others by name.
    static let knownOrder = RoomProperty.allCases.filter { !RoomProperty.quiet.contains($0) }.map(\.rawValue)

    static func text(_ properties: [String: DBusValue]) -> String {
        let names = knownOrder.filter { properties[$0] != nil } + properties.keys.filter { !knownOrder.contains($0) }.sorted()
        let width = (names.map(\.count).max() ?? 0) + 2
        return names.map { name in
            name.padding(toLength: width, withPad: " ", startingAt: 0) + properties[name]!.plainText
        }.joined(separator: "\n") + "\n"
    }
}
