import Foundation
import Testing
import TrtcHarness

@Suite("ChildProcess: output, waits, exit")
struct ChildProcessTests {
    /// The waiter of old polled captured output and gave up at the deadline without a last look, so a line that
    /// arrived during its final sleep (or before a wait with an already-passed deadline) was reported missing
    /// although the failure message listed it.
    @Test("a line printed before the wait is found, even with no time left to wait")
    func lineAlreadyCaptured() async throws {
        let child = try ChildProcess("/bin/sh", ["-c", "echo '  applications: 1400000001'; exec sleep 30"])
        try await waitUntil("the line is captured", timeout: .seconds(10)) { !child.output.isEmpty }
        #expect(try await child.waitForLine(containing: "applications:", timeout: .zero) == "  applications: 1400000001")
        await child.stop()
    }

    @Test("a line printed while waiting ends the wait at once")
    func linePrintedWhileWaiting() async throws {
        let child = try ChildProcess("/bin/sh", ["-c", "sleep 0.3; echo late; exec sleep 30"])
        let started = ContinuousClock.now
        #expect(try await child.waitForLine(containing: "late", timeout: .seconds(20)) == "late")
        #expect(ContinuousClock.now - started < .seconds(10))
        await child.stop()
    }

    @Test("waiting for a line ends when the child exits without printing it, with what it printed")
    func exitBeforeLine() async throws {
        let child = try ChildProcess("/bin/sh", ["-c", "echo other; echo oops >&2; exit 3"])
        let failure = await #expect(throws: ProcessFailure.self) {
            try await child.waitForLine(containing: "never", timeout: .seconds(20))
        }
        #expect(failure?.description.contains("exited (3)") == true, "\(failure.map(String.init(describing:)) ?? "")")
        #expect(failure?.description.contains("oops") == true)
    }

    @Test("a wait that times out says what was printed, and the child is still there")
    func lineTimeout() async throws {
        let child = try ChildProcess("/bin/sh", ["-c", "echo first; exec sleep 30"])
        let failure = await #expect(throws: ProcessFailure.self) {
            try await child.waitForLine(containing: "second", timeout: .milliseconds(300))
        }
        #expect(failure?.description.contains("within") == true)
        #expect(child.isRunning)
        await child.stop()
        #expect(child.exitStatus == 128 + SIGTERM)
    }

    @Test("all output is read when the exit is seen; stderr waits; an unterminated last line counts")
    func outputCompleteAtExit() async throws {
        let child = try ChildProcess("/bin/sh", ["-c", "seq 1 20000; printf progress >&2; printf tail"])
        try await child.waitForError(containing: "progress")
        #expect(try await child.waitForExit() == 0)
        #expect(child.output.count == 20001)
        #expect(child.output.last == "tail")
        #expect(child.errorOutput == "progress")
    }

    @Test("CommandRun: status, output, environment exactly as given plus PATH; a command past its timeout is killed")
    func commandRun() async throws {
        let run = try await CommandRun.run("sh", ["-c", "echo $GREETING; echo ${HOME:-no home}; exit 4"],
                                           environment: ["GREETING": "hello"])
        #expect(run.status == 4)
        #expect(run.stdout == "hello\nno home\n")
        let blocking = try CommandRun.runBlocking("/bin/echo", ["blocking"])
        #expect(blocking.stdout == "blocking\n")
        await #expect(throws: ProcessFailure.self) { try await CommandRun.run("/bin/sleep", ["30"], timeout: .milliseconds(200)) }
    }

    @Test("a child started from a thread that blocks SIGTERM still gets it")
    func cleanSignalMask() async throws {
        var blocked = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGTERM)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &blocked, &previous)
        let child = try ChildProcess("/bin/sleep", ["30"])
        pthread_sigmask(SIG_SETMASK, &previous, nil)
        child.signal(SIGTERM)
        #expect(try await child.waitForExit(timeout: .seconds(5)) == 128 + SIGTERM)
    }

    @Test("a released child is killed")
    func killedWhenReleased() async throws {
        var child: ChildProcess? = try ChildProcess("/bin/sleep", ["30"])
        let pid = try #require(child?.pid)
        child = nil
        try await waitUntil("the released child is gone", timeout: .seconds(10)) { kill(pid, 0) != 0 }
    }
}
