import Foundation

/// The results of `trtc-bench media` as markdown.
struct MediaBenchReport {
    let machine: MachineDescription
    /// The camera trtcd published (live and receive).
    var camera = "the PipeWire test camera"
    var codec: [CodecComparison.Result] = []
    var live: [LivePublishBenchmark.Result] = []
    var receive: [LivePublishBenchmark.ReceiveResult] = []

    /// The targets of docs/benchmarks.md this run missed.
    var missedTargets: [String] {
        var missed: [String] = []
        if let vga = codec.first(where: { $0.width == 640 }), vga.speedRatio < 0.9 {
            missed.append("640×480 VP8 at \(vga.speedRatio.decimal(digits: 2))× vpxenc's speed (target ≥ 0.9×)")
        }
        if let vga = live.first(where: { $0.width == 640 }), vga.daemonCPUPercent > 12 {
            missed.append("trtcd at \(vga.daemonCPUPercent.decimal(digits: 1)) % of a core at 640×480@30 (target ≤ 12 %, issue 10)")
        }
        for result in live where result.framesPerSecond < 28 && camera.hasPrefix("the synthetic") {
            missed.append("trtcd sent \(result.framesPerSecond.decimal(digits: 1)) fps at \(result.width)×\(result.height) (target ≥ 28, issue 12 §6)")
        }
        if let hd = live.first(where: { $0.width == 1280 }), hd.peakResidentMiB > 60 {
            missed.append("trtcd RSS \(hd.peakResidentMiB.decimal(digits: 1)) MiB publishing 720p (target ≤ 60 MiB)")
        }
        return missed
    }

    var markdown: String {
        var lines = ["### Media run \(machine.date)", "", machine.markdown, ""]
        if !codec.isEmpty {
            lines += [
                "VP8 encoding of the same synthetic frames (moving gradient, textured block, noise), 30 fps, equal settings "
                    + "(CBR, cpu-used -6, error resilient, no lag, libwebrtc's rate-control buffer; 1 thread on this machine). "
                    + "CPU = user+system time; ratio = vpxenc CPU / ours CPU (≥ 1: ours at least as fast).",
                "",
                "| size | frames | kbit/s | ours CPU/frame | vpxenc CPU/frame | speed ratio | ours output | vpxenc output | RTP packets |",
                "|---|---|---|---|---|---|---|---|---|",
            ]
            for result in codec {
                lines.append("| \(result.width)×\(result.height) | \(result.frames) | \(result.bitrateKbps) | "
                    + "\(result.oursCPUPerFrame.formattedMilliseconds) | \(result.vpxencCPUPerFrame.formattedMilliseconds) | "
                    + "\(result.speedRatio.decimal(digits: 2))× | \(result.oursBytes / 1024) KiB | \(result.vpxencBytes / 1024) KiB | "
                    + "\(result.oursPackets) |")
            }
            lines += ["", "vpxenc command: `\(codec[0].vpxencCommand) -o OUT.ivf FRAMES.i420`", ""]
        }
        if !live.isEmpty {
            lines += [
                "trtcd publishing \(camera) (its negotiated format in the table, converted to "
                    + "I420 on PipeWire's thread) to trtc-server on loopback. Latency: capture timestamp → last RTP packet of the "
                    + "frame handed to the socket. Encoder CPU: trtcd's encoder queue per sent frame. trtcd CPU: the whole process. "
                    + "RSS: the largest VmRSS sampled (every 100 ms) while measuring, split into anonymous / file-backed / shared "
                    + "memory (RssAnon, RssFile, RssShmem); peak: VmHWM.",
                "",
                "| size | camera format | kbit/s | fps captured → sent | latency avg | latency max (whole capture) | encoder CPU/frame | trtcd CPU (% of a core) | packets/s | RSS | RSS anon / file / shmem | peak RSS | dropped (encoder behind) |",
                "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
            ]
            for result in live {
                let split = result.largestSample.map {
                    "\($0.anonymous.mebibytes) / \($0.file.mebibytes) / \($0.sharedMemory.mebibytes)"
                } ?? "?"
                lines.append("| \(result.width)×\(result.height)@\(result.fps) | \(result.cameraFormat) | \(result.bitrateKbps) | "
                    + "\(result.framesOfferedPerSecond.decimal(digits: 1)) → \(result.framesPerSecond.decimal(digits: 1)) | \(result.latencyAverage.formattedMilliseconds) | "
                    + "\(result.latencyMaximum.formattedMilliseconds) | \(result.encoderCPUPerFrame.formattedMilliseconds) | "
                    + "\(result.daemonCPUPercent.decimal(digits: 1)) % | \(result.packetsPerSecond.decimal(digits: 0)) | "
                    + "\(result.residentMiB.decimal(digits: 1)) MiB | \(split) | \(result.peakResidentMiB.decimal(digits: 1)) MiB | "
                    + "\(result.framesDroppedBehind) |")
            }
            lines.append("")
        }
        if !receive.isEmpty {
            lines += [
                "A second trtcd (\"viewer\", its own bus, the same PipeWire) in the room while the first publishes \(camera) "
                    + "and the test microphone: it plays the audio on the default sink (automatic) and shows the video in its "
                    + "StartRemoteVideo node, which `gst-launch-1.0 pipewiresrc path=<node> ! fakesink` reads. Pictures/s: what "
                    + "the viewer decoded (the sender's rate control sends fewer than 30). Viewer CPU: the whole process.",
                "",
                "| size | kbit/s | pictures/s decoded | decode CPU/picture | viewer trtcd CPU (% of a core) | viewer RSS | peak RSS |",
                "|---|---|---|---|---|---|---|",
            ]
            for result in receive {
                lines.append("| \(result.width)×\(result.height)@30 | \(result.bitrateKbps) | \(result.picturesPerSecond.decimal(digits: 1)) | "
                    + "\(result.decodeCPUPerPicture.formattedMilliseconds) | \(result.viewerCPUPercent.decimal(digits: 1)) % | "
                    + "\(result.residentMiB.decimal(digits: 1)) MiB | \(result.peakResidentMiB.decimal(digits: 1)) MiB |")
            }
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }
}
