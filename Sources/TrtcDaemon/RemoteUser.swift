/// A remote member as this daemon sees it.
struct RemoteUser: Sendable, Equatable {
    var video: Bool
    var audio: Bool
}
