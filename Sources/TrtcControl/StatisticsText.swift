import TrtcDBusContract

/// `Statistics` for people: a block of lines (`trtcctl stats`) or one line (`trtcctl monitor`).
enum StatisticsText {
    static func block(_ s: RoomStatistics) -> String {
        var rows: [(String, String)] = [
            ("rtt", s.rtt > 0 ? "\(s.rtt) ms" : "not measured yet"),
            ("upLoss", "\(s.upLoss) %"),
            ("downLoss", "\(s.downLoss) %"),
            ("sent", "\(s.sentKbps) kbit/s (\(s.sentBytes) bytes in the room)"),
            ("received", "\(s.receivedKbps) kbit/s (\(s.receivedBytes) bytes in the room)"),
        ]
        if s.sendEstimateKbps > 0 {
            rows.append(("sendEstimate", "\(s.sendEstimateKbps) kbit/s"
                + (s.receiverLimitKbps > 0 ? ", video limited to \(s.receiverLimitKbps) kbit/s by its receivers' downlinks" : "")))
        }
        if let appCpu = s.appCpu { rows.append(("appCpu", "\(appCpu) %")) }
        if let systemCpu = s.systemCpu { rows.append(("systemCpu", "\(systemCpu) %")) }
        for local in s.local { rows.append(("local \(local.streamType)", localText(local))) }
        for remote in s.remote {
            rows.append(("remote \(remote.userId) \(remote.streamType)", remoteText(remote)))
            if let repair = repairText(remote) { rows.append(("  receiving", repair)) }
        }
        let width = (rows.map(\.0.count).max() ?? 0) + 2
        return rows.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + $0.1 }.joined(separator: "\n") + "\n"
    }

    /// `rtt=2ms upLoss=0% downLoss=0% sent=845kbit/s received=838kbit/s | local main … | remote bob main …`
    static func line(_ s: RoomStatistics) -> String {
        var parts = ["rtt=\(s.rtt)ms upLoss=\(s.upLoss)% downLoss=\(s.downLoss)% sent=\(s.sentKbps)kbit/s received=\(s.receivedKbps)kbit/s"
            + (s.appCpu.map { " appCpu=\($0)%" } ?? "")]
        parts += s.local.map { "local \($0.streamType) " + localText($0) }
        parts += s.remote.map { "remote \($0.userId) \($0.streamType) " + remoteText($0) }
        return parts.joined(separator: " | ")
    }

    static func localText(_ local: RoomStatistics.Local) -> String {
        var words: [String] = []
        if local.width > 0 || local.videoBitrate > 0 {
            words.append("video \(local.width)x\(local.height) \(local.frameRate)fps \(local.videoBitrate)kbit/s dropped=\(local.framesDropped)")
        }
        if local.audioSampleRate > 0 { words.append("audio \(local.audioSampleRate)Hz \(local.audioBitrate)kbit/s") }
        return words.isEmpty ? "nothing sent" : words.joined(separator: ", ")
    }

    /// The receive side's counters of a remote stream (jitter buffers, repair, audio concealment); nil before any.
    static func repairText(_ remote: RoomStatistics.Remote) -> String? {
        var words: [String] = []
        if remote.jitterBufferDelay > 0 || remote.videoKeyFramesDecoded > 0 || remote.audioTotalSamples > 0 {
            words.append("jitterBufferDelay=\(remote.jitterBufferDelay)ms (video \(remote.videoJitterBufferDelay)ms, audio \(remote.audioJitterBufferDelay)ms)")
        }
        if remote.videoKeyFramesDecoded > 0 || remote.videoNacksSent > 0 || remote.videoPlisSent > 0 {
            words.append("video nacks=\(remote.videoNacksSent) requests=\(remote.videoNackRequests) retries=\(remote.videoNackRetries) "
                + "retransmissions=\(remote.videoRetransmissionsReceived) plis=\(remote.videoPlisSent) keyFrames=\(remote.videoKeyFramesDecoded) "
                + "missingReference=\(remote.videoFramesMissingReference) decoderErrors=\(remote.videoDecoderErrors)")
        }
        if remote.audioTotalSamples > 0 {
            let total = Double(remote.audioTotalSamples)
            func percent(_ samples: UInt64) -> String { String(Double(Int((Double(samples) / total * 1000).rounded())) / 10) }
            words.append("audio concealed=\(percent(remote.audioConcealedSamples))% fec=\(percent(remote.audioFecSamples))% "
                + "of \(remote.audioTotalSamples) samples")
        }
        return words.isEmpty ? nil : words.joined(separator: ", ")
    }

    static func remoteText(_ remote: RoomStatistics.Remote) -> String {
        var words: [String] = []
        if remote.videoBitrate > 0 || remote.width > 0 {
            words.append("video \(remote.width)x\(remote.height) \(remote.frameRate)fps \(remote.videoBitrate)kbit/s loss=\(remote.videoPacketLoss)% "
                + "freezes=\(remote.videoFreezeCount) (\(remote.videoTotalBlockTime)ms, \(remote.videoBlockRate)%)"
                + (remote.receivedTemporalLayers > 0 ? " layers=\(remote.receivedTemporalLayers)" : ""))
        }
        if remote.audioSampleRate > 0 {
            words.append("audio \(remote.audioSampleRate)Hz \(remote.audioBitrate)kbit/s loss=\(remote.audioPacketLoss)%")
        }
        return (words.isEmpty ? ["nothing received"] : words).joined(separator: ", ") + " finalLoss=\(remote.finalLoss)%"
    }
}
