import CBenchSupport
import Foundation
import Glibc

/// Pins every thread of a process to one CPU, so that a forwarder and the load generator do not share a core and
/// "per core" means one core.
enum CPUAffinity {
    static var cpuCount: Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

    /// `pid` nil: this process. Threads started later inherit the mask of the thread that starts them.
    static func pin(pid: Int32? = nil, cpu: Int) throws {
        let directory = "/proc/\(pid.map(String.init) ?? "self")/task"
        let threads = try FileManager.default.contentsOfDirectory(atPath: directory).compactMap { Int32($0) }
        for thread in threads {
            let error = trtc_bench_pin_thread(thread, Int32(cpu))
            guard error == 0 || error == ESRCH else {
                throw BenchFailure("sched_setaffinity(\(thread), cpu \(cpu)): \(String(cString: strerror(error)))")
            }
        }
    }
}
