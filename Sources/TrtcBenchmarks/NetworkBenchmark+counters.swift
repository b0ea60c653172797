import Foundation
import TrtcCore
import TrtcHarness
import TrtcNetLab
import TrtcRTP

/// trtc-server's media counters the network benchmark reads (docs/operations.md lists them all).
enum MetricName {
    static let retransmittedFromCache = #"trtc_media_retransmissions_total"#
    static let nacksForwarded = #"trtc_media_nacks_forwarded_total"#
    static let retransmissionsRefused = #"trtc_media_retransmissions_refused_total"#
    static let nacksCovered = #"trtc_media_nacks_covered_total"#
    static let uplinkRequested = #"trtc_media_uplink_packets_total{outcome="requested"}"#
    static let uplinkRepaired = #"trtc_media_uplink_packets_total{outcome="repaired"}"#
    static let pliForwarded = #"trtc_media_keyframe_requests_total{outcome="forwarded"}"#
    static let pliMerged = #"trtc_media_keyframe_requests_total{outcome="merged"}"#
    static let pliByServer = #"trtc_media_keyframe_requests_total{outcome="server"}"#
    /// Every packet a receiver NACKed ends in exactly one of these: resent from the cache, passed on to the
    /// publisher, refused (the asker's retransmission budget), or already being asked for on the uplink.
    static let nackedByReceivers = [retransmittedFromCache, nacksForwarded, retransmissionsRefused, nacksCovered]
    static let all = nackedByReceivers + [uplinkRequested, uplinkRepaired, pliForwarded, pliMerged, pliByServer]
}

extension NetworkBenchmark {
    /// The counters at one instant.
    struct Snapshot: Sendable {
        var time: Duration
        var metrics: [String: Double]
        var relay: [ImpairmentRelay.Direction: ImpairedLink.Statistics]
        /// The video streams delivered to the viewer (downlink, payload type VP8).
        var deliveredVideo: [RTPDeliveryLedger.Stream]
        var recordedPackets: Int

        /// The differences `self` − `earlier`.
        func subtracting(_ earlier: Snapshot) -> Difference {
            Difference(later: self, earlier: earlier)
        }
    }

    struct Difference: Sendable {
        let later: Snapshot
        let earlier: Snapshot

        func metric(_ names: [String]) -> Double {
            names.reduce(0) { $0 + (later.metrics[$1] ?? 0) - (earlier.metrics[$1] ?? 0) }
        }

        /// Datagrams the relay dropped in one direction (loss, queue, outage) / datagrams offered.
        func linkLoss(_ direction: ImpairmentRelay.Direction) -> Double {
            guard let now = later.relay[direction], let then = earlier.relay[direction] else { return 0 }
            let offered = now.packets - then.packets
            let dropped = now.dropped.values.reduce(0, +) - then.dropped.values.reduce(0, +)
            return offered > 0 ? Double(dropped) / Double(offered) : 0
        }

        /// Of the viewer's video packets numbered in the window, the share it never got.
        var residualVideoLoss: Double? {
            var expected = 0
            var missing = 0
            for stream in later.deliveredVideo {
                let before = earlier.deliveredVideo.first { $0.ssrc == stream.ssrc }
                expected += stream.expected - (before?.expected ?? 0)
                missing += stream.missing - (before?.missing ?? 0)
            }
            return expected > 0 ? Double(max(0, missing)) / Double(expected) : nil
        }
    }

    func snapshot(server: ServerProcess, relay: ImpairmentRelay, recording: VideoRecording) async throws -> Snapshot {
        let time = MonotonicClock.now
        let text = try await server.metricsText()
        var metrics: [String: Double] = [:]
        for line in text.split(separator: "\n") {
            for name in MetricName.all where line.hasPrefix(name + " ") {
                metrics[name] = Double(line.dropFirst(name.count + 1))
            }
        }
        var links: [ImpairmentRelay.Direction: ImpairedLink.Statistics] = [:]
        for direction in ImpairmentRelay.Direction.allCases { links[direction] = try await relay.statistics(direction) }
        let video = try await relay.deliveredRTP(.downlink).map(\.stream).filter { $0.payloadType == RTPPayloadType.vp8 }
        return Snapshot(time: time, metrics: metrics, relay: links, deliveredVideo: video, recordedPackets: try recording.read().packetCount)
    }
}

/// The server's recording of one user's video (`--record DIR`: RFC 4571 framed RTP in arrival order), read while it
/// grows: how many packets so far, and frames and key frames from a packet index on.
struct VideoRecording: Sendable {
    let directory: URL
    let user: String

    struct Contents: Sendable {
        var packets: [RTPPacket]
        var packetCount: Int { packets.count }

        /// Distinct frames (RTP timestamps) among the packets from index `start` on.
        func frames(since start: Int) -> Int {
            Set(packets.dropFirst(start).map(\.timestamp)).count
        }

        /// Key frames among the packets from `start` on: first packets of a frame (S = 1, PID 0) whose VP8 header says
        /// key frame, once per RTP timestamp (a retransmitted first packet is not another key frame).
        func keyframes(since start: Int) -> Int {
            var stamps = Set<UInt32>()
            for packet in packets.dropFirst(start) {
                guard let (descriptor, offset) = try? VP8PayloadDescriptor.parse(packet.payload), descriptor.startsFrame,
                      let header = try? VP8FrameHeader(parsing: packet.payload[offset...]), header.isKeyframe
                else { continue }
                stamps.insert(packet.timestamp)
            }
            return stamps.count
        }
    }

    /// The user's VP8 recording as it is now (empty before the first packet).
    func read() throws -> Contents {
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.lastPathComponent.contains("-\(user)-") }
        for file in files {
            let bytes = [UInt8](try Data(contentsOf: file))
            var packets: [RTPPacket] = []
            var offset = 0
            while offset + 2 <= bytes.count {
                let length = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
                guard offset + 2 + length <= bytes.count else { break }
                if let packet = try? RTPPacket(parsing: Array(bytes[offset + 2..<offset + 2 + length])) { packets.append(packet) }
                offset += 2 + length
            }
            if packets.first?.payloadType == RTPPayloadType.vp8 { return Contents(packets: packets) }
        }
        return Contents(packets: [])
    }
}
