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
        if let appCpu = s.appCpu { rows.append(("appCpu", "\(appCpu) %")) }
        if let systemCpu = s.systemCpu { rows.append(("systemCpu", "\(systemCpu) %")) }
        for local in s.local { rows.append(("local \(local.streamType)", localText(local))) }
        for remote in s.remote { rows.append(("remote \(remote.userId) \(remote.streamType)", remoteText(remote))) }
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

    static func remoteText(_ remote: RoomStatistics.Remote) -> String {
        var words: [String] = []
        if remote.videoBitrate > 0 || remote.width > 0 {
            words.append("video \(remote.width)x\(remote.height) \(remote.frameRate)fps \(remote.videoBitrate)kbit/s loss=\(remote.videoPacketLoss)% "
                + "freezes=\(remote.videoFreezeCount) (\(remote.videoTotalBlockTime)ms, \(remote.videoBlockRate)%)")
        }
        if remote.audioSampleRate > 0 {
            words.append("audio \(remote.audioSampleRate)Hz \(remote.audioBitrate)kbit/s loss=\(remote.audioPacketLoss)%")
        }
        return (words.isEmpty ? ["nothing received"] : words).joined(separator: ", ") + " finalLoss=\(remote.finalLoss)%"
    }
}
