/// Which remote users' video and audio trtcd receives, and the SSRCs they send with (`LocalMedia.remote`).
/// Every packet from the transport is routed by its SSRC, so the lookups by SSRC are dictionary lookups whatever the
/// number of remote users (security finding M4); the inverse maps are kept with the forward ones here.
struct RemoteMediaRouting: @unchecked Sendable {
    /// Remote audio streams played at once; a room with more publishing members plays the first this many (each is a
    /// decoder and a playback stream, and a hostile room must not make trtcd open hundreds).
    static let maximumAudioReceivers = 16

    private(set) var videoReceivers: [RemoteVideoKey: RemoteVideoReceiver] = [:]
    private(set) var audioReceivers: [String: RemoteAudioReceiver] = [:]
    private(set) var videoSsrcs: [String: UInt32] = [:]
    private var videoUserBySsrc: [UInt32: String] = [:]
    private var audioReceiverBySsrc: [UInt32: RemoteAudioReceiver] = [:]

    /// The video receiver for packets of `ssrc`.
    func videoReceiver(for ssrc: UInt32) -> RemoteVideoReceiver? {
        guard let userId = videoUserBySsrc[ssrc] else { return nil }
        return videoReceivers[.main(userId)]  // only main streams are published (no sub stream yet)
    }

    /// The audio receiver for packets of `ssrc`, if it still plays that stream.
    func audioReceiver(for ssrc: UInt32) -> RemoteAudioReceiver? {
        audioReceiverBySsrc[ssrc]
    }

    var isAudioFull: Bool { audioReceivers.count >= Self.maximumAudioReceivers }

    mutating func setVideoReceiver(_ receiver: RemoteVideoReceiver, for key: RemoteVideoKey) {
        videoReceivers[key] = receiver
    }

    @discardableResult
    mutating func removeVideoReceiver(for key: RemoteVideoKey) -> RemoteVideoReceiver? {
        videoReceivers.removeValue(forKey: key)
    }

    /// Sets the SSRC `userId` sends video with (nil: none); returns the previous one.
    mutating func setVideoSsrc(_ ssrc: UInt32?, for userId: String) -> UInt32? {
        let previous = videoSsrcs[userId]
        if let previous, videoUserBySsrc[previous] == userId { videoUserBySsrc[previous] = nil }
        videoSsrcs[userId] = ssrc
        if let ssrc { videoUserBySsrc[ssrc] = userId }
        return previous
    }

    mutating func setAudioReceiver(_ receiver: RemoteAudioReceiver, for userId: String) {
        removeAudioReceiver(for: userId)
        audioReceivers[userId] = receiver
        audioReceiverBySsrc[receiver.ssrc] = receiver
    }

    @discardableResult
    mutating func removeAudioReceiver(for userId: String) -> RemoteAudioReceiver? {
        guard let receiver = audioReceivers.removeValue(forKey: userId) else { return nil }
        if audioReceiverBySsrc[receiver.ssrc] === receiver { audioReceiverBySsrc[receiver.ssrc] = nil }
        return receiver
    }
}
