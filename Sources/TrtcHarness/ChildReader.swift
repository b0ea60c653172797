import Foundation
import TrtcCore
#if canImport(Glibc)
import Glibc
#endif

/// The thread that reads one child's stdout and stderr into its `ChildOutput` and collects the child when it
/// exits. The exit is recorded only after everything the child wrote has been read, so a wait that ends with the
/// exit has seen all of its output. Reading goes on after the exit while a process the child left behind keeps
/// the pipes open, until `WakePipe` says the `ChildProcess` is gone.
struct ChildReader: Sendable {
    let pid: pid_t
    let outputDescriptor: Int32
    let errorDescriptor: Int32
    let stop: WakePipe
    let output: ChildOutput
    let started: Duration

    func start(name: String) {
        let thread = Thread { run() }
        thread.name = "child \(name)"
        thread.start()
    }

    private func run() {
        var open = [outputDescriptor, errorDescriptor]
        var exited = false
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)

        /// Reads what `descriptor` holds now; false once it is at its end.
        func drain(_ descriptor: Int32) -> Bool {
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count > 0 {
                    let bytes = buffer[0..<count]
                    if descriptor == outputDescriptor { output.appendOutput(bytes) } else { output.appendError(bytes) }
                    continue
                }
                if count < 0 && errno == EINTR { continue }
                return count < 0 && errno == EAGAIN
            }
        }
        func finish(_ descriptor: Int32) {
            _ = close(descriptor)
            open.removeAll { $0 == descriptor }
            if descriptor == outputDescriptor { output.finishOutput() }
        }

        while !(exited && open.isEmpty) {
            if open.isEmpty {
                // Both pipes at their end: nothing but the exit itself to wait for.
                _ = hasExited(blocking: true)
                record()
                exited = true
                continue
            }
            var polled = (open + [stop.readEnd]).map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            // Until the exit, look for it every 50 ms: a process the child started may hold the pipes open past it.
            _ = poll(&polled, nfds_t(polled.count), exited ? -1 : 50)
            if polled.last!.revents != 0 {
                // The ChildProcess is gone and has killed the child: stop reading, collect it.
                open.forEach { _ = close($0) }
                if !exited {
                    _ = hasExited(blocking: true)
                    record()
                }
                return
            }
            for entry in polled.dropLast() where entry.revents != 0 && !drain(entry.fd) { finish(entry.fd) }
            if !exited && hasExited(blocking: false) {
                // What it wrote before exiting is in the pipes: read it before the exit is seen.
                for descriptor in open where !drain(descriptor) { finish(descriptor) }
                record()
                exited = true
            }
        }
    }

    /// Whether the child has exited, without collecting it (so its id stays taken until `record`).
    private func hasExited(blocking: Bool) -> Bool {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT | (blocking ? 0 : WNOHANG)) < 0 {
            if errno != EINTR { return true }  // not ours to wait for any more: nothing left to record
        }
        return info._sifields._kill.si_pid == pid
    }

    /// Collects the exited child and records its status and cost.
    private func record() {
        output.recordExit {
            var status: Int32 = 0
            var usage = rusage()
            var collected: pid_t
            repeat { collected = wait4(pid, &status, 0, &usage) } while collected < 0 && errno == EINTR
            func duration(_ time: timeval) -> Duration { .seconds(time.tv_sec) + .microseconds(time.tv_usec) }
            let code = collected != pid ? -1 : (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            return ChildOutput.Exit(status: code,
                                    wall: MonotonicClock.now - started,
                                    cpu: duration(usage.ru_utime) + duration(usage.ru_stime))
        }
    }
}
