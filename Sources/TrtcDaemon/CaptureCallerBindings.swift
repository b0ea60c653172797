import Synchronization
import TrtcDBus

/// `bindToCaller` of StartLocalVideo / StartLocalAudio: the capture is closed (as by StopLocal*) when the bus name
/// that started it leaves the bus. Every successful StartLocal* of a kind replaces that kind's binding (a capture
/// started by another caller is not closed by the first one leaving), and StopLocal* ends it.
final class CaptureCallerBindings: Sendable {
    enum Kind: Sendable, Hashable { case video, audio }

    private struct Binding: Sendable {
        let generation: UInt64
        let watch: DBusNameWatch?
    }

    private let state = Mutex<(generation: UInt64, bindings: [Kind: Binding])>((0, [:]))

    /// A new capture of `kind`: ends the previous binding; returns the generation to give `bind`.
    func captureStarted(_ kind: Kind) -> UInt64 {
        let (old, generation) = state.withLock { state -> (Binding?, UInt64) in
            state.generation += 1
            let old = state.bindings[kind]
            state.bindings[kind] = Binding(generation: state.generation, watch: nil)
            return (old, state.generation)
        }
        old?.watch?.cancel()
        return generation
    }

    /// Keeps `watch` for the capture of `generation`; cancels it when that capture was already replaced or stopped.
    func bind(_ kind: Kind, generation: UInt64, watch: DBusNameWatch) {
        let kept = state.withLock { state -> Bool in
            guard state.bindings[kind]?.generation == generation else { return false }
            state.bindings[kind] = Binding(generation: generation, watch: watch)
            return true
        }
        if !kept { watch.cancel() }
    }

    /// The caller of `generation` left: true when that capture is still the current one (and so must close).
    func callerLeft(_ kind: Kind, generation: UInt64) -> Bool {
        state.withLock { state in
            guard state.bindings[kind]?.generation == generation else { return false }
            state.bindings[kind] = nil
            return true
        }
    }

    /// StopLocal*: the capture is closed; its binding ends.
    func captureStopped(_ kind: Kind) {
        let old = state.withLock { $0.bindings.removeValue(forKey: kind) }
        old?.watch?.cancel()
    }
}
