import Prometheus

/// Counters of the media socket, registered in the server's Prometheus registry.
final class MediaMetrics: Sendable {
    let packetsIn: Counter
    let packetsOut: Counter
    let bytesIn: Counter
    let bytesOut: Counter
    let checksAnswered: Counter
    let handshakes: Counter
    let handshakeFailures: Counter
    let retransmittedFromCache: Counter
    let nacksForwarded: Counter
    let retransmissionsOverBudget: Counter
    let keyframeRequestsForwarded: Counter
    let keyframeRequestsMerged: Counter
    let feedbackForUnknownStreams: Counter
    let recorderDropped: Counter
    let keyframeRequestsByServer: Counter
    let nacksCoveredByUplinkRepair: Counter
    let uplinkNACKs: Counter
    let uplinkPacketsRequested: Counter
    let uplinkRepaired: Counter
    let uplinkUnrepaired: Counter
    let uplinkReports: Counter
    let uplinkTransportFeedback: Counter
    let probePackets: Counter
    let boundSessions: Gauge
    let layerDroppedPackets: Counter
    let layerSwitchesDown: Counter
    let layerSwitchesUp: Counter
    let pacedPackets: Counter
    let pacerDroppedPackets: Counter
    let retransmissionsNotHelping: Counter
    let publisherVideoLimits: Counter
    let downlinkTransportFeedback: Counter
    private let dropped: [MediaDropReason: Counter]
    private let rtcpRefused: [RTCPRefusal: Counter]

