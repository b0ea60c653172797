#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOCore

/// `--record DIR`: every accepted RTP packet is appended to DIR/<sdkAppId>-<room>-<userId>-<ssrc>.rtp with
/// RFC 4571 framing (16-bit big-endian length, then the packet), the format GStreamer's `rtpstreamdepay` reads.
/// The datagram path only queues packets; `run()` owns the files and writes them. A debugging aid: when the
/// disk cannot keep up, packets are dropped and counted rather than slowing the forwarding down.
/// Files are 0600 in a directory made 0700 (they hold decrypted calls); at most `maxOpenFiles` stay open, the least
/// recently written one is closed for a new stream and reopened for appending when its stream goes on.
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
    let maxOpenFiles: Int

    init(directory: String, metrics: MediaMetrics, logger: Logger, capacity: Int = 8192, maxOpenFiles: Int = 32) {
        self.directory = directory
        self.maxOpenFiles = max(1, maxOpenFiles)
        self.metrics = metrics
        self.logger = logger
        (queue, sink) = AsyncStream.makeStream(of: Packet.self, bufferingPolicy: .bufferingOldest(capacity))
    }

    /// Creates the directory, so that a bad --record fails at start-up with a clear message.
    func prepare() throws(ServerSetupError) {
        var path = directory.hasPrefix("/") ? "" : "."
        for component in directory.split(separator: "/") {
            path += "/" + component
            if mkdir(path, 0o700) != 0 && errno != EEXIST {
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
        /// Open files: descriptor and when it was last written (a counter), for closing the least recent.
        var files: [String: (descriptor: Int32, used: UInt64)] = [:]
        var uses: UInt64 = 0
        /// Files begun by this run: reopened for appending, not truncated.
        var begun: Set<String> = []
        var failed: Set<String> = []
        defer { for file in files.values { close(file.descriptor) } }
        var frame: [UInt8] = []
        for await packet in queue {
            let name = "\(packet.recordingName)-\(packet.ssrc).rtp"
            guard !failed.contains(name) else { continue }
            uses += 1
            let descriptor: Int32
            if let existing = files[name] {
                descriptor = existing.descriptor
            } else {
                if files.count >= maxOpenFiles, let oldest = files.min(by: { $0.value.used < $1.value.used }) {
                    close(oldest.value.descriptor)
                    files[oldest.key] = nil
                }
                let path = directory + "/" + name
                let mode = begun.contains(name) ? O_APPEND : O_TRUNC
                descriptor = open(path, O_WRONLY | O_CREAT | mode | O_CLOEXEC, 0o600)
                guard descriptor >= 0 else {
                    logger.error("--record: cannot open \(path): \(String(cString: strerror(errno)))")
                    failed.insert(name)
                    continue
                }
                // An existing file keeps its mode through O_CREAT: the recording is private whatever was there.
                fchmod(descriptor, 0o600)
                begun.insert(name)
            }
            files[name] = (descriptor, uses)
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
