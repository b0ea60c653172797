#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOCore

/// `--record DIR`: every accepted RTP packet is appended to DIR/<sdkAppId>-<room>-<userId>-<ssrc>.rtp with
/// RFC 4571 framing (16-bit big-endian length, then the packet), the format GStreamer's `rtpstreamdepay` reads.
/// The datagram path only queues packets; `run()` owns the files and writes them. A debugging aid: when the
/// disk cannot keep up, packets are dropped and counted rather than slowing the forwarding down.
final class MediaRecorder: Sendable {
    struct Packet: Sendable {
        let recordingName: String
        let ssrc: UInt32
        /// A copy: the received buffer is a slice of a large vector-read buffer that must not be kept alive.
        let bytes: [UInt8]
    }

    let directory: String
    private let queue: AsyncStream<Packet>
    private let sink: AsyncStream<Packet>.Continuation
    private let metrics: MediaMetrics
    private let logger: Logger

    init(directory: String, metrics: MediaMetrics, logger: Logger, capacity: Int = 8192) {
        self.directory = directory
        self.metrics = metrics
        self.logger = logger
        (queue, sink) = AsyncStream.makeStream(of: Packet.self, bufferingPolicy: .bufferingOldest(capacity))
    }

    /// Creates the directory, so that a bad --record fails at start-up with a clear message.
    func prepare() throws(ServerSetupError) {
        var path = directory.hasPrefix("/") ? "" : "."
        for component in directory.split(separator: "/") {
            path += "/" + component
            if mkdir(path, 0o755) != 0 && errno != EEXIST {
                throw ServerSetupError("--record: cannot create \(path): \(String(cString: strerror(errno)))")
            }
        }
        var status = stat()
        guard stat(directory, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
            throw ServerSetupError("--record: \(directory) is not a directory")
        }
    }

    func record(_ bytes: ByteBuffer, recordingName: String, ssrc: UInt32) {
        let packet = Packet(recordingName: recordingName, ssrc: ssrc, bytes: Array(bytes.readableBytesView))
        if case .dropped = sink.yield(packet) {
            metrics.recorderDropped.increment()
        }
    }

    /// No more packets; `run()` writes what is queued and returns.
    func finish() {
        sink.finish()
    }

    func run() async {
        var files: [String: Int32] = [:]
        var failed: Set<String> = []
        defer { for descriptor in files.values { close(descriptor) } }
        var frame: [UInt8] = []
        for await packet in queue {
            let name = "\(packet.recordingName)-\(packet.ssrc).rtp"
            guard !failed.contains(name) else { continue }
            let descriptor: Int32
            if let existing = files[name] {
                descriptor = existing
            } else {
                let path = directory + "/" + name
                descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
                guard descriptor >= 0 else {
                    logger.error("--record: cannot open \(path): \(String(cString: strerror(errno)))")
                    failed.insert(name)
                    continue
                }
                files[name] = descriptor
            }
            frame.removeAll(keepingCapacity: true)
            let count = packet.bytes.count
            frame.append(UInt8(truncatingIfNeeded: count >> 8))
            frame.append(UInt8(truncatingIfNeeded: count))
            frame.append(contentsOf: packet.bytes)
            if !Self.writeAll(frame, to: descriptor) {
                logger.error("--record: cannot write \(name): \(String(cString: strerror(errno)))")
                close(descriptor)
                files[name] = nil
                failed.insert(name)
            }
        }
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += written
            }
            return true
        }
    }

    /// The file-name form of a room: the number, or `str_` and the string with anything but letters, digits,
    /// `_` and `.` percent-encoded (strRoomIds may hold spaces and shell characters).
    static func fileNamePart(_ room: RoomKey) -> String {
        switch room.room {
        case .numeric(let id):
            return String(id)
        case .string(let text):
            var encoded = "str_"
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                     UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."):
                    encoded.append(Character(Unicode.Scalar(byte)))
                default:
                    let hex = String(byte, radix: 16, uppercase: true)
                    encoded += "%" + (hex.count == 1 ? "0" + hex : hex)
                }
            }
            return encoded
        }
    }
}
