/// What the server holds now (also served at /healthz).
public struct ServerStats: Sendable, Equatable {
    public var rooms: Int
    public var users: Int
    public var connections: Int

    public init(rooms: Int, users: Int, connections: Int) {
        self.rooms = rooms
        self.users = users
        self.connections = connections
    }
}

extension TrtcServerParts {
    public func stats() async -> ServerStats { registry.stats }
}

