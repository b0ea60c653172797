import Synchronization

/// A wait that took longer than it may.
public struct TimedOut: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String = "timed out") { self.description = description }
}

/// Runs `body`, failing with `TimedOut` once `seconds` have passed. Returns at the deadline even when `body`
/// does not react to cancellation (it is cancelled and left to finish on its own), so it bounds any wait.
public func within<T: Sendable>(_ seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let tasks = Mutex<[Task<Void, Never>]>([])
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let pending = Mutex<CheckedContinuation<T, any Error>?>(continuation)
            // The first result wins; the other task is cancelled.
            let finish: @Sendable (Result<T, any Error>) -> Void = { result in
                guard let continuation = pending.withLock({ $0.take() }) else { return }
                tasks.withLock { $0.forEach { $0.cancel() } }
                continuation.resume(with: result)
            }
            let work = Task {
                do { finish(.success(try await body())) } catch { finish(.failure(error)) }
            }
            let timer = Task {
                guard (try? await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))) != nil else { return }
                finish(.failure(TimedOut("not within \(seconds) s")))
            }
            tasks.withLock { $0 = [work, timer] }
        }
    } onCancel: {
        tasks.withLock { $0.forEach { $0.cancel() } }
    }
}
