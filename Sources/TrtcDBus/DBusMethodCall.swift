import Synchronization

/// One incoming method call. Answer it exactly once with `reply` or `replyError`, from any task,
/// now or later; several calls can be in flight at once. A call that is released unanswered sends
/// `org.freedesktop.DBus.Error.Failed` itself, so the caller always gets exactly one reply.
public final class DBusMethodCall: Sendable {
    /// The caller's unique bus name (e.g. `:1.42`); empty on a peer-to-peer connection.
    public let sender: String
    public let path: String
    /// The interface the caller named; nil when it named none and the member was looked up.
    public let interface: String?
    public let member: String
    public let signature: String
    public let arguments: [DBusValue]

    let address: DBusReplyAddress
    let outputSignature: String?
    let loop: DBusEventLoop
    private let answered = Atomic<Bool>(false)

    init(
        sender: String, path: String, interface: String?, member: String, signature: String, arguments: [DBusValue],
        address: DBusReplyAddress, outputSignature: String?, loop: DBusEventLoop
    ) {
        self.sender = sender
        self.path = path
        self.interface = interface
        self.member = member
        self.signature = signature
        self.arguments = arguments
        self.address = address
        self.outputSignature = outputSignature
        self.loop = loop
    }

    /// True once a reply (or error reply) was sent.
    public var isAnswered: Bool { answered.load(ordering: .acquiring) }

    /// Replies with return values; they must match the method's declared output signature.
    public func reply(_ values: [DBusValue] = []) throws {
        try DBusValue.validate(arguments: values)
        if let outputSignature, DBusValue.signature(of: values) != outputSignature {
            throw DBusError.invalidArgs(
                "reply to \(member) has signature '\(DBusValue.signature(of: values))', declared '\(outputSignature)'")
        }
        try send(.values(values))
    }

    public func reply(_ values: DBusValue...) throws {
        try reply(values)
    }

    /// Replies with an error of any valid error name, e.g. `org.trtcd.Trtc1.Error.InvalidArgument`.
    public func replyError(name: String, message: String) throws {
        try DBusNames.validateErrorName(name)
        guard !message.utf8.contains(0) else { throw DBusError.invalidArgs("error message contains a NUL character") }
        try send(.error(DBusError(name: name, message: message)))
    }

    public func replyError(_ error: DBusError) throws {
        try replyError(name: error.name, message: error.message)
    }

    private func send(_ content: DBusReplyContent) throws {
        guard answered.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            throw DBusError(name: DBusError.alreadyRepliedName, message: "\(member) was already answered")
        }
        let address = address
        if !loop.submit({ state in state.sendReply(to: address, content) }) {
            throw DBusError.disconnected
        }
    }

    deinit {
        guard !answered.load(ordering: .acquiring) else { return }
        let address = address
        let error = DBusError.failed("\(interface.map { $0 + "." } ?? "")\(member) was dropped without a reply")
        loop.logger.warning("method call dropped without a reply; answering with an error", metadata: ["member": "\(member)"])
        loop.submit { state in state.sendReply(to: address, .error(error)) }
    }
}
