/// Where a reply to an incoming call goes.
struct DBusReplyAddress: Sendable {
    var sender: String
    var serial: UInt32
    var member: String
    var noReplyExpected: Bool
}

/// What a reply carries.
enum DBusReplyContent: Sendable {
    case values([DBusValue])
    case error(DBusError)
}
