import TrtcServer

await ServerCommand.runFromCommandLine()
