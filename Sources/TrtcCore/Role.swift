/// A user's role in a room; only anchors publish.
public enum Role: String, Sendable, Codable, CaseIterable {
    case anchor
    case audience
}
