import Foundation
import TrtcCodecs
import TrtcCore
import TrtcHarness
import TrtcRTP

/// Our VP8 path (`VP8Encoder` + `VP8Packetizer`, as trtcd publishes) against `vpxenc --rt` on the same raw
/// I420 frames with the same settings, in the same run.
struct CodecComparison: Sendable {
    struct Result: Sendable {
        var width: Int
        var height: Int
        var frames: Int
        var bitrateKbps: Int
        /// Our encoder: thread CPU time and wall time over all frames, output bytes and RTP packets.
        var oursCPU: Duration
        var oursWall: Duration
        var oursBytes: Int
        var oursPackets: Int
        /// vpxenc: the child's user+system CPU and its wall time, output file size (IVF, 32+12/frame of headers).
        var vpxencCPU: Duration
        var vpxencWall: Duration
        var vpxencBytes: Int
        var vpxencCommand: String

        /// How fast we are relative to vpxenc (CPU time per frame): ≥ 1 means we are at least as fast.
        var speedRatio: Double { vpxencCPU.milliseconds / max(oursCPU.milliseconds, 0.001) }
        var oursCPUPerFrame: Duration { oursCPU / frames }
        var vpxencCPUPerFrame: Duration { vpxencCPU / frames }
    }

    var frames: Int
    var framesPerSecond = 30
    var directory: URL

    func run(width: Int, height: Int, bitrateKbps: Int) throws -> Result {
        let configuration = VP8EncoderConfiguration(width: width, height: height, framesPerSecond: framesPerSecond, bitrateKbps: bitrateKbps)
        let encoder = try VP8Encoder(configuration: configuration)
        var packetizer = try VP8Packetizer(ssrc: 1, payloadType: RTPPayloadType.vp8)
        var video = SyntheticVideo(width: width, height: height)
        let rawURL = directory.appendingPathComponent("frames-\(width)x\(height).i420")
        FileManager.default.createFile(atPath: rawURL.path, contents: nil)
        let raw = try FileHandle(forWritingTo: rawURL)
        defer { try? FileManager.default.removeItem(at: rawURL) }

        var cpu = Duration.zero
        var wall = Duration.zero
        var bytes = 0
        var packets = 0
        for index in 0..<frames {
            let frame = try video.frame(index, framesPerSecond: framesPerSecond)
            try raw.write(contentsOf: Data(frame.y) + Data(frame.u) + Data(frame.v))
            // Only the encoder path is timed: encode, packetize, serialize (what trtcd's encoder queue does).
            let cpuStart = ThreadCPUTime.now
            let wallStart = ContinuousClock.now
            for encoded in try encoder.encode(frame) {
                bytes += encoded.data.count
                for packet in packetizer.packetize(encoded) {
                    packets += 1
                    _ = packet.serialized()
                }
            }
            wall += ContinuousClock.now - wallStart
            cpu += ThreadCPUTime.now - cpuStart
        }
        try raw.close()

        // The same settings VP8EncoderConfiguration gives libvpx (see VP8Encoder.open()).
        let ivf = directory.appendingPathComponent("vpxenc-\(width)x\(height).ivf")
        defer { try? FileManager.default.removeItem(at: ivf) }
        let arguments = [
            "--codec=vp8", "--rt", "--passes=1", "--cpu-used=\(configuration.effectiveCPUUsedForBenchmark)",
            "--end-usage=cbr", "--target-bitrate=\(bitrateKbps)", "--lag-in-frames=0", "--error-resilient=1",
            "--threads=\(configuration.effectiveThreadsForBenchmark)", "--drop-frame=30", "--resize-allowed=0",
            "--min-q=\(configuration.minQuantizer)", "--max-q=\(configuration.maxQuantizer)",
            "--undershoot-pct=100", "--overshoot-pct=15", "--buf-initial-sz=500", "--buf-optimal-sz=600", "--buf-sz=1000",
            "--kf-min-dist=0", "--kf-max-dist=\(configuration.keyframeInterval)", "--static-thresh=1",
            "--noise-sensitivity=0", "--token-parts=0", "--max-intra-rate=\(configuration.maxIntraPercentForBenchmark)",
            "--screen-content-mode=0", "--fps=\(framesPerSecond)/1", "--i420", "--width=\(width)", "--height=\(height)",
            "--limit=\(frames)", "--quiet", "-o", ivf.path, rawURL.path,
        ]
        let child = try CommandRun.runBlocking("/usr/bin/vpxenc", arguments, timeout: .seconds(600)).successful("vpxenc")
        let ivfSize = (try? FileManager.default.attributesOfItem(atPath: ivf.path)[.size] as? Int) ?? 0
        return Result(
            width: width, height: height, frames: frames, bitrateKbps: bitrateKbps,
            oursCPU: cpu, oursWall: wall, oursBytes: bytes, oursPackets: packets,
            vpxencCPU: child.cpu, vpxencWall: child.wall, vpxencBytes: max(0, ivfSize - 32 - 12 * frames),
            vpxencCommand: "vpxenc " + arguments.dropLast(3).joined(separator: " "))
    }
}

extension VP8EncoderConfiguration {
    /// libwebrtc's choices as `VP8Encoder` applies them (mirrored here because they are internal to TrtcCodecs).
    var effectiveCPUUsedForBenchmark: Int { cpuUsed ?? (width * height < 352 * 288 ? -4 : -6) }
    var effectiveThreadsForBenchmark: Int {
        if let threads { return threads }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let pixels = width * height
        if pixels >= 1920 * 1080 && cores > 8 { return 8 }
        if pixels > 1280 * 960 && cores >= 6 { return 3 }
        if pixels > 640 * 480 && cores >= 3 { return cores >= 6 ? 3 : 2 }
        return 1
    }
    var maxIntraPercentForBenchmark: Int { max(Int(Double(600) * 0.5 * Double(framesPerSecond) / 10), 300) }
}
