import ArgumentParser
import TrtcDaemon

/// trtcd's entry point: everything else lives in the TrtcDaemon library.
@main
extension DaemonCommand {}
