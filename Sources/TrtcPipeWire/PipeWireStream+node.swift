extension PipeWireStream {
    /// A new stream for `consumer`, connected; one that fails to connect is closed before this throws. Under the lock.
    static func connectedLocked(
        loop: PipeWireLoop, endpoint: Endpoint, consumer: any PipeWireStreamConsumer, name: String, properties: [String: String]
    ) throws(PipeWireError) -> PipeWireStream {
        let stream = PipeWireStream(loop: loop, endpoint: endpoint, consumer: consumer)
        do {
            try stream.connectLocked(name: name, properties: properties)
        } catch {
            stream.closeLocked()
            throw error
        }
        return stream
    }

    /// Creates a stream that is a node of its own (a source others link to, or a playback stream), connects it and
    /// waits until PipeWire has created the node. Call with the loop locked. A stream that fails is closed before
    /// this throws.
    /// - Throws: what connecting throws, or `connectionFailed` when no node appears within `timeout`.
    static func openNodeLocked(
        loop: PipeWireLoop, endpoint: Endpoint, consumer: any PipeWireStreamConsumer, name: String,
        properties: [String: String], timeout: Duration
    ) throws(PipeWireError) -> PipeWireStream {
        let stream = try connectedLocked(loop: loop, endpoint: endpoint, consumer: consumer, name: name, properties: properties)
        let appeared = loop.waitLocked(timeout: timeout) {
            if case .finished = stream.phase { return true }
            return stream.nodeId != nil
        }
        if case .finished(let reason) = stream.phase {
            stream.closeLocked()
            throw .connectionFailed("the PipeWire node '\(name)' failed: \(reason)")
        }
        guard appeared else {
            stream.closeLocked()
            throw .connectionFailed("PipeWire did not create the node '\(name)' within \(timeout)")
        }
        return stream
    }
}
