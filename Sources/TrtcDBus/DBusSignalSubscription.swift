/// The signals matching one rule, as an async sequence. Keep it (or iterate it) to stay subscribed.
public final class DBusSignalSubscription: AsyncSequence, Sendable {
    public typealias Element = DBusSignal

    public let rule: DBusMatchRule
    private let id: UInt64
    private let signals: AsyncStream<DBusSignal>
    /// Keeps the connection open while this exists.
    private let connection: BusConnection
    private var loop: DBusEventLoop { connection.loop }

    init(rule: DBusMatchRule, id: UInt64, signals: AsyncStream<DBusSignal>, connection: BusConnection) {
        self.rule = rule
        self.id = id
        self.signals = signals
        self.connection = connection
    }

    /// Keeps the subscription alive while it is being iterated.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncStream<DBusSignal>.Iterator
        let subscription: DBusSignalSubscription

        public mutating func next() async -> DBusSignal? {
            await base.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: signals.makeAsyncIterator(), subscription: self)
    }

    /// Removes the match rule and ends the sequence.
    public func cancel() {
        let id = id
        loop.submit { state in
            guard let record = state.subscriptions.removeValue(forKey: id) else { return }
            record.signals.finish()
            state.callBus("RemoveMatch", [.string(record.rule.ruleString)]) { _ in }
        }
    }

    deinit {
        cancel()
    }
}
