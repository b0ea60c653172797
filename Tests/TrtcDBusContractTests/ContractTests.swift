import Foundation
import Testing
import TrtcCore
import TrtcDBus
import TrtcDBusContract

/// The contract module agrees with dbus/org.trtcd.Trtc1.Room.xml, the one source of the interface.
@Suite("TrtcDBusContract matches dbus/org.trtcd.Trtc1.Room.xml")
struct ContractTests {
    static let xmlFile = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("dbus/org.trtcd.Trtc1.Room.xml")

    static func interface() throws -> DBusInterface {
        let interfaces = try DBusInterface.parse(introspectionXML: RoomInterfaceXML.text)
        return try #require(interfaces.first { $0.name == RoomBus.interface })
    }

    @Test("the embedded XML is the file, byte for byte (but its final newline)")
    func embedded() throws {
        let file = try String(contentsOf: Self.xmlFile, encoding: .utf8)
        #expect(RoomInterfaceXML.text + "\n" == file)
    }

    @Test("methods, signals and properties are exactly the XML's")
    func names() throws {
        let interface = try Self.interface()
        #expect(Set(RoomMethod.allCases.map(\.rawValue)) == Set(interface.methods.map(\.name)))
        #expect(RoomSignal.members == interface.signals.map(\.name))
        #expect(RoomProperty.allCases.map(\.rawValue) == interface.properties.map(\.name))
        #expect(Set(RoomProperty.idleValues.keys) == Set(RoomProperty.allCases))
    }

    @Test("each signal's arguments have the XML's signature and read back to the same signal")
    func signals() throws {
        let declared = Dictionary(uniqueKeysWithValues: try Self.interface().signals.map { ($0.name, $0.signature) })
        let samples: [RoomSignal] = [
            .enterRoom(result: 12), .exitRoom(.roomDismissed), .remoteUserEnterRoom(userId: "bob"),
            .remoteUserLeaveRoom(userId: "bob", reason: .timedOut), .userVideoAvailable(userId: "bob", available: true),
            .userAudioAvailable(userId: "bob", available: false), .connectionLost, .tryToReconnect, .connectionRecovery,
            .statistics(StatisticsContractTests.sample), .statistics(RoomStatistics()),
            .networkQuality(local: .excellent, remote: ["bob": .good, "carol": .unknown]), .networkQuality(local: .down, remote: [:]),
        ]
        #expect(Set(samples.map(\.member)) == Set(RoomSignal.members))
        for signal in samples {
            #expect(signal.arguments.map(\.signature).joined() == declared[signal.member], "\(signal)")
            #expect(RoomSignal(member: signal.member, arguments: signal.arguments) == signal)
        }
        #expect(RoomSignal(member: "ExitRoom", arguments: [.int32(9)]) == nil)
        #expect(RoomSignal(member: "EnterRoom", arguments: [.int32(1)]) == nil)
        #expect(RoomSignal(member: "Nope", arguments: []) == nil)
    }

    @Test("EnterParameters: what a client encodes is what the daemon decodes")
    func enterParametersRoundTrip() throws {
        let samples = [
            EnterParameters(sdkAppId: 1_400_000_001, userId: "alice", userSig: "sig", room: .numeric(8888)),
            EnterParameters(sdkAppId: 1_400_000_001, userId: "bob_2", userSig: "sig", room: .string("team-a"), scene: .live,
                            role: .audience, server: "wss://rooms.example:7800", bindToCaller: true, privateMapKey: "eJw1key"),
        ]
        for parameters in samples {
            let dictionary = try #require(parameters.dictionary.stringKeyedDictionary)
            #expect(try EnterParameters(dictionary) == parameters)
        }
        #expect(throws: DBusError.self) { _ = try EnterParameters(["sdkAppId": .uint32(1_400_000_001), "extra": .string("x")]) }
        // privateMapKey: optional `s`; empty counts as absent, another type is InvalidArgument.
        let base: [String: DBusValue] = ["sdkAppId": .uint32(1_400_000_001), "userId": .string("a"), "userSig": .string("s"),
                                         "roomId": .uint32(1)]
        #expect(try EnterParameters(base.merging(["privateMapKey": .string("")]) { $1 }).privateMapKey == nil)
        #expect(throws: DBusError.self) { _ = try EnterParameters(base.merging(["privateMapKey": .uint32(1)]) { $1 }) }
    }
}
