import TrtcDaemon

await DaemonCommand.runFromCommandLine()
