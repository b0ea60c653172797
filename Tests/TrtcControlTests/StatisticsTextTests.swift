import Testing
@testable import TrtcControl
import TrtcDBusContract

/// `trtcctl stats` shows the receive side's counters of each remote stream (jitter buffers, NACK/PLI repair, audio
/// concealment and FEC), not only its rates.
@Suite struct StatisticsTextTests {
    @Test func statsShowsTheReceiveSideCountersOfARemoteStream() {
        var statistics = RoomStatistics()
        var bob = RoomStatistics.Remote(userId: "bob")
        bob.width = 640
        bob.height = 480
        bob.videoBitrate = 650
        bob.jitterBufferDelay = 240
        bob.videoJitterBufferDelay = 240
        bob.audioJitterBufferDelay = 60
        bob.videoNacksSent = 12
        bob.videoNackRequests = 15
        bob.videoNackRetries = 3
        bob.videoRetransmissionsReceived = 14
        bob.videoPlisSent = 1
        bob.videoKeyFramesDecoded = 2
        bob.videoFramesMissingReference = 4
        bob.videoDecoderErrors = 0
        bob.audioTotalSamples = 96_000
        bob.audioConcealedSamples = 1_920
        bob.audioFecSamples = 4_800
        bob.receivedTemporalLayers = 1
        statistics.remote = [bob, RoomStatistics.Remote(userId: "carol")]
        let text = StatisticsText.block(statistics)
        #expect(text.contains("""
            remote bob main    video 640x480 0fps 650kbit/s loss=0% freezes=0 (0ms, 0%) layers=1 finalLoss=0%
              receiving        jitterBufferDelay=240ms (video 240ms, audio 60ms), video nacks=12 requests=15 retries=3 \
            retransmissions=14 plis=1 keyFrames=2 missingReference=4 decoderErrors=0, audio concealed=2.0% fec=5.0% of 96000 samples
            remote carol main  nothing received finalLoss=0%

            """), "\(text)")
    }

    @Test func statsShowsTheSendEstimateAndTheReceiversLimit() {
        var statistics = RoomStatistics()
        statistics.sendEstimateKbps = 1_100
        #expect(StatisticsText.block(statistics).contains("sendEstimate  1100 kbit/s\n"))
        statistics.receiverLimitKbps = 240
        #expect(StatisticsText.block(statistics).contains(
            "sendEstimate  1100 kbit/s, video limited to 240 kbit/s by its receivers' downlinks\n"))
    }
}
