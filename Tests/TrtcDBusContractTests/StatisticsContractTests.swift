import Foundation
import Testing
import TrtcCore
import TrtcDBus
import TrtcDBusContract

/// The Statistics and NetworkQuality part of the contract (docs/spec.md "Statistics"), without a bus.
@Suite("Statistics and NetworkQuality: keys, types and the quality rule")
struct StatisticsContractTests {
    static let sample: RoomStatistics = {
        var statistics = RoomStatistics()
        statistics.appCpu = 3
        statistics.rtt = 2
        statistics.upLoss = 1
        statistics.downLoss = 4
        statistics.sentBytes = 5_000_000_000
        statistics.receivedBytes = 7
        statistics.sentKbps = 830
        statistics.receivedKbps = 790
        var local = RoomStatistics.Local()
        local.width = 640
        local.height = 480
        local.frameRate = 30
        local.videoBitrate = 800
        local.audioSampleRate = 48_000
        local.audioBitrate = 30
        local.framesDropped = 2
        statistics.local = [local]
        var remote = RoomStatistics.Remote(userId: "bob")
        remote.width = 320
        remote.height = 240
        remote.frameRate = 15
        remote.videoBitrate = 300
        remote.videoPacketLoss = 5
        remote.finalLoss = 4
        remote.videoFreezeCount = 1
        remote.videoTotalBlockTime = 420
        remote.videoBlockRate = 2
        remote.jitterBufferDelay = 80
        remote.videoJitterBufferDelay = 45
        remote.audioJitterBufferDelay = 80
        remote.videoDecoderErrors = 1
        remote.videoFramesMissingReference = 6
        remote.videoNacksSent = 12
        remote.videoNackRequests = 20
        remote.videoNackRetries = 8
        remote.videoRetransmissionsReceived = 11
        remote.videoPlisSent = 3
        remote.videoKeyFramesDecoded = 4
        remote.audioTotalSamples = 9_000_000_000
        remote.audioConcealedSamples = 48_000
        remote.audioFecSamples = 960
        statistics.remote = [remote, RoomStatistics.Remote(userId: "carol")]
        return statistics
    }()

    @Test("Statistics a{sv}: the spec's keys with their types, read back to the same value")
    func statisticsDictionary() throws {
        let value = Self.sample.dictionary
        #expect(value.signature == "a{sv}")
        let top = try #require(value.stringKeyedDictionary)
        #expect(Set(top.keys) == Set(RoomStatistics.keys).subtracting(["systemCpu"]), "systemCpu absent when not measured")
        #expect(top["sentBytes"]?.unwrappedVariant == .uint64(5_000_000_000))
        #expect(top["rtt"]?.unwrappedVariant == .uint32(2))
        #expect(top["localArray"]?.unwrappedVariant.signature == "aa{sv}")
        #expect(top["remoteArray"]?.unwrappedVariant.signature == "aa{sv}")
        let local = try #require(top["localArray"]?.unwrappedVariant.array?.first?.stringKeyedDictionary)
        #expect(Set(local.keys) == Set(RoomStatistics.localKeys))
        let remote = try #require(top["remoteArray"]?.unwrappedVariant.array?.first?.stringKeyedDictionary)
        #expect(Set(remote.keys) == Set(RoomStatistics.remoteKeys))
        #expect(remote["userId"]?.unwrappedVariant == .string("bob"))
        #expect(remote["audioTotalSamples"]?.unwrappedVariant == .uint64(9_000_000_000), "sample counts are t")
        #expect(remote["videoNackRetries"]?.unwrappedVariant == .uint32(8))
        #expect(try RoomStatistics(top) == Self.sample)
        // Unknown keys are ignored (new ones may come), missing ones read as 0, a known key of another type is an error.
        var extended = top
        extended["futureKey"] = .variant(.string("x"))
        #expect(try RoomStatistics(extended) == Self.sample)
        #expect(try RoomStatistics([:]) == RoomStatistics())
        #expect(throws: DBusError.self) { _ = try RoomStatistics(["upLoss": .variant(.int32(1))]) }
        #expect(RoomSignal(member: "Statistics", arguments: [.variantDictionary(["rtt": .string("fast")])]) == nil)
        #expect(RoomSignal(member: "NetworkQuality", arguments: [.int32(7), .dictionary(key: .string, value: .int32, [])]) == nil)
    }

    @Test("NetworkQuality: TRTC's levels 0–6 and the documented rule from rtt (ms) and loss (%)", arguments: [
        (nil, nil, NetworkQuality.unknown), (1, 0, .excellent), (99, 1, .excellent), (100, 0, .good), (5, 2, .good),
        (199, 4, .good), (200, 0, .poor), (10, 5, .poor), (399, 9, .poor), (400, 0, .bad), (10, 10, .bad),
        (799, 19, .bad), (800, 0, .veryBad), (10, 20, .veryBad), (nil, 50, .veryBad), (30, nil, .excellent),
    ] as [(UInt32?, UInt32?, NetworkQuality)])
    func qualityRule(rtt: UInt32?, loss: UInt32?, expected: NetworkQuality) {
        #expect(NetworkQuality.rating(rttMilliseconds: rtt, lossPercent: loss) == expected)
    }

    @Test("TRTC's numbering: 0 unknown, 1 excellent … 5 very bad, 6 down")
    func qualityNumbers() {
        #expect(NetworkQuality.allCases.map(\.rawValue) == [0, 1, 2, 3, 4, 5, 6])
        #expect(NetworkQuality.down.rawValue == 6 && NetworkQuality.veryBad.rawValue == 5)
    }

    @Test("the Statistics property is read-only a{sv}, announced by its signal rather than PropertiesChanged")
    func statisticsProperty() throws {
        let interfaces = try DBusInterface.parse(introspectionXML: RoomInterfaceXML.text)
        let interface = try #require(interfaces.first { $0.name == RoomBus.interface })
        let property = try #require(interface.properties.first { $0.name == "Statistics" })
        #expect(property.signature == "a{sv}" && property.access == .read)
        #expect(RoomProperty.quiet == [.statistics])
        #expect(RoomProperty.idleValues[.statistics] == .variantDictionary([:]))
        let xml = RoomInterfaceXML.text
        let start = try #require(xml.range(of: #"<property name="Statistics""#))
        let end = try #require(xml.range(of: "</property>", range: start.upperBound..<xml.endIndex))
        #expect(xml[start.upperBound..<end.lowerBound].contains(
            #"<annotation name="org.freedesktop.DBus.Property.EmitsChangedSignal" value="false"/>"#))
    }
}
