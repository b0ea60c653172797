import Foundation
import Synchronization
import TrtcCore
import TrtcRTP
import TrtcHarness
import TrtcHarnessTesting

/// Exact reads of what trtc-server recorded (`--record`): waits for a condition instead of sleeping, and a barrier
/// that makes everything the server accepted so far readable.
extension MediaRoom {
    /// The number of RTP packets of `user` with `payloadType` recorded so far (0 before the first).
    func recordedCount(user: String, payloadType: UInt8) throws -> Int {
        try recorded(user: user, payloadType: payloadType)?.packets.count ?? 0
    }

    /// Polls the recording until `condition` holds; fails naming `what` after `timeout` (which only catches media
    /// that never comes).
    func waitForRecording(_ what: String, timeout: Duration = .seconds(20), _ condition: (MediaRoom) throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while try !condition(self) {
            if ContinuousClock.now >= deadline {
                throw TestFailure("the recording never showed \(what) within \(timeout) (\(recordDirectory.path))")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Returns once the server's recorder has written every RTP packet it accepted before this call.
    ///
    /// The recorder is one queue written in order (MediaRecorder), so a marker packet, sent by a member of its own
    /// room after this call began, is on disk only after everything queued before it.
    func flushRecorder() async throws {
        let marker = "flush\(MediaRecorderFlush.next.add(1, ordering: .relaxed).newValue)"
        try await RawMediaMember.with(self, userId: marker, roomId: 4_000_000_000, video: true, audio: false) { media, socket in
            var sequence: UInt16 = 0
            let deadline = ContinuousClock.now + .seconds(10)
            // Sent again until recorded: UDP may drop one, even on loopback.
            while try recordedCount(user: marker, payloadType: RTPPayloadType.vp8) == 0 {
                guard ContinuousClock.now < deadline else { throw TestFailure("the recorder never wrote the flush marker \(marker)") }
                sequence += 1
                let packet = try RTPPacket(payloadType: RTPPayloadType.vp8, marker: true, sequenceNumber: sequence, timestamp: 0,
                                           ssrc: media.videoSsrc, payload: [0x10, 0, 0, 0])
                socket.send(packet.serialized())
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }
}

private enum MediaRecorderFlush {
    static let next = Atomic<Int>(0)
}
