/// What a publisher did, for logs and `trtc-bench media`.
struct PublisherStatistics: Sendable {
    /// Captured frames (or audio buffers) handed to the publisher.
    var framesOffered = 0
    /// Dropped because the encoder was still busy with earlier ones (it fell behind).
    var framesDroppedBehind = 0
    /// Frames encoded and sent.
    var framesSent = 0
    var keyframesSent = 0
    var packetsSent = 0
    var bytesSent = 0
    var senderReports = 0
    /// The size of the last frame encoded (video), for `Statistics`.
    var width = 0
    var height = 0
    /// Capture timestamp → last packet of the frame handed to the socket, summed over sent frames.
    var totalLatency: Duration = .zero
    var maximumLatency: Duration = .zero
    /// Encoder-thread CPU time (encode + packetize + send), summed over sent frames.
    var totalCPU: Duration = .zero

    /// One encoder run that sent `packets` packets carrying `frames` frames, the last `latency` after capture.
    mutating func recordSent(frames: Int, keyframes: Int = 0, packets: Int, bytes: Int, latency: Duration, cpu: Duration) {
        guard packets > 0 else { return }
        framesSent += frames
        keyframesSent += keyframes
        packetsSent += packets
        bytesSent += bytes
        totalLatency += latency * frames
        maximumLatency = max(maximumLatency, latency)
        totalCPU += cpu
    }

    /// Counts an RTCP sender report and returns the summary logged with it.
    mutating func recordSenderReport() -> String {
        senderReports += 1
        return summary
    }

    var averageLatency: Duration { framesSent > 0 ? totalLatency / framesSent : .zero }
    var averageCPU: Duration { framesSent > 0 ? totalCPU / framesSent : .zero }

    var summary: String {
        func ms(_ d: Duration) -> String {
            let value = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
            return String(format: "%.2f", value)
        }
        return "offered=\(framesOffered) behind=\(framesDroppedBehind) sent=\(framesSent) keyframes=\(keyframesSent) "
            + "packets=\(packetsSent) bytes=\(bytesSent) sr=\(senderReports) latencyAvgMs=\(ms(averageLatency)) "
            + "latencyMaxMs=\(ms(maximumLatency)) cpuAvgMs=\(ms(averageCPU)) latencySumMs=\(ms(totalLatency)) cpuSumMs=\(ms(totalCPU))"
    }
}