    init(registry: PrometheusCollectorRegistry) {
        let packetHelp = "Media datagrams, by direction (in: every datagram received; out: forwarded copies and bind answers)"
        packetsIn = registry.makeCounter(descriptor: .init(metricName: "trtc_media_packets_total", unitName: "", helpText: packetHelp), labels: [("direction", "in")])
        packetsOut = registry.makeCounter(descriptor: .init(metricName: "trtc_media_packets_total", unitName: "", helpText: packetHelp), labels: [("direction", "out")])
        let byteHelp = "Media datagram payload bytes, by direction"
        bytesIn = registry.makeCounter(descriptor: .init(metricName: "trtc_media_bytes_total", unitName: "", helpText: byteHelp), labels: [("direction", "in")])
        bytesOut = registry.makeCounter(descriptor: .init(metricName: "trtc_media_bytes_total", unitName: "", helpText: byteHelp), labels: [("direction", "out")])
        checksAnswered = registry.makeCounter(descriptor: .init(metricName: "trtc_media_checks_answered_total", unitName: "", helpText: "Valid ICE connectivity checks answered"))
        handshakes = registry.makeCounter(descriptor: .init(metricName: "trtc_media_dtls_handshakes_total", unitName: "", helpText: "DTLS handshakes completed"))
        handshakeFailures = registry.makeCounter(descriptor: .init(metricName: "trtc_media_dtls_failures_total", unitName: "", helpText: "DTLS handshakes failed (bad fingerprint, protocol errors)"))
        retransmittedFromCache = registry.makeCounter(descriptor: .init(metricName: "trtc_media_retransmissions_total", unitName: "", helpText: "Video packets sent again from the server's cache in answer to a NACK"))
        nacksForwarded = registry.makeCounter(descriptor: .init(metricName: "trtc_media_nacks_forwarded_total", unitName: "", helpText: "NACKs passed to the sender for packets the server does not have"))
        retransmissionsOverBudget = registry.makeCounter(descriptor: .init(metricName: "trtc_media_retransmissions_refused_total", unitName: "", helpText: "NACKed packets not sent again because the asker's retransmission budget was spent"))
        let keyframeHelp = "Key-frame requests (RTCP PLI) from receivers: forwarded to the publisher, or merged into one forwarded less than 300 ms before"
        keyframeRequestsForwarded = registry.makeCounter(descriptor: .init(metricName: "trtc_media_keyframe_requests_total", unitName: "", helpText: keyframeHelp), labels: [("outcome", "forwarded")])
        keyframeRequestsMerged = registry.makeCounter(descriptor: .init(metricName: "trtc_media_keyframe_requests_total", unitName: "", helpText: keyframeHelp), labels: [("outcome", "merged")])
        keyframeRequestsByServer = registry.makeCounter(descriptor: .init(metricName: "trtc_media_keyframe_requests_total", unitName: "", helpText: keyframeHelp), labels: [("outcome", "server")])
        nacksCoveredByUplinkRepair = registry.makeCounter(descriptor: .init(metricName: "trtc_media_nacks_covered_total", unitName: "", helpText: "Packets receivers NACKed that the server was already asking the publisher for (not passed on)"))
        uplinkNACKs = registry.makeCounter(descriptor: .init(metricName: "trtc_media_uplink_nacks_total", unitName: "", helpText: "NACKs the server sent publishers for video lost on their uplink"))
        let uplinkHelp = "Video packets lost on a publisher's uplink: asked for (each request), repaired (arrived after a request), unrepaired (given up)"
        uplinkPacketsRequested = registry.makeCounter(descriptor: .init(metricName: "trtc_media_uplink_packets_total", unitName: "", helpText: uplinkHelp), labels: [("outcome", "requested")])
        uplinkRepaired = registry.makeCounter(descriptor: .init(metricName: "trtc_media_uplink_packets_total", unitName: "", helpText: uplinkHelp), labels: [("outcome", "repaired")])
        uplinkUnrepaired = registry.makeCounter(descriptor: .init(metricName: "trtc_media_uplink_packets_total", unitName: "", helpText: uplinkHelp), labels: [("outcome", "unrepaired")])
        uplinkReports = registry.makeCounter(descriptor: .init(metricName: "trtc_media_uplink_reports_total", unitName: "", helpText: "Receiver reports the server sent publishers"))
        uplinkTransportFeedback = registry.makeCounter(descriptor: .init(metricName: "trtc_media_uplink_transport_feedback_total", unitName: "", helpText: "Transport-wide congestion control feedback packets the server sent publishers"))
        probePackets = registry.makeCounter(descriptor: .init(metricName: "trtc_media_probe_packets_total", unitName: "", helpText: "Padding-only bandwidth probe packets from publishers, counted in the transport feedback and dropped"))
        feedbackForUnknownStreams = registry.makeCounter(descriptor: .init(metricName: "trtc_media_feedback_unknown_stream_total", unitName: "", helpText: "PLIs and NACKs naming a video SSRC of nobody else in the asker's room (dropped)"))
        boundSessions = registry.makeGauge(descriptor: .init(metricName: "trtc_media_bound_sessions", unitName: "", helpText: "Sessions with a selected (checked) media address now"))
        layerDroppedPackets = registry.makeCounter(descriptor: .init(metricName: "trtc_media_layer_dropped_packets_total", unitName: "", helpText: "Video packets not sent to a receiver because their temporal layer is above what its downlink carries"))
        let switchHelp = "Changes of the temporal layer a receiver's downlink estimate allows, by direction"
        layerSwitchesDown = registry.makeCounter(descriptor: .init(metricName: "trtc_media_layer_switches_total", unitName: "", helpText: switchHelp), labels: [("direction", "down")])
        layerSwitchesUp = registry.makeCounter(descriptor: .init(metricName: "trtc_media_layer_switches_total", unitName: "", helpText: switchHelp), labels: [("direction", "up")])
        pacedPackets = registry.makeCounter(descriptor: .init(metricName: "trtc_media_paced_packets_total", unitName: "", helpText: "Packets that waited in a receiver's downlink pacer (its downlink is narrower than the room's video)"))
        retransmissionsNotHelping = registry.makeCounter(descriptor: .init(metricName: "trtc_media_retransmissions_skipped_total", unitName: "", helpText: "NACKed packets not resent to a receiver behind a narrow link: it awaits a key frame, or they precede the newest it got"))
        publisherVideoLimits = registry.makeCounter(descriptor: .init(metricName: "trtc_media_publisher_video_limits_total", unitName: "", helpText: "RTCP REMB packets sent to publishers whose every video receiver is behind a downlink narrower than the stream"))
        downlinkTransportFeedback = registry.makeCounter(descriptor: .init(metricName: "trtc_media_downlink_transport_feedback_total", unitName: "", helpText: "Transport-wide feedback packets from receivers about the server's packets to them (their downlink estimate's input)"))
        pacerDroppedPackets = registry.makeCounter(descriptor: .init(metricName: "trtc_media_pacer_dropped_packets_total", unitName: "", helpText: "Packets dropped because a receiver's downlink pacer held two seconds of its rate already"))
        recorderDropped = registry.makeCounter(descriptor: .init(metricName: "trtc_media_recorder_dropped_total", unitName: "", helpText: "RTP packets --record could not keep up with"))
        var dropped: [MediaDropReason: Counter] = [:]
        for reason in MediaDropReason.allCases {
            dropped[reason] = registry.makeCounter(
                descriptor: .init(metricName: "trtc_media_dropped_total", unitName: "", helpText: "Media datagrams dropped, by reason"),
                labels: [("reason", reason.rawValue)])
        }
        self.dropped = dropped
        var rtcpRefused: [RTCPRefusal: Counter] = [:]
        for reason in RTCPRefusal.allCases {
            rtcpRefused[reason] = registry.makeCounter(
                descriptor: .init(metricName: "trtc_media_rtcp_refused_total", unitName: "",
                                  helpText: "Parts of members' RTCP compounds not passed on, by reason (report blocks counted one by one)"),
                labels: [("reason", reason.rawValue)])
        }
        self.rtcpRefused = rtcpRefused
    }

    func refuse(_ reason: RTCPRefusal, count: Int64 = 1) {
        rtcpRefused[reason]?.increment(by: count)
    }

    func drop(_ reason: MediaDropReason, count: Int64 = 1) {
        dropped[reason]?.increment(by: count)
    }
}
