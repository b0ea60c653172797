import ArgumentParser
import TrtcServer

/// `trtc-bench`: benchmarks of trtcd's parts, one subcommand per part.
@available(macOS 10.15, *)
public struct BenchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "trtc-bench",
        abstract: "Benchmarks of trtcd's parts on this machine (loopback only; each run stops by itself).",
        subcommands: [ServerBenchCommand.self, ClusterBenchCommand.self, HostileBenchCommand.self, DaemonBenchCommand.self, MediaBenchCommand.self,
                      NetworkBenchCommand.self, SFUBenchCommand.self, CameraCommand.self,
                      RelayCommand.self, ServerCommand.self])

    public init() {}
}
