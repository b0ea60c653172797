extension PipeWireStream {
    /// Creates a stream for `consumer`, connects it to `device` and waits until media flows. Call with the loop locked.
    /// A stream that does not start is closed (the device released) before this throws.
    /// - Throws: what connecting throws, or `deviceUnavailable` naming the device as `kind` ("camera", "microphone").
    static func startLocked(
        loop: PipeWireLoop, device: PipeWireDevice, consumer: any PipeWireStreamConsumer, kind: String,
        name: String, properties: [String: String], timeout: Duration
    ) throws(PipeWireError) -> PipeWireStream {
        let stream = try connectedLocked(loop: loop, endpoint: .capture(device), consumer: consumer, name: name, properties: properties)
        if let reason = stream.waitUntilStreamingLocked(timeout: timeout) {
            stream.closeLocked()
            throw .deviceUnavailable("\(kind) '\(device.name)' could not start: \(reason)")
        }
        return stream
    }
}
