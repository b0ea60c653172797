extension AsyncStream where Element: Sendable {
    /// Elements until `enough` says so, the stream ends, or `timeout` passes; a test waiting
    /// for media fails instead of hanging when the media stops.
    public func collect(timeout: Duration, until enough: @escaping @Sendable ([Element]) -> Bool) async -> [Element] {
        await withTaskGroup(of: [Element]?.self) { group in
            group.addTask {
                var elements: [Element] = []
                for await element in self {
                    elements.append(element)
                    if enough(elements) { break }
                }
                return elements
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            // Whichever finishes first; on timeout the collector is cancelled and returns what it has.
            var collected: [Element] = []
            if let first = await group.next(), let elements = first {
                collected = elements
                group.cancelAll()
            } else {
                group.cancelAll()
                while let next = await group.next() {
                    if let elements = next { collected = elements }
                }
            }
            return collected
        }
    }
}
