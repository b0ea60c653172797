/// What a `RemoteVideoReceiver` showed: the last picture's size (as decoded, before any scaling to the node) and
/// the render times' freeze count, which also counts the pictures.
struct RemoteVideoStatistics: Sendable, Equatable {
    var width = 0
    var height = 0
    var freezes = VideoFreezeCounter()
}
