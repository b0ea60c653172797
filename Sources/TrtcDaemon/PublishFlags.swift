/// Which kinds of media a member publishes (the `video`/`audio` of `enter` and `publish`).
struct PublishFlags: Sendable, Equatable {
    var video = false
    var audio = false
}
