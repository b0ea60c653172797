import Foundation
import TrtcControl

// Before anything starts a thread: every thread inherits this mask.
TerminationSignals.unblock()
TrtcCtl.bootstrapLogging()
exit(await TrtcCtl.main(arguments: Array(CommandLine.arguments.dropFirst())))
