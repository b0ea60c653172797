import ArgumentParser
import TrtcServer

/// trtc-server's entry point: everything else lives in the TrtcServer library.
@main
extension ServerCommand {}
