import TrtcServer

await ServerCommand.main() as Void
